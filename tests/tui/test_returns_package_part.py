"""Returns at 80x24 and 40x16: a part line of a drill kit chosen alone is refused before the
refund is asked ("Refund 0.00 cash…?" was asked, and refused only after Yes)."""

from __future__ import annotations

import pytest
from test_returns_screen import find, open_returns
from tui_helpers import SIZES, MakeApp, async_test, settle

from serialpos.db.engine import Database
from serialpos.services.context import Actor
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.message_line import MessageLine


def sell_drill_kit(db: Database) -> tuple[str, str]:
    """One fulfilled sale of the demo's drill kit (exploded: the kit line and its two parts);
    returns its order and invoice numbers."""
    from serialpos.domain.users import Role
    from serialpos.services.orders.checkout import fulfil
    from serialpos.services.orders.header import open_order
    from serialpos.services.orders.lines import add_item

    actor = Actor("cashier", Role.CASHIER, "T1")
    order = open_order(db, actor, "S01").order
    add_item(db, actor, order, sku="BN-DRILLKIT")
    done = fulfil(db, actor, order, settle_in="cash")
    return order, done.invoice


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_kit_part_alone_is_refused_before_the_refund_is_asked(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    order, invoice = sell_drill_kit(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, invoice)
        assert screen.view is not None and len(screen.view.lines) == 3
        part = screen.view.lines[2]
        assert part.package_line == screen.view.lines[0].line
        await pilot.press("down", "down", "space")  # line 3: a part of the kit
        await settle(pilot)
        assert screen.lines.marked == {part.line}
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert not isinstance(app.screen, Confirm)  # nothing asked
        message = screen.query_one(MessageLine)
        assert message.kind == "error"
        assert message.text.endswith(
            f"line 3 ({part.sku}) of order {order} is part of package line 1 "
            "(BN-DRILLKIT): return the package line, and its parts come back with it"
        ), message.text
