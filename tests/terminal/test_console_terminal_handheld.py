"""A store terminal's console at 40x16 (issue 16's till on a handheld), by Pilot against a real
``serialpos serve``: its numbers are longer than the demo store's (``INV-S1-<till>-000001``),
so the Returns head after a refund ran out of rows and cut the refund note's number, and
the serial card's sale line went under the scroll. Both are read whole on the screen."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from terminal_chain import Chain
from test_console_terminal import _console, _sell
from textual.widgets import Input

sys.path.insert(0, str(Path(__file__).parents[1] / "tui"))

from test_handheld_cuts import shows_whole
from tui_helpers import HANDHELD, async_test, log_in, screen_text, settle

from serialpos.terminal import online
from serialpos.tui.screens.returns import ReturnsScreen
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.message_line import MessageLine


@async_test
async def test_a_handheld_till_reads_its_refund_note_and_card_whole(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = "HH-REFUND-356938030000096"
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    till = chain.terminal("hh-till")
    monkeypatch.setattr(online, "ONLINE_TIMEOUT", 15.0)  # a loaded machine's push
    app = _console(till, monkeypatch, server=chain.server.base)
    async with app.run_test(size=HANDHELD) as pilot:
        await log_in(pilot, "mia", "1234")
        said = await _sell(pilot, serial)
        assert "central accepted" in said, said
        invoice = said.split("invoice ", 1)[1].split(";", 1)[0]
        order = invoice.removeprefix("INV-")
        await pilot.press("escape", "ctrl+l", *serial, "enter")
        await settle(pilot)
        await settle(pilot)
        assert shows_whole(app, "no warranty period set for this product"), screen_text(app)
        assert shows_whole(app, f"sold order {order} line 1, invoice {invoice}"), screen_text(app)
        await pilot.press("escape", "4")
        await settle(pilot)
        assert isinstance(app.screen, ReturnsScreen)
        field = app.screen.query_one("#find", Input)
        field.value = serial
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        said = app.screen.query_one(MessageLine).text
        note = said.split("refund ", 1)[1].split(":", 1)[0]
        assert note.startswith("RF-S1-"), said
        head = f"refund cash · {order} · invoices {invoice}, {note}"
        assert shows_whole(app, head), screen_text(app)
        assert shows_whole(app, said), screen_text(app)
