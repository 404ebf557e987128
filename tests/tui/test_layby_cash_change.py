"""Cash over what a lay-by still owes, tendered at the counter, is paid back as change.

The tender dialog shows "Change due" as soon as the amount typed passes the due, for a sale
and a lay-by alike; but a lay-by's payment recorded the whole amount handed over (a 100.00
note on 15.59 owed: paid 100.00, the order 84.41 over its total, no change said). The cashier
then either gave the change the dialog showed (the drawer 84.41 short against the X report)
or kept it (the customer short-changed). Now the order records what it owed, and the line
says the change to give."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_sale import enter, message, open_sale
from tui_helpers import SIZES, MakeApp, async_test, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.sale_dialogs.tender import Tender


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_cash_over_a_laybys_due_is_given_back_as_change(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("3", "enter")  # lay-by
        await settle(pilot)
        await enter(pilot, "AC-USBC1")
        assert sale.view is not None and str(sale.view.type) == "layby"
        total = sale.view.totals.total
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, Tender)
        await enter(pilot, "100", "#tender-amount")  # a 100.00 note on a small lay-by
        change = Decimal("100.00") - total
        said = message(app)
        assert said.startswith(f"✓ cash 100.00 given: {total:,.2f} taken, change {change:,.2f}")
        view = get_order(demo_db, sale.view.order)
        assert str(view.status) == "open"
        assert view.totals.paid == total, view.totals
        assert [(p.kind, p.method, p.amount) for p in view.payments] == [("payment", "cash", total)]
        assert [f for f in check_ledger(demo_db) if f.violation] == []


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_laybys_change_stays_in_the_totals_when_enter_is_pressed_again(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """The change was said only on the message line: Enter again (a hurried second press on
    the tender) said "scan or type a barcode..." with the bell over it, and nothing on the
    screen told the cashier the 84.41 to give back. It stays in the totals, as a sale's does."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("3", "enter")  # lay-by
        await settle(pilot)
        await enter(pilot, "AC-USBC1")
        assert sale.view is not None
        change = Decimal("100.00") - sale.view.totals.total
        await pilot.press("ctrl+y")
        await settle(pilot)
        await enter(pilot, "100", "#tender-amount")
        assert app.screen is sale
        await enter(pilot, "")  # Enter again: the message line says what Enter wants now
        assert "change" not in message(app), message(app)
        assert f"CHANGE DUE {change:,.2f}" in screen_text(app), screen_text(app)
