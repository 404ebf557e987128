"""Run every benchmark in bench/ and print one table: metric, value, target, ok?

    .venv/bin/python bench/run.py            # the issue's sizes
    .venv/bin/python bench/run.py --quick    # smaller sizes, for a quick look
    .venv/bin/python bench/run.py ledger     # only the modules named (ledger_bench, ...)
    .venv/bin/python bench/run.py ledger scan_to_line --units 10000000   # sizes by hand

A size option (``--units N``, ``--rows N``, ``--lines N``, ``--scans N``, ``--runs N``: any
``--name N``) is passed to each case whose ``run`` has a parameter of that name (``--rows``
also to a ``lines`` or ``serials`` parameter), and wins over ``--quick``.

Each case is a module ``bench/<name>_bench.py`` with ``run(...) -> list[tuple[str, str]]`` of
(metric, value) rows (a third item, when given, is the target and a fourth the verdict). A
module may say its targets in ``TARGETS: dict[metric, target]``, its smaller sizes in
``QUICK_KWARGS`` and, when its ``run`` has parameters without defaults (its command line
supplies them), their values in ``RUN_KWARGS``. A ``run`` that prints its figures and
returns None has each printed line of figures shown as a row (see :func:`printed_rows`);
what it prints also goes to stderr as it runs. The issue's
targets for the known cases are also kept here. A target reads
``< 0.3 ms``, ``< 10 s``, ``< 3x``; a value is judged against it when both are numbers in
comparable units. Nothing asserts a time: a missed target is reported, never hidden.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import os
import platform
import re
import shutil
import sqlite3
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
CASES = (
    "ledger_bench",
    "counter_sale_bench",
    "import_bench",
    "decode_bench",
    "pty_bench",
    "startup_bench",
)

#: The issue's targets for metrics of cases that do not say them themselves.
KNOWN_TARGETS: dict[str, str] = {
    "import (all new) s (cpu s)": "< 10 s",
    "decode: p99 ms/scan": "< 1 ms",
}
#: Smaller sizes for ``--quick``, passed only to a ``run`` that takes the parameter (a
#: module's own ``QUICK_KWARGS`` comes first).
KNOWN_QUICK: dict[str, dict[str, object]] = {
    "ledger_bench": {"quick": True},
    "import_bench": {"rows": 10_000},
    "pty_bench": {"scans": 50},
    "startup_bench": {"runs": 5},
}
#: Where a ``--rows N`` given to run.py goes when a case's ``run`` has no ``rows``.
ROWS_ALIASES = ("lines", "serials")
#: Other names a size given to run.py goes to (``--stores N`` to a ``run(stores_n, ...)``).
SIZE_ALIASES = {"stores": "stores_n"}

_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0}
_NUMBER = re.compile(r"^\s*([<>]=?)?\s*([-+]?[0-9][0-9,]*(?:\.[0-9]+)?)\s*([a-zµ/]+)?", re.I)

Row = tuple[str, str, str, str]


def _parse(text: str) -> tuple[str | None, float, str] | None:
    """(comparison, number, unit) from ``< 0.3 ms``, ``0.12 ms``, ``2.1x``, ``8.2 (3.1)``."""
    match = _NUMBER.match(text)
    if match is None:
        return None
    op, number, unit = match.groups()
    return op, float(number.replace(",", "")), (unit or "").lower()


def _scaled(number: float, unit: str) -> tuple[float, str]:
    if unit in _SECONDS:
        return number * _SECONDS[unit], "s"
    return number, unit


def judge(value: str, target: str) -> str:
    """ "yes" or "NO" when the value can be compared with the target, "" otherwise."""
    want, got = _parse(target), _parse(value)
    if want is None or got is None:
        return ""
    op, limit, unit = want
    if op is None:
        return ""
    number, got_unit = got[1], got[2] or unit  # a bare number is in the target's unit
    limit_s, unit_s = _scaled(limit, unit)
    number_s, got_s = _scaled(number, got_unit)
    if unit_s != got_s:
        return ""
    ok = {
        "<": number_s < limit_s,
        "<=": number_s <= limit_s,
        ">": number_s > limit_s,
        ">=": number_s >= limit_s,
    }[op]
    return "yes" if ok else "NO"


class _Tee(io.StringIO):
    """What a case prints: kept (to become rows) and passed on to stderr as it comes."""

    def write(self, text: str) -> int:
        sys.stderr.write(text)
        return super().write(text)


def printed_rows(text: str) -> list[tuple[str, ...]]:
    """Rows from what a case printed: each line that begins with a lower-case letter or a
    digit (the cases' figures: ``verdicts: ...``, ``50 pulls of ...: 1.29 ms wall``), split at
    its first ``: `` into metric and value (a line without one is the metric alone). Other
    lines (a query plan's nodes and keys, an indented listing, a ``-- `` heading) are
    diagnostics: shown on stderr as the case runs, not rows of the table."""
    rows: list[tuple[str, ...]] = []
    for line in text.splitlines():
        if line[:1].islower() or line[:1].isdigit():
            metric, sep, value = line.rstrip().partition(": ")
            rows.append((metric, value) if sep else (metric, ""))
    return rows


def kwargs_for(
    name: str, module: ModuleType, quick: bool, sizes: dict[str, int] | None = None
) -> dict[str, object]:
    """The arguments run.py gives the case's ``run``: its ``RUN_KWARGS``, then (``--quick``)
    its smaller sizes, then the sizes given on the command line. A parameter without a
    default left unset is refused by name (not a TypeError from deep inside the case)."""
    params = inspect.signature(module.run).parameters
    kwargs = {k: v for k, v in getattr(module, "RUN_KWARGS", {}).items() if k in params}
    wanted = getattr(module, "QUICK_KWARGS", None) or KNOWN_QUICK.get(name, {})
    if quick:
        kwargs.update({k: v for k, v in wanted.items() if k in params})
    for key, value in (sizes or {}).items():
        if key in params:
            kwargs[key] = value
        elif key == "rows":
            kwargs.update({alias: value for alias in ROWS_ALIASES if alias in params})
        elif SIZE_ALIASES.get(key) in params:
            kwargs[SIZE_ALIASES[key]] = value
    missing = [
        p.name
        for p in params.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and p.name not in kwargs
    ]
    if missing:
        raise TypeError(f"{name}.run needs {', '.join(missing)}: give them in its RUN_KWARGS")
    return kwargs


def _call(
    name: str, module: ModuleType, quick: bool, sizes: dict[str, int] | None = None
) -> list[tuple[str, ...]]:
    kwargs = kwargs_for(name, module, quick, sizes)
    out = _Tee()
    with contextlib.redirect_stdout(out):
        result = module.run(**kwargs)
    if result is None:  # a case that prints its figures
        return printed_rows(out.getvalue())
    return list(result)


def run_case(name: str, quick: bool, sizes: dict[str, int] | None = None) -> list[Row]:
    label = name.removesuffix("_bench")
    try:
        module = importlib.import_module(name)
        started = time.perf_counter()
        results = _call(name, module, quick, sizes)
        took = time.perf_counter() - started
    except Exception as exc:  # one broken case must not hide the others
        traceback.print_exc(file=sys.stderr)
        return [(f"{label}: did not run", f"{type(exc).__name__}: {exc}"[:80], "", "NO")]
    targets = {**KNOWN_TARGETS, **getattr(module, "TARGETS", {})}
    rows: list[Row] = []
    for result in results:
        metric, value = str(result[0]), str(result[1])
        target = str(result[2]) if len(result) > 2 else targets.get(metric, "")
        verdict = str(result[3]) if len(result) > 3 else judge(value, target)
        rows.append((metric, value, target, verdict))
    rows.append((f"({label}: whole case took)", f"{took:.1f} s", "", ""))
    return rows


def machine() -> list[str]:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"sqlite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, {platform.machine()}, "
        f"{platform.system()} {platform.release()}",
        f"load average at start: {load}",
    ]


def print_table(rows: list[Row], title: str) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # plain text when Rich is not there
        width = max(len(r[0]) for r in rows)
        print(title)
        print(f"{'metric':{width}}  {'value':>16}  {'target':18}  ok?")
        for metric, value, target, ok in rows:
            print(f"{metric:{width}}  {value:>16}  {target:18}  {ok}")
        return
    table = Table(title=title, title_justify="left")
    table.add_column("metric", no_wrap=True)
    table.add_column("value", justify="right", max_width=30)
    table.add_column("target")
    table.add_column("ok?")
    for metric, value, target, ok in rows:
        style = "bold red" if ok == "NO" else ""
        table.add_row(metric, value, target, ok, style=style)
    # As wide as the rows need (a long metric name is never wrapped): at the terminal's
    # width alone the value and target columns were squeezed to nothing when piped.
    heads = ("metric", "value", "target", "ok?")
    needed = sum(max(len(h), *(len(str(r[i])) for r in rows)) for i, h in enumerate(heads)) + 13
    terminal = shutil.get_terminal_size((120, 24)).columns
    Console(width=max(110, terminal, needed)).print(table)


def parse(argv: list[str]) -> tuple[bool, list[str], dict[str, int]]:
    """(--quick, the cases named, the sizes given as ``--name N`` or ``--name=N``)."""
    quick = False
    named: list[str] = []
    sizes: dict[str, int] = {}
    args = iter(argv)
    for arg in args:
        if arg == "--quick":
            quick = True
        elif arg.startswith("--"):
            key, _, value = arg[2:].partition("=")
            if not value:
                value = next(args, "")
            if not value.replace("_", "").isdigit():
                raise SystemExit(f"{arg} needs a whole number, like --units 1000000")
            sizes[key.replace("-", "_")] = int(value)
        else:
            named.append(arg)
    return quick, named, sizes


def main(argv: list[str]) -> int:
    quick, named, sizes = parse(argv)
    sys.path.insert(0, str(HERE))
    present = [c for c in CASES if (HERE / f"{c}.py").exists()]
    present += sorted(p.stem for p in HERE.glob("*_bench.py") if p.stem not in CASES)
    if named:
        present = [c for c in present if c in named or c.removesuffix("_bench") in named]
    header = machine()
    for line in header:
        print(line)
    rows: list[Row] = []
    for name in present:
        print(f"running {name}{' (quick)' if quick else ''} ...", file=sys.stderr, flush=True)
        rows += run_case(name, quick, sizes)
    if hasattr(os, "getloadavg"):
        print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    title = "serialpos benchmarks" + (
        " (--quick: smaller sizes than the targets are for)" if quick else ""
    )
    if sizes:
        title += " (sizes: " + ", ".join(f"--{k} {v:,}" for k, v in sizes.items()) + ")"
    print_table(rows or [("no benchmark found", "", "", "")], title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
