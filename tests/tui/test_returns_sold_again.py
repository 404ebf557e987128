"""Returns at 80x24 and 40x16: a unit returned from a sale and sold again since, scanned on
the old sale, is followed to the sale it is on now (named, its line chosen). The console said
"line 1 … is returned: nothing to return" and never where the unit was."""

from __future__ import annotations

import pytest
from test_returns_screen import find, open_returns
from tui_helpers import SIZES, MakeApp, async_test

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.context import Actor
from serialpos.tui.widgets.message_line import MessageLine

UNIT = "356938030000021"  # a PH-AUR15 in stock at S01
OTHER = "356938030000013"  # another, sold with it the first time
CASHIER = Actor("cashier", Role.CASHIER, "T1")


def _sell(db: Database, *serials: str) -> tuple[str, str]:
    """A fulfilled sale of these PH-AUR15 units: (order, invoice)."""
    from serialpos.services.orders.checkout import fulfil
    from serialpos.services.orders.header import open_order
    from serialpos.services.orders.lines import add_item

    order = open_order(db, CASHIER, "S01").order
    for serial in serials:
        add_item(db, CASHIER, order, sku="PH-AUR15", serial=serial)
    return order, fulfil(db, CASHIER, order, settle_in="cash").invoice


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_unit_sold_again_is_found_on_its_sale_now(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    from serialpos.services.returns import find_sale, return_units

    first, invoice = _sell(demo_db, UNIT, OTHER)
    line = find_sale(demo_db, first).lines[0]
    assert line.serial == UNIT
    return_units(demo_db, CASHIER, first, lines=[line.line])
    now, _ = _sell(demo_db, UNIT)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, invoice)
        assert screen.view is not None and screen.view.order == first
        await find(pilot, screen, UNIT)  # scanned on the old sale
        said = screen.query_one(MessageLine).text
        assert screen.view.order == now, said
        assert screen.lines.marked == {screen.view.lines[0].line}
        assert f"is on sale {now} now" in said, said
        assert f"line 1 (PH-AUR15 {UNIT}) is returned on {first}" in said, said


@async_test
async def test_a_returned_unit_not_sold_again_says_where_it_is(
    make_app: MakeApp, demo_db: Database
) -> None:
    from serialpos.services.returns import find_sale, return_units

    first, invoice = _sell(demo_db, UNIT, OTHER)
    return_units(demo_db, CASHIER, first, lines=[find_sale(demo_db, first).lines[0].line])
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, invoice)
        await find(pilot, screen, UNIT)
        message = screen.query_one(MessageLine)
        assert screen.view is not None and screen.view.order == first
        assert message.kind == "error" and not screen.lines.marked
        assert message.text.startswith(
            f"✗ line 1 (PH-AUR15 {UNIT}) is returned on {first}: nothing to return; "
        ), message.text
        assert "in stock" in message.text, message.text
