"""The suite's file order (tests/conftest.py) reaches xdist: a name in ``LONGEST_FIRST`` that
no longer exists would silently stop going first, and without ``--no-loadscope-reorder``
xdist queues the files by their number of tests instead (the wheel's one test last)."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

HERE = Path(__file__).parent


def _longest_first() -> tuple[str, ...]:
    """tests/conftest.py's list, read by path: the name ``conftest`` may be another folder's."""
    spec = importlib.util.spec_from_file_location("suite_conftest", HERE / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.LONGEST_FIRST)


def test_every_longest_file_exists() -> None:
    longest = _longest_first()
    assert [name for name in longest if not (HERE / name).is_file()] == []
    assert len(set(longest)) == len(longest)


def test_xdist_keeps_the_order_conftest_gives() -> None:
    config = tomllib.loads((HERE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    addopts = config["tool"]["pytest"]["ini_options"]["addopts"].split()
    assert "--dist" in addopts and addopts[addopts.index("--dist") + 1] == "loadfile"
    assert "--no-loadscope-reorder" in addopts
