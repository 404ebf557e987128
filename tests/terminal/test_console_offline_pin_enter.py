"""An Enter pressed again just after the offline manager-PIN dialog closed is not taken by the
sale beneath (tui/enter_after_close.py): it rang "scan or type a barcode…" with the bell while
the PIN was checked (the answer, "mia allowed selling offline…", came after), at 80x24 and
40x16."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from api_serving import free_port
from terminal_chain import Chain
from test_console_offline_rules import _scan_and_pay, rules  # noqa: F401 (a fixture)
from test_console_terminal import _console
from textual import events
from textual.widgets import Input

sys.path.insert(0, str(Path(__file__).parents[1] / "tui"))

from tui_helpers import SIZES, async_test, bells, log_in, settle

from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.offline_pin import OfflinePinDialog
from serialpos.tui.widgets.message_line import MessageLine


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_second_enter_after_the_offline_pin_rings_nothing(
    rules: Chain,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
) -> None:
    till = rules.terminal(f"pe{size[0]}")
    app = _console(till, monkeypatch, server=f"http://127.0.0.1:{free_port()}")
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "carl", "1234")
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await _scan_and_pay(pilot, "CAB")
        dialog = app.screen
        assert isinstance(dialog, OfflinePinDialog), type(dialog)
        dialog.query_one("#offline-manager", Input).value = "mia"
        dialog.query_one("#offline-pin", Input).value = "1234"
        dialog.query_one("#offline-pin", Input).focus()
        rung = bells(app, monkeypatch)
        app.post_message(events.Key("enter", "\r"))  # the PIN given...
        deadline = time.monotonic() + 5
        while app.screen is dialog and time.monotonic() < deadline:
            await pilot.pause(0.01)
        assert isinstance(app.screen, SaleScreen)
        app.post_message(events.Key("enter", "\r"))  # ...and Enter again, at once
        await settle(pilot)
        await settle(pilot)
        said = app.screen.query_one(MessageLine).text
        assert "mia allowed selling offline" in said, said
        assert rung == [], said  # "scan or type a barcode…" rang, then the answer came
