"""Two units on one sale are told apart by their serials: a sale line shows the whole serial
(a 15-digit IMEI, a 20-character maker's serial) at the counter's 80x24, the product name
giving way, and on a 40x16 handheld the serial comes first, right after the line number."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import Input
from tui_helpers import SIZES, MakeApp, async_test, log_in, settle

from serialpos.db.engine import Database
from serialpos.domain.events import DocumentRef
from serialpos.domain.orders import LineStatus, SerialMode, serial_indicator
from serialpos.domain.states import Action
from serialpos.services import ledger, users
from serialpos.services.demo import _imei
from serialpos.services.orders.views import OrderLineView
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry
from serialpos.tui.widgets.sale_lines import SaleLines, indicator_words, line_text

LONG_SERIAL = "FRW3C-2026-00000042X"  # 20 characters
IMEIS = (_imei(1), _imei(2))  # two Aurora X15 in stock at S01: the same product twice


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_whole_serial_is_on_the_line_and_first_on_a_handheld(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    assert len(LONG_SERIAL) == 20
    stockroom = users.actor_for(demo_db, "stockroom", "demo")
    ledger.move(
        demo_db,
        stockroom,
        Action.RECEIVE,
        store="S01",
        sku="AP-FRG300",
        serials=[LONG_SERIAL],
        document=DocumentRef("receipt", "T-LONG"),
    )
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("3")
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen)
        for sku, serial in (
            ("PH-AUR15", IMEIS[0]),
            ("PH-AUR15", IMEIS[1]),
            ("AP-FRG300", LONG_SERIAL),
        ):
            field = sale.query_one("#scan", Input)
            field.focus()
            await pilot.press(*sku, "enter")
            await settle(pilot)
            assert isinstance(app.screen, SerialEntry)
            await pilot.press(*serial, "enter")
            await settle(pilot)
            assert app.screen is sale, serial
        assert sale.view is not None
        assert [line.serial for line in sale.view.lines] == [*IMEIS, LONG_SERIAL]

        lines = sale.query_one(SaleLines)
        rows = lines.visible_text().splitlines()
        assert len(rows) == 3
        width = lines.size.width
        assert all(len(row) <= width for row in rows)
        for number, (row, serial) in enumerate(
            zip(rows, [*IMEIS, LONG_SERIAL], strict=True), start=1
        ):
            if size[0] >= 60:  # the counter: the serial whole at the end, with its words
                assert row.rstrip().endswith(f"✓ S/N {serial}"), row
                assert row.startswith(
                    f"  {number} PH-AUR15" if number < 3 else f"  {number} AP-FRG300"
                ), row
            else:  # the handheld: the serial first, whole, then what is left of the product
                assert row.startswith(f"  {number} ✓ {serial} "), row


def a_line(
    number: int,
    serial: str | None,
    name: str = "Aurora X15 smartphone 128GB with a long marketing name",
) -> OrderLineView:
    return OrderLineView(
        line=number,
        number=number,
        sku="PH-AUR15",
        name=name,
        quantity=1,
        unit_price=Decimal("899.00"),
        tax_rate=Decimal("0.20"),
        net=Decimal("899.00"),
        tax=Decimal("179.80"),
        total=Decimal("1078.80"),
        serial_mode=SerialMode.REQUIRED,
        serial=serial,
        indicator=serial_indicator(SerialMode.REQUIRED, serial),
        status=LineStatus.OPEN,
    )


@pytest.mark.parametrize("width", [78, 60, 59, 38, 30])
@pytest.mark.parametrize("serial", [IMEIS[0], LONG_SERIAL, "SN-" + "7" * 30])
def test_a_row_never_cuts_the_serial_and_fits_the_width(width: int, serial: str) -> None:
    row = line_text(a_line(1, serial), width)
    assert serial in row.indicator  # drawn in the serial state's colour, whole
    if width >= 60:
        assert row.indicator == f"✓ S/N {serial}"
        if len(serial) <= 20:  # the SKU stays readable; the name gave way
            assert row.head.startswith("  1 PH-AUR15")
    else:
        assert row.head == "  1 " and row.indicator == f"✓ {serial}"  # the serial first
    if len(serial) <= 20 and width >= 38:  # a handheld's row holds a 20-character serial
        assert len(row.plain) <= width


def test_rows_shown_together_line_up_on_the_widest_serial() -> None:
    short, long = a_line(1, "SN1"), a_line(2, LONG_SERIAL)
    column = max(len(indicator_words(line)) for line in (short, long))
    rows = [line_text(line, 78, indicator_width=column) for line in (short, long)]
    assert len(rows[0].head) == len(rows[1].head)  # the indicators start in one column
    missing = line_text(a_line(3, None), 78, indicator_width=column)
    assert missing.indicator == "✗ S/N needed" and len(missing.head) == len(rows[0].head)
