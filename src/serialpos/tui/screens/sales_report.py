"""The sales report: invoiced lines (refunds negative) by date range, store, SKU and serial,
with a serial column and the totals of the whole filter; exported as the sales detail (one
row per line: Serial Number beside Sale Type and Delivery Mode).

It opens on today's sales (UTC dates, as the services count them) at this terminal's store;
the filter dialog (F3) changes the dates, store, SKU and serial. The table shows at most
:data:`SHOWN` lines (the totals still count every line of the filter), so a month of a busy
chain does not hold the screen; the export writes them all, streamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from serialpos.domain.text import visible
from serialpos.tui.screens.report_screen import ReportScreen, Row, day
from serialpos.tui.screens.sale_dialogs.money import money
from serialpos.tui.widgets.report_dialogs import Filters

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from serialpos.db.engine import Database
    from serialpos.services.report_filter import ReportFilter
    from serialpos.services.reports import SalesRow

#: Lines shown at most; the totals and the export cover the whole filter.
SHOWN = 2_000


@dataclass(frozen=True)
class Sales:
    """What a load found: the rows shown and the totals of every row in the filter."""

    rows: list[SalesRow]
    quantity: int
    total: Decimal
    truncated: bool
    #: On a store terminal: the filter's sales central did not take, left out.
    not_taken: tuple[str, ...] = ()


def totals_text(sales: Sales) -> str:
    """``3 lines · qty 3 · total 4,497.00``; ``first 2,000 shown`` when capped; on a store
    terminal, how many sales central did not take are left out (services/not_taken.py)."""
    gone = len(sales.not_taken)
    left_out = f" · {gone} not taken by central, not counted" if gone else ""
    if not sales.rows:
        return f"no sales in this filter · total 0.00{left_out}"
    shown = (
        f"first {len(sales.rows):,} lines shown"
        if sales.truncated
        else f"{len(sales.rows):,} line{'s' * (len(sales.rows) != 1)}"
    )
    return f"{shown} · qty {sales.quantity:,} · total {money(sales.total)}{left_out}"


def discount_words(row: SalesRow) -> str:
    """A line's discount reason and, past the store's limit, who approved it ("" if none)."""
    approval = f"(approved by {row.discount_approved_by})" if row.discount_approved_by else ""
    return " ".join(w for w in (row.discount_reason or "", approval) if w)


class SalesReportScreen(ReportScreen):
    """Sales with their serials, and the totals."""

    TITLE = "Sales report"
    EXPORT_NAME = "sales-detail"
    FILTER_FIELDS = ("store", "date_from", "date_to", "sku", "serial")

    def __init__(self) -> None:
        today = datetime.now(UTC).date()
        super().__init__(Filters(date_from=today, date_to=today))
        self.sales: Sales | None = None

    def on_mount(self) -> None:
        from dataclasses import replace

        self.filters = replace(self.filters, store=self.session.store)
        super().on_mount()

    def set_columns(self) -> None:
        # Invoice and serial first: what is read on a 40-column handheld without scrolling.
        self.grid.add_columns(
            "Invoice",
            "Serial",
            "SKU",
            "Qty",
            "Total",
            "Date",
            "Product",
            "Price",
            "Discount",
            "Reason",
            "Type",
            "Delivery",
            "Store",
            "Order",
            "Kind",
        )

    def fetch(self, db: Database, report_filter: ReportFilter) -> Sales:
        from serialpos.services.reports import sales_report

        report = sales_report(db, report_filter, limit=SHOWN)
        return Sales(report.rows, report.quantity, report.total, report.truncated, report.not_taken)

    def cells(self, result: object) -> list[Row]:
        assert isinstance(result, Sales)
        return [
            (
                (
                    Text(visible(row.invoice)),
                    Text(visible(row.serial) if row.serial else "—"),
                    Text(visible(row.sku)),
                    Text(str(row.quantity), justify="right"),
                    Text(money(row.total), justify="right"),
                    Text(day(row.date)),
                    Text(visible(row.product)),
                    Text(money(row.unit_price), justify="right"),
                    Text(money(row.discount), justify="right"),
                    Text(visible(discount_words(row))),
                    Text(row.sale_type),
                    Text(row.delivery),
                    Text(visible(row.store)),
                    Text(visible(row.order)),
                    Text(row.kind),
                ),
                None,
            )
            for row in result.rows
        ]

    def show_result(self, result: object, rows: list[Row]) -> None:
        assert isinstance(result, Sales)
        self.sales = result
        self.fill(rows)
        self.query_one("#report-foot", Static).update(Text(totals_text(result)))

    def export_source(
        self, db: Database, report_filter: ReportFilter
    ) -> tuple[Sequence[str], Iterable[Sequence[object]], int]:
        from serialpos.services.reports import (
            SALES_DETAIL_COLUMNS,
            count_sales_detail,
            sales_detail_rows,
        )

        total = count_sales_detail(db, report_filter)
        return SALES_DETAIL_COLUMNS, sales_detail_rows(db, report_filter), total
