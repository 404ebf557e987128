"""The counter sale at 80x24 and 40x16 (issue 10, cases 6 and 7): a scan that matches nothing
on an empty sale opens no order, and voiding a paid order says what it refunds, then refunds it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_helpers import SIZES, MakeApp, async_test, log_in, sale_with_line, settle

from serialpos.db.engine import Database
from serialpos.services.orders.reading import get_order, list_orders
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.tender import Tender
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.message_line import MessageLine


async def _sale(pilot: Pilot[object]) -> SaleScreen:
    await log_in(pilot, "cashier")
    await pilot.press("3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SaleScreen)
    return screen


async def _enter(pilot: Pilot[object], text: str, field: str = "#scan") -> None:
    widget = pilot.app.screen.query_one(field, Input)
    widget.focus()
    widget.value = text
    await pilot.press("enter")
    await settle(pilot)


def _message(pilot: Pilot[object]) -> str:
    return pilot.app.screen.query_one(MessageLine).text


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_unmatched_scans_on_an_empty_sale_open_no_order(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    rung: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rung.append(1))
    async with app.run_test(size=size) as pilot:
        sale = await _sale(pilot)
        for text in ("NOTAPRODUCT1", "NOTAPRODUCT2", "NOTAPRODUCT3"):
            await _enter(pilot, text)
            assert f"nothing matches '{text}'" in _message(pilot)
        assert sale.view is None and len(rung) == 3
        assert list_orders(demo_db, "S01") == []
        await _enter(pilot, "AC-USBC1")
        assert sale.view is not None and sale.view.order == "S01-000001"
        assert [o.order for o in list_orders(demo_db, "S01")] == ["S01-000001"]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_voiding_a_paid_order_says_and_records_the_refund(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await sale_with_line(pilot)
        await pilot.press("ctrl+y")  # F9: pay
        await settle(pilot)
        assert isinstance(app.screen, Tender)
        await _enter(pilot, "5", "#tender-amount")  # less than due: the order stays open
        assert sale.view is not None and sale.view.totals.paid == Decimal("5.00")
        order = sale.view.order
        await pilot.press("f7")  # F7: void
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        question = str(app.screen.query_one("#question", Static).render())
        assert "Refund cash 5.00 to the customer." in question
        await pilot.press("y")
        await settle(pilot)
        assert sale.view is None
        assert _message(pilot).endswith(f"{order} voided; refunded cash 5.00")
        voided = get_order(demo_db, order)
        assert voided.status.value == "voided" and voided.totals.paid == Decimal("0.00")
        assert [(p.kind, p.method, p.amount) for p in voided.payments] == [
            ("payment", "cash", Decimal("5.00")),
            ("refund", "cash", Decimal("-5.00")),
        ]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_void_and_discount_of_a_fulfilled_sale_say_it_is_fulfilled(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """The walk: F6 v (and F6 g) on the sale just fulfilled said "no order yet: scan an item
    first"; the screen says what ``apply`` answers with ``order_closed``."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await sale_with_line(pilot)
        assert sale.view is not None
        order = sale.view.order
        await pilot.press("ctrl+y")  # F9: pay
        await settle(pilot)
        assert isinstance(app.screen, Tender)
        await _enter(pilot, str(sale.view.totals.due), "#tender-amount")
        assert get_order(demo_db, order).status.value == "fulfilled"
        for key in ("v", "g"):
            await pilot.press("f6")
            await settle(pilot)
            await pilot.press(key)
            await settle(pilot)
            assert _message(pilot).startswith(f"✗ order {order} is fulfilled"), _message(pilot)
        assert get_order(demo_db, order).status.value == "fulfilled"
