"""An exchange at a store terminal's console (issue 16), by Pilot at 80x24 and 40x16 against
a real ``serialpos serve``: Returns takes the unit back for exchange (one journal entry), the
sale it opens sells the replacement and is pushed at once; central accepts both and holds
the exchange as its own: the old unit in stock, the new one sold, the credit carried."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from terminal_chain import Chain
from test_console_terminal import _console, _link_line, _sell
from textual.widgets import Input

sys.path.insert(0, str(Path(__file__).parents[1] / "tui"))

from tui_helpers import SIZES, async_test, log_in, settle

from serialpos.services import products, users
from serialpos.terminal import online
from serialpos.tui.screens.returns import REFUND_CHOICES, ReturnsScreen
from serialpos.tui.screens.sale import SaleScreen


@pytest.fixture(scope="module")
def priced(chain: Chain) -> str:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db,
        ada,
        sku="PXC",
        name="Phone X",
        serial_mode="required",
        price=Decimal("250.00"),
    )
    return "PXC"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_exchange_at_the_console_reaches_central(
    chain: Chain, priced: str, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    old, new = f"CEX-OLD-{size[0]}", f"CEX-NEW-{size[0]}"
    for serial in (old, new):
        assert chain.post({"op": "receive", "store": "S1", "sku": priced, "serial": serial})[0][
            "ok"
        ]
    till = chain.terminal(f"cex{size[0]}")
    # What is tested is the order of things (central's answer, then the receipt), not the
    # 2 s wait: on a loaded test machine the push may take longer (load 17 once).
    monkeypatch.setattr(online, "ONLINE_TIMEOUT", 15.0)
    app = _console(till, monkeypatch, server=chain.server.base)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "mia", "1234")
        said = await _sell(pilot, old)
        assert "central accepted" in said, said
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("4")  # Returns
        await settle(pilot)
        returns = app.screen
        assert isinstance(returns, ReturnsScreen)
        field = returns.query_one("#find", Input)
        field.focus()
        field.value = old
        await pilot.press("enter")
        await settle(pilot)
        while REFUND_CHOICES[returns.method] != "exchange":
            await pilot.press("f4")
        await pilot.press("ctrl+y")
        await settle(pilot)
        await pilot.press("y")  # the exchange's confirmation
        await settle(pilot)
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen), type(sale)
        said = await _sell(pilot, new)
        assert "central accepted" in said, said
        assert "0 waiting" in _link_line(app)

    lines = [json.loads(r[0]) for r in till.query("SELECT line FROM journal_entry ORDER BY seq")]
    assert [x["op"] for x in lines] == ["order_create", "order_return", "order_create"]
    assert lines[1]["exchange"] is True
    note = lines[1]["numbers"]["refund"]
    assert lines[2]["exchange_of"] == note and lines[2]["payments"] == []  # even exchange
    states = till.query("SELECT state FROM journal_entry ORDER BY seq")
    assert [s[0] for s in states] == ["accepted", "accepted", "accepted"]
    exchange_sale = lines[2]["numbers"]["order"]
    assert chain.scalar(
        "SELECT exchange_of FROM sale_order WHERE number = :n", n=exchange_sale
    ) == (note)
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=old) == "in_stock"
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=new) == "sold"
    till.check_clean()
