"""Test files are imported by their base name (the test directories are no packages): two
files of one name in different directories make collection fail with "import file mismatch",
and the whole run with it. Caught here by name, before a full run finds it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def test_no_two_test_files_share_a_name() -> None:
    names = Counter(path.name for path in Path(__file__).parent.rglob("test_*.py"))
    shared = sorted(name for name, n in names.items() if n > 1)
    assert not shared, f"test files sharing a name (rename one): {shared}"
