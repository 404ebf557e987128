"""A sale left open by a console session that ended mid-sale (killed, crashed): its unit
stays reserved, and nothing said an order was open. Home now says so on sign-in at that
terminal, with how to resume or cancel it; the Sale screen picks it up as it opens; voided
there, the unit is free and Home no longer says it (new-user walk, round two)."""

from __future__ import annotations

import pytest
from test_sale import NOVA_SERIAL, enter, message, open_sale, rows
from tui_helpers import SIZES, MakeApp, async_test, log_in, sale_with_line, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services.lookup import lookup_serial
from serialpos.services.orders import get_order
from serialpos.services.orders.left_open import left_open
from serialpos.tui.screens.home import HomeScreen
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.serial_mode import Confirm


def _state(db: Database, serial: str) -> str:
    (card,) = lookup_serial(db, serial)
    return card.state


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_sale_left_open_is_said_on_home_resumed_and_voided(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    first = make_app()
    async with first.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, NOVA_SERIAL)  # a phone by its serial: the unit reserved
        assert sale.view is not None
        order = sale.view.order
        terminal = first.session.terminal  # type: ignore[union-attr]
    # The session ended there, mid-sale: no park, no void.
    assert _state(demo_db, NOVA_SERIAL) == "reserved"
    assert [o.order for o in left_open(demo_db, "S01", terminal)] == [order]
    assert left_open(demo_db, "S01", "another-till") == []  # this terminal's only

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")  # whoever stands at the till is told
        assert isinstance(app.screen, HomeScreen)
        said = message(app)
        assert said.startswith(f"⚠ sale {order} left open here by cashier at "), said
        assert said.endswith(
            "(1 line, 1 unit reserved): 3 Sale, then F6/^T o resumes it; F9 Pay or F7 Void ends it"
        ), said
        assert said.removeprefix("⚠ ") in _flat(screen_text(app))  # read whole on screen
        await pilot.press("3")
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen)
        assert sale.view is None  # a new customer's sale is not taken over by itself
        await pilot.press("ctrl+t", "o")  # as the notice says: the order menu, open orders
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert sale.view is not None and sale.view.order == order
        assert NOVA_SERIAL in rows(sale)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert _state(demo_db, NOVA_SERIAL) == "in_stock"
        assert str(get_order(demo_db, order).status) == "voided"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "left open" not in message(app)


@async_test
async def test_a_parked_sale_or_a_layby_is_not_left_open(
    make_app: MakeApp, demo_db: Database
) -> None:
    """Parking is on purpose (the order menu lists parked orders), and a lay-by stays open by
    design: neither is a sale left behind, and a new Sale starts empty."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sale = await sale_with_line(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert sale.view is None and "parked" in message(app)
        terminal = app.session.terminal  # type: ignore[union-attr]
        assert left_open(demo_db, "S01", terminal) == []
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen) and "left open" not in message(app)


def test_the_rule_counts_open_sales_of_this_terminal_only(demo_db: Database) -> None:
    """services/orders/left_open.py: an open sale made at this terminal counts, oldest first;
    a parked one, a lay-by (open by design) and another terminal's do not."""
    from serialpos.domain.users import Role
    from serialpos.services.context import Actor
    from serialpos.services.orders import add_item, open_order, park, set_sale_type

    here, there = Actor("cashier", Role.CASHIER, "T9"), Actor("cashier", Role.CASHIER, "T8")
    made = []
    for actor in (here, here, here, here, there):
        order = open_order(demo_db, actor, "S01").order
        add_item(demo_db, actor, order, sku="AC-USBC1")
        made.append(order)
    left, parked, layby, also_left, elsewhere = made
    park(demo_db, here, parked)
    set_sale_type(demo_db, here, layby, "layby", "cash_and_carry")
    found = left_open(demo_db, "S01", "T9")
    assert [f.order for f in found] == [left, also_left]
    assert (found[0].lines, found[0].reserved, found[0].created_by) == (1, 0, "cashier")
    assert [f.order for f in left_open(demo_db, "S01", "T8")] == [elsewhere]
