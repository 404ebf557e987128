"""The console takes what a fulfilled order owes (issue 16): the balance a till's void
left once ``refund`` booked its refund at central. Such an order was listed nowhere at the
counter and F9 (pay) was off on any fulfilled order; now the open orders list it while it
owes (saying how much), F9 takes what is owed without fulfilling again, and the order is
then paid in full with ``db check`` clean."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from textual.pilot import Pilot
from textual.widgets import Input, OptionList
from tui_helpers import MakeApp, async_test, sale_with_line, settle

from serialpos.db import closed_money_sql
from serialpos.db.engine import Database
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.sale_dialogs.open_orders import OrdersDialog
from serialpos.tui.screens.sale_dialogs.tender import Tender
from serialpos.tui.widgets.message_line import MessageLine


async def _tender(pilot: Pilot[object], amount: Decimal) -> None:
    await pilot.press("ctrl+y")  # F9: pay
    await settle(pilot)
    assert isinstance(pilot.app.screen, Tender), pilot.app.screen
    field = pilot.app.screen.query_one("#tender-amount", Input)
    field.focus()
    field.value = str(amount)
    await pilot.press("enter")
    await settle(pilot)


@async_test
async def test_f9_takes_what_a_fulfilled_order_owes(make_app: MakeApp, demo_db: Database) -> None:
    before = check_ledger(demo_db)  # the demo's own notes (no violation)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sale = await sale_with_line(pilot)
        assert sale.view is not None
        order, total = sale.view.order, sale.view.totals.total
        await _tender(pilot, sale.view.totals.due)
        assert get_order(demo_db, order).status.value == "fulfilled"
        # What refund books for a till's void of it (conflict_closed_money.settle): 5.00
        # paid back to a customer who kept the goods.
        with demo_db.engine.begin() as conn:
            found = sa.text("SELECT id FROM sale_order WHERE number = :n")
            [(order_id,)] = conn.execute(found, {"n": order}).all()
            at = datetime.now(UTC)
            closed_money_sql.book(
                conn, order_id, "refund", "cash", Decimal("-5.00"), at=at, user="cashier"
            )
        # Listed with the open orders while it owes (F6/^T, o), and opened from there.
        await pilot.press("ctrl+t", "o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, OrdersDialog), dialog
        options = dialog.query_one(OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        [mine] = [i for i, line in enumerate(shown) if order in line]
        assert f"{order} fulfilled" in shown[mine] and "owes 5.00" in shown[mine], shown
        await pilot.press(*["down"] * mine, "enter")
        await settle(pilot)
        assert app.screen is sale and sale.view is not None and sale.view.order == order
        await _tender(pilot, Decimal("5.00"))
        text = sale.query_one(MessageLine).text
        assert "cash 5.00 taken" in text, text
        view = get_order(demo_db, order)
        assert (view.status.value, view.totals.paid) == ("fulfilled", total)
        assert check_ledger(demo_db) == before
