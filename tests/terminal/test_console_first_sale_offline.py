"""The first sale at the console after the link drops (issue 16), by Pilot at 80x24 and 40x16
against a real ``serialpos serve`` behind a loopback gate. The till's last round found central
up; the gate then refuses connections as a stopped server does, and no round has run since.
The store's offline rules followed the link as last found, so the sale was kept "offline"
with no manager's PIN and above the price limit. Now a sale a rule would refuse offline asks
central first: the manager-PIN dialog opens, nothing of the sale is kept, and after the PIN
the price limit still refuses a 900.00 TV."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from link_gate import Gate
from terminal_chain import Chain
from test_console_offline_rules import _give_pin, _pay, _scan_and_pay
from test_console_terminal import _console, _link_line
from test_first_sale_offline import rules

sys.path.insert(0, str(Path(__file__).parents[1] / "tui"))

from tui_helpers import SIZES, async_test, log_in, settle

from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.offline_pin import OfflinePinDialog
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.status_line import StatusLine

__all__ = ["rules"]  # the module fixture, shared with the apply test


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_console_asks_for_the_pin_at_the_first_sale_after_the_link_drops(
    rules: Chain, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    serial = f"TV-{1 if size[0] == 80 else 2}"  # the TV9s of the rules fixture
    till = rules.terminal(f"first{size[0]}")
    gate = Gate(int(rules.server.base.rsplit(":", 1)[1]))
    app = _console(till, monkeypatch, server=gate.url)
    try:
        async with app.run_test(size=size) as pilot:
            await log_in(pilot, "carl", "1234")
            await settle(pilot)
            assert "ONLINE" in _link_line(app)  # the round at login found central
            gate.down()  # the server stops; no round runs before the sale
            await pilot.press("3")
            await settle(pilot)
            await _scan_and_pay(pilot, serial)
            assert isinstance(pilot.app.screen, OfflinePinDialog), type(pilot.app.screen)
            # The status line under the dialog says what central's silence recorded, now,
            # not at the next round (it said ONLINE beside the refusal).
            await settle(pilot)
            [sale] = [s for s in app.screen_stack if isinstance(s, SaleScreen)]
            link = sale.query_one(StatusLine).plain.splitlines()[-1]
            assert "OFFLINE" in link, link
            assert till.query("SELECT count(*) FROM journal_entry") == [(0,)]
            # The sale stays open on the screen (its unit held for it): nothing sold or paid.
            assert till.unit_state(serial) == "reserved"
            assert till.query("SELECT status FROM sale_order") == [("open",)]
            said = await _give_pin(pilot, "mia", "1234")
            assert "mia allowed selling offline" in said, said
            await _pay(pilot)
            said = pilot.app.screen.query_one(MessageLine).text
            assert "TV9 costs 900" in said and "offline limit of 500" in said, said
            assert isinstance(pilot.app.screen, SaleScreen)
    finally:
        gate.down()
    assert till.query("SELECT count(*) FROM journal_entry") == [(0,)]
    assert till.unit_state(serial) == "reserved"
    assert till.query("SELECT status FROM sale_order") == [("open",)]
    assert till.query("SELECT count(*) FROM order_payment") == [(0,)]
    assert till.query(
        "SELECT action FROM user_audit WHERE action IN ('went_offline', "
        "'offline_allowed') ORDER BY id"
    ) == [("went_offline",), ("offline_allowed",)]
