"""Base screens declare their hooks abstract: a flow that forgets one cannot be opened at all,
rather than failing when the hook is first needed in front of a user."""

from __future__ import annotations

import pytest

from serialpos.tui.screens.checked_scan_out import CheckedScanOutScreen
from serialpos.tui.screens.report_screen import ReportScreen
from serialpos.tui.screens.scan_out import ScanOutScreen


@pytest.mark.parametrize(
    ("base", "hooks"),
    [
        (ReportScreen, {"set_columns", "fetch", "cells", "show_result", "export_source"}),
        (ScanOutScreen, {"store_units", "finish_job"}),
        (CheckedScanOutScreen, {"check", "finish_job"}),
    ],
)
def test_a_screen_missing_a_hook_cannot_be_made(base: type, hooks: set[str]) -> None:
    assert set(base.__abstractmethods__) == hooks
    incomplete = type("Incomplete", (base,), {})
    with pytest.raises(TypeError, match="abstract"):
        incomplete()
