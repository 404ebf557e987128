"""The attack suite: every test in this folder carries the ``chaos`` marker, so CI can run it
as one job (``-m chaos``) and a quick local run can leave it out (``-m "not chaos"``)."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.chaos)
