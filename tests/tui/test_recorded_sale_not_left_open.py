"""A till's sale central recorded with a line left open and paid is no sale left open
mid-sale (the verify walk): Home said "sale … left open here by … F9 Pay or F7 Void ends it"
of it at the console that recorded it (as the till does once it takes central's rows), and
a void would refund a customer who took the rest home. The rule is services/owed_lines.py."""

from __future__ import annotations

import pytest
from test_conflict_refund_key import _one_line_conflict
from test_sale import NOVA_SERIAL, enter, open_sale
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services import conflicts, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.orders import get_order
from serialpos.services.orders.left_open import left_open
from serialpos.services.owed_lines import left_open_here, owed
from serialpos.tui.screens.conflicts import ConflictsScreen
from serialpos.tui.screens.home import HomeScreen
from serialpos.tui.screens.serial_mode import Confirm


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_home_says_nothing_of_a_recorded_sales_open_paid_line(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    conflict_id, _lost, order = _one_line_conflict(demo_db, extra=1, paid="1005.12")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        terminal = app.session.terminal  # type: ignore[union-attr]
        await pilot.press("a", "c")  # Admin, Conflicts
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        await pilot.press("f8")  # record the rest of the sale, its line left open and paid
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("enter")
        await settle(pilot)
        said = app.screen.message_line.text  # type: ignore[attr-defined]
        assert said.startswith(f"✓ conflict {conflict_id}: the rest of the sale recorded"), said
        [recorded] = left_open(demo_db, "S01", terminal)  # open, paid, at this terminal
        assert recorded.order == order and recorded.paid > 0
        await pilot.press("escape", "escape")  # Admin, then Home
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "left open" not in app.screen.message_line.text
        assert "left open" not in screen_text(app)
    view = get_order(demo_db, order)  # the till's sale as central recorded it
    assert str(view.status) == "open" and owed(view)


@async_test
async def test_a_sale_left_open_mid_sale_is_still_said(
    make_app: MakeApp, demo_db: Database
) -> None:
    """The rule without a screen: a recorded sale's open paid line is owed; a sale a session
    left with a unit reserved is not, and is still found."""
    conflict_id, _lost, _order = _one_line_conflict(demo_db, extra=1, paid="1005.12")
    manager = users.actor_for(demo_db, "manager", "back-office")
    conflicts.resolve(demo_db, manager, conflict_id, "record_sale", apply_object=apply_object)
    [recorded] = left_open(demo_db, "S01", "back-office")
    assert owed(get_order(demo_db, recorded.order))
    assert left_open_here(demo_db, "S01", "back-office") == []
    first = make_app()
    async with first.run_test(size=(80, 24)) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, NOVA_SERIAL)  # a unit reserved, then the session ends mid-sale
        assert sale.view is not None
        mid_sale = sale.view.order
        terminal = first.session.terminal  # type: ignore[union-attr]
    assert not owed(get_order(demo_db, mid_sale))
    assert [o.order for o in left_open_here(demo_db, "S01", terminal)] == [mid_sale]
