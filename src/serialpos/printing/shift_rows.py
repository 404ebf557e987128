"""The lines of a till shift's X or Z report, in print order: what the PDF, the receipt
printer, the console and ``serialpos shift x`` all show. Kept apart from the layouts so that
showing a report on the screen loads neither ReportLab nor python-escpos (about 150 ms of a
``shift x`` command's start)."""

from __future__ import annotations

from decimal import Decimal

from serialpos.domain.shifts import ShiftReport
from serialpos.domain.text import visible


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,.2f}"


def title(report: ShiftReport) -> str:
    return f"{report.kind} report, shift {report.number}"


def report_rows(report: ShiftReport) -> list[tuple[str, str]]:
    """(label, value) rows, in print order: the shift, the takings per method, the sales
    central did not take (counted in the takings, listed apart), the cash."""
    rows: list[tuple[str, str]] = [
        ("Store", f"{report.store_code} {report.store_name}"),
        ("Terminal", report.terminal),
        ("Opened", f"{report.opened_at:%Y-%m-%d %H:%M} by {report.opened_by}"),
    ]
    if report.closed_at is not None:
        rows.append(("Closed", f"{report.closed_at:%Y-%m-%d %H:%M} by {report.closed_by}"))
    rows.append(("Opening float", _money(report.opening_float)))
    for t in report.takings:
        rows.append((f"{t.method.capitalize()} taken ({t.count})", _money(t.payments)))
        if t.change:
            rows.append((f"{t.method.capitalize()} change given", _money(-t.change)))
        if t.refunds:
            rows.append((f"{t.method.capitalize()} refunded", _money(-t.refunds)))
        rows.append((f"{t.method.capitalize()} net", _money(t.net)))
    if not report.takings:
        rows.append(("Takings", "none yet"))
    rows.append(("Total taken", _money(report.total_taken)))
    if report.not_taken:
        # In the takings (the drawer holds the money), apart here: central has no such sales.
        rows.append(
            (f"Not taken by central ({len(report.not_taken)})", _money(report.not_taken_total))
        )
        rows += [(f"  {n.document}", _money(n.amount)) for n in report.not_taken]
        rows.append(
            ("Total of sales central took", _money(report.total_taken - report.not_taken_total))
        )
    rows.append(("Expected cash in drawer", _money(report.expected_cash)))
    if report.counted_cash is not None:
        rows.append(("Counted cash", _money(report.counted_cash)))
        rows.append(("Difference", report.difference_words))
    return [(visible(a), visible(b)) for a, b in rows]
