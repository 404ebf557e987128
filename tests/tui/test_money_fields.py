"""Money fields against a scanner (80x24 and 40x16): a scan made while the tender or the
shift's float is asked for is refused and named, never taken as an amount; an amount too
unlikely to be meant (an EAN-8 typed slowly) is asked about, and No takes nothing; a refusal
quotes the amount as typed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from scan_bursts import scanner_types
from textual.widgets import Input
from tui_helpers import (
    PERSON,
    SIZES,
    KeyClock,
    MakeApp,
    async_test,
    log_in,
    said,
    sale_with_line,
    settle,
)

from serialpos.db.engine import Database
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.sale_dialogs.tender import Tender
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.screens.shift import ShiftScreen
from serialpos.tui.widgets.message_line import MessageLine


def tender_said(tender: Tender) -> str:
    return tender.query_one("#tender-message", MessageLine).text


async def typed(pilot: object, field: Input, text: str) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    field.focus()
    field.value = text
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_in_the_tender_is_no_cash(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale = await sale_with_line(pilot)
        assert sale.view is not None
        order = sale.view.order
        await pilot.press("ctrl+y")  # F9: pay
        await settle(pilot)
        tender = app.screen
        assert isinstance(tender, Tender)
        field = tender.query_one("#tender-amount", Input)
        await scanner_types(pilot, clock, "12345670\r", "burst")
        assert app.screen is tender, "the scan was taken as the amount"
        assert "scan '12345670' is not an amount" in tender_said(tender)
        # Typed slowly (a slow link): the amount is asked about; No takes nothing.
        await typed(pilot, field, "12345670")
        question = app.screen
        assert isinstance(question, Confirm)
        assert "12,345,670.00" in question.question and "reads like a barcode" in question.question
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is tender
        assert "not taken" in tender_said(tender)
        # Past the limit: the refusal quotes the amount as typed, its leading 0 kept.
        await typed(pilot, field, "05012345000077")
        assert app.screen is tender
        assert "'05012345000077'" in tender_said(tender)
        assert get_order(demo_db, order).totals.paid == Decimal("0.00")
        # A person's amount is taken as before.
        await typed(pilot, field, "20")
        assert app.screen is sale
        assert get_order(demo_db, order).totals.paid > 0


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_at_the_shift_is_no_float(make_app: MakeApp, size: tuple[int, int]) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ShiftScreen)
        await scanner_types(pilot, clock, "12345670\r", "burst")
        assert "scan '12345670' is not an amount" in said(pilot)
        assert screen.report is None  # no shift opened
        await typed(pilot, screen.field, "12345670")
        question = app.screen
        assert isinstance(question, Confirm)
        assert "float of 12,345,670.00" in question.question
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.report is None
        assert "not opened" in said(pilot)
        await typed(pilot, screen.field, "150")
        assert screen.report is not None
        assert "float of 150.00" in said(pilot)
