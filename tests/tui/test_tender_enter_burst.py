"""Two Enters in one burst on the tender (a bouncing key, a scanner's CR LF, a terminal that
sends both in one read) take the payment once and leave the cashier on the sale.

Both Enters reached the tender before it was gone: each submitted, each dismissed it. The
second dismiss ran the sale's callback again and popped the screen on top, the sale itself:
the console fell back to Home with the sale paid, its answer (the invoice, the change to
give) never shown, and the receipt's printing failed in the job ("no active app")."""

from __future__ import annotations

import pytest
from test_sale import enter, message, open_sale
from textual import events
from tui_helpers import SIZES, MakeApp, async_test, settle

from serialpos.db.engine import Database
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.sale_dialogs.tender import Tender


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_two_enters_at_once_on_the_tender_pay_once_and_stay_on_the_sale(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "AC-USBC1")
        order = sale.order_no
        assert order is not None and sale.view is not None
        total = sale.view.totals.total
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, Tender)
        app.screen.query_one("#tender-amount").focus()
        # Both keys queued before either is handled, as a terminal delivers "\r\r".
        app.post_message(events.Key("enter", "\r"))
        app.post_message(events.Key("enter", "\r"))
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        assert app.screen is sale, type(app.screen).__name__
        [invoice] = get_order(demo_db, order).invoices
        assert message(app).startswith(f"✓ invoice {invoice}"), message(app)
    view = get_order(demo_db, order)
    assert [p.amount for p in view.payments] == [total]
