"""bench/run.py runs every case, including those whose ``run`` takes its sizes as arguments
(apply_cpu, feed_pull, offline, offline_scale printed "did not run": their ``run`` needs
arguments their command line supplies) and those that print their figures."""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
#: The cases whose ``run`` has parameters without defaults.
NEEDING_ARGUMENTS = ("apply_cpu_bench", "feed_pull_bench", "offline_bench", "offline_scale_bench")


@pytest.fixture
def run_py() -> Iterator[types.ModuleType]:
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("run")
    finally:
        sys.path.remove(str(BENCH))


def _printing_case() -> types.ModuleType:
    """A case like feed_pull: sizes as required arguments, figures printed, None returned."""
    case = types.ModuleType("printing_bench")

    def run(stores_n: int, pulls: int) -> None:
        print(f"ledger: {stores_n} stores")
        print("-- the plan of a pull:")
        print("Limit  (cost=1.00..2.00 rows=5)")
        print("  Buffers: shared hit=3")
        print(f"{pulls} pulls of store S1: 1.29 ms wall, 0.37 ms CPU")
        print("verdicts: {'accepted': 40}")

    case.run = run  # type: ignore[attr-defined]
    case.RUN_KWARGS = {"stores_n": 200, "pulls": 500}  # type: ignore[attr-defined]
    case.QUICK_KWARGS = {"stores_n": 20, "pulls": 50}  # type: ignore[attr-defined]
    return case


def test_a_case_needing_arguments_runs_with_its_sizes_and_its_printed_figures_are_rows(
    run_py: types.ModuleType,
) -> None:
    case = _printing_case()
    assert run_py._call("printing_bench", case, quick=True) == [
        ("ledger", "20 stores"),
        ("50 pulls of store S1", "1.29 ms wall, 0.37 ms CPU"),
        ("verdicts", "{'accepted': 40}"),
    ]
    full = run_py._call("printing_bench", case, quick=False)
    assert full[0] == ("ledger", "200 stores")
    assert full[1][0] == "500 pulls of store S1"
    # A size given to run.py wins, by its name or its alias (--stores -> stores_n).
    sized = run_py._call("printing_bench", case, quick=True, sizes={"stores": 7, "pulls": 3})
    assert sized[:2] == [("ledger", "7 stores"), ("3 pulls of store S1", sized[1][1])]


def test_a_missing_argument_is_named_not_a_type_error_from_inside(
    run_py: types.ModuleType,
) -> None:
    case = _printing_case()
    del case.RUN_KWARGS
    with pytest.raises(TypeError, match=r"printing_bench.run needs stores_n, pulls"):
        run_py._call("printing_bench", case, quick=False)


@pytest.mark.parametrize("name", NEEDING_ARGUMENTS)
def test_the_benches_needing_arguments_get_every_one_at_both_sizes(
    run_py: types.ModuleType, name: str
) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        module = importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))
    params = inspect.signature(module.run).parameters
    required = {p for p, v in params.items() if v.default is inspect.Parameter.empty}
    assert required, f"{name}.run takes no required argument any more: drop it from this test"
    quick = run_py.kwargs_for(name, module, quick=True)
    full = run_py.kwargs_for(name, module, quick=False)
    assert required <= set(quick) and required <= set(full)
    # --quick is smaller in some size, never larger.
    assert quick != full
    assert all(quick[k] <= full[k] for k in full if isinstance(full[k], int))
