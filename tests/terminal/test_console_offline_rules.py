"""The store's offline rules in a store terminal's console (issue 16), by Pilot at 80x24 and
40x16 against a real ``serialpos serve`` that the till cannot reach: a sale while the link is
down and the store asks for a manager's PIN opens the manager-PIN dialog; a cashier's PIN or
a wrong one is refused and nothing is kept; the manager's PIN is audited as
``terminal allow-offline`` does, and the sale is then kept (journaled, sent later). A product
above the chain's offline price limit is refused clearly, nothing kept."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest
from api_serving import free_port
from terminal_chain import Chain
from test_console_terminal import _console, _link_line
from textual.pilot import Pilot
from textual.widgets import Input

sys.path.insert(0, str(Path(__file__).parents[1] / "tui"))

from tui_helpers import SIZES, async_test, log_in, settle

from serialpos.services import products, users
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.offline_pin import OfflinePinDialog
from serialpos.tui.screens.sale_dialogs.tender import Tender
from serialpos.tui.widgets.message_line import MessageLine


@pytest.fixture(scope="module")
def rules(chain: Chain) -> Chain:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="DEAR", name="Dear phone", price=Decimal("900.00")
    )
    chain.central(
        "settings", "set", "offline_requires_manager_pin", "yes", "--store", "S1", user="ada"
    )
    chain.central("settings", "set", "offline_price_limit", "500", user="ada")
    return chain


async def _scan_and_pay(pilot: Pilot[object], code: str) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, SaleScreen)
    field = screen.query_one("#scan", Input)
    field.focus()
    field.value = code
    await pilot.press("enter")
    await settle(pilot)
    await _pay(pilot)


async def _pay(pilot: Pilot[object]) -> None:
    await pilot.press("f9")
    await settle(pilot)
    assert isinstance(pilot.app.screen, Tender)
    await pilot.press("enter")
    await settle(pilot)


async def _give_pin(pilot: Pilot[object], manager: str, pin: str) -> str:
    dialog = pilot.app.screen
    assert isinstance(dialog, OfflinePinDialog), type(dialog)
    dialog.query_one("#offline-manager", Input).value = manager
    dialog.query_one("#offline-pin", Input).value = pin
    dialog.query_one("#offline-pin", Input).focus()
    await pilot.press("enter")
    await settle(pilot)
    await settle(pilot)
    return pilot.app.screen.query_one(MessageLine).text


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_console_asks_a_managers_pin_offline(
    rules: Chain, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    till = rules.terminal(f"off{size[0]}")
    # Central cannot be reached: the till's first round finds the link down.
    app = _console(till, monkeypatch, server=f"http://127.0.0.1:{free_port()}")
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "carl", "1234")
        await settle(pilot)
        assert "OFFLINE" in _link_line(app)
        await pilot.press("3")
        await settle(pilot)
        await _scan_and_pay(pilot, "CAB")
        # Refused: the dialog asks; a cashier's PIN does not do, nothing is kept.
        said = await _give_pin(pilot, "carl", "1234")
        assert "not a manager" in said, said
        assert till.query("SELECT count(*) FROM journal_entry") == [(0,)]
        await _pay(pilot)
        said = await _give_pin(pilot, "mia", "1234")
        assert "mia allowed selling offline" in said, said
        await _pay(pilot)
        said = pilot.app.screen.query_one(MessageLine).text
        assert "invoice INV-S1-OFF" in said and "offline: kept, sent when central" in said, said
        assert "1 waiting" in _link_line(app)
        # Above the chain's offline price limit: refused, named, no dialog.
        await _scan_and_pay(pilot, "DEAR")
        said = pilot.app.screen.query_one(MessageLine).text
        assert "DEAR costs 900" in said and "offline limit of 500" in said, said
        assert isinstance(pilot.app.screen, SaleScreen)
    assert till.query("SELECT count(*) FROM journal_entry") == [(1,)]
    assert till.query("SELECT actor FROM user_audit WHERE action = 'offline_allowed'") == [("mia",)]
