"""The X and Z reports' rows of sales central did not take (issue 16): their money stays in
the takings and the expected cash; they are listed apart, on screen, the PDF and the slip."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

from escpos_standin import decode
from serialpos.domain.shifts import MethodTakings, NotTakenSale, ShiftReport
from serialpos.printing.shift_report import report_rows, shift_report_bytes


def _report(*not_taken: NotTakenSale) -> ShiftReport:
    return ShiftReport(
        kind="X",
        store_code="S1",
        store_name="Main Street",
        terminal="till-2",
        number=7,
        opened_at=datetime(2026, 12, 5, 8, 0),
        opened_by="mia",
        opening_float=D("100.00"),
        takings=(MethodTakings("cash", D("500.00"), D("0"), D("0"), 2),),
        expected_cash=D("600.00"),
        made_at=datetime(2026, 12, 5, 23, 55),
        made_by="mia",
        not_taken=not_taken,
    )


def test_a_sale_not_taken_is_listed_apart_and_stays_in_the_drawer() -> None:
    report = _report(NotTakenSale("INV-S1-T2-000004", D("250.00")))
    rows = dict(report_rows(report))
    assert rows["Total taken"] == "500.00" and rows["Expected cash in drawer"] == "600.00"
    assert rows["Not taken by central (1)"] == "250.00"
    assert rows["  INV-S1-T2-000004"] == "250.00"
    assert rows["Total of sales central took"] == "250.00"
    labels = [a for a, _ in report_rows(report)]
    assert labels.index("Not taken by central (1)") == labels.index("Total taken") + 1
    slip = decode(shift_report_bytes(report, columns=42)).lines
    assert any(ln.startswith("  INV-S1-T2-000004") and ln.endswith("250.00") for ln in slip)


def test_no_sale_not_taken_no_rows() -> None:
    assert not any("central" in a for a, _ in report_rows(_report()))
