"""The receipt's ESC/POS bytes, decoded back: text lines, serial lines as the invoice setting
says, the Code 128 invoice number, the drawer kick only when asked, control characters printed
literally, a refund note's negative amounts; and the X/Z report on the receipt printer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from escpos_standin import decode
from serialpos.domain.shifts import MethodTakings, ShiftReport
from serialpos.printing.invoice import InvoiceDocument, InvoiceLine, InvoicePayment
from serialpos.printing.receipt import receipt_bytes
from serialpos.printing.shift_report import shift_report_bytes

D = Decimal


def _doc(**changes: object) -> InvoiceDocument:
    base: dict[str, object] = dict(
        number="INV-S1-000017",
        issued_at=datetime(2026, 12, 2, 10, 30),
        store_code="S1",
        store_name="Main Street",
        lines=(
            InvoiceLine(
                "PH1",
                "Phone Aurora 15",
                1,
                D("799.00"),
                D("20"),
                D("958.80"),
                ("SN-001",),
                warranty_until=date(2028, 12, 2),
            ),
            InvoiceLine("CASE", "Case", 2, D("10.00"), D("20"), D("24.00")),
        ),
        subtotal=D("819.00"),
        tax=D("163.80"),
        total=D("982.80"),
        payments=(InvoicePayment("cash", D("1000.00")),),
        change_due=D("17.20"),
        store_address="1 High Street, Leeds",
        store_tax_number="GB 123 4567 89",
        cashier="sam",
        order="SO-S1-000009",
    )
    base.update(changes)
    return InvoiceDocument(**base)  # type: ignore[arg-type]


def test_receipt_prints_lines_serials_totals_and_the_invoice_barcode() -> None:
    got = decode(receipt_bytes(_doc()))
    text = got.text
    for expected in (
        "Main Street",
        "1 High Street, Leeds",
        "Tax no. GB 123 4567 89",
        "Invoice INV-S1-000017",
        "Order: SO-S1-000009",
        "Cashier: sam",
        "Phone Aurora 15",
        "  S/N SN-001",
        "  Warranty until 2028-12-02",
    ):
        assert expected in got.lines, (expected, got.lines)
    assert any(line.startswith("  1 x 799.00") and line.endswith("958.80") for line in got.lines)
    assert any(line.startswith("TOTAL") and line.endswith("982.80") for line in got.lines)
    assert any(line.startswith("Change") and line.endswith("17.20") for line in got.lines)
    assert all(len(line) <= 42 for line in got.lines), text
    assert got.barcodes == [(73, b"{BINV-S1-000017")]  # GS k 73: Code 128, code set B
    assert got.drawer_kicks == [] and got.cuts == 1
    assert "REPRINT" not in text


def test_serial_lines_follow_the_invoice_setting() -> None:
    hidden = decode(receipt_bytes(_doc(show_serials=False)))
    assert "Phone Aurora 15" in hidden.lines
    assert not any("SN-001" in line for line in hidden.lines)


def test_the_drawer_kick_is_sent_only_when_asked_and_first() -> None:
    data = receipt_bytes(_doc(), open_drawer=True, drawer_pin=5)
    got = decode(data)
    assert got.drawer_kicks == [(1, 50, 50)]  # ESC p 1: connector pin 5
    assert data.index(b"\x1bp") < data.index(b"Invoice")
    assert decode(receipt_bytes(_doc(), open_drawer=True)).drawer_kicks == [(0, 50, 50)]


def test_a_reprint_says_so_and_control_characters_print_literally() -> None:
    doc = _doc(customer_name="Eve\x1b@\x1dV\x00", customer_phone="555")
    data = receipt_bytes(doc, reprint=True)
    got = decode(data)  # an unknown command in the text would make decode fail
    assert "** REPRINT **" in got.lines
    assert "Customer: Eve\\x1b@\\x1dV\\x00, 555" in got.lines
    assert got.cuts == 1


def test_a_refund_note_prints_negative_amounts() -> None:
    doc = _doc(
        number="RF-S1-000003",
        kind="Refund",
        payments=(InvoicePayment("refund, cash", D("958.80")),),
        change_due=D("0"),
        refers_to="INV-S1-000017",
    )
    got = decode(receipt_bytes(doc))
    assert "Refund note RF-S1-000003" in got.lines
    assert any(ln.startswith("REFUND TOTAL") and ln.endswith("-982.80") for ln in got.lines)
    assert any(ln.startswith("Refunded (cash)") and ln.endswith("-958.80") for ln in got.lines)
    assert not any("Warranty" in line for line in got.lines)
    assert got.barcodes == [(73, b"{BRF-S1-000003")]


def test_columns_follow_the_profile_or_the_setting() -> None:
    wide = decode(receipt_bytes(_doc(), columns=48))
    assert "-" * 48 in wide.lines
    tm = decode(receipt_bytes(_doc(), profile="TM-T20II"), profile="TM-T20II")
    assert "-" * 48 in tm.lines  # the TM-T20II prints 48 characters in font A


def test_shift_report_on_the_receipt_printer() -> None:
    report = ShiftReport(
        kind="Z",
        store_code="S1",
        store_name="Main Street",
        terminal="till-1",
        number=4,
        opened_at=datetime(2026, 12, 2, 8, 0),
        opened_by="sam",
        opening_float=D("100.00"),
        takings=(
            MethodTakings("cash", D("1000.00"), D("17.20"), D("50.00"), 2),
            MethodTakings("card", D("300.00"), D("0"), D("0"), 1),
        ),
        expected_cash=D("1032.80"),
        made_at=datetime(2026, 12, 2, 18, 0),
        made_by="sam",
        closed_at=datetime(2026, 12, 2, 18, 0),
        closed_by="sam",
        counted_cash=D("1030.00"),
    )
    got = decode(shift_report_bytes(report))
    assert got.lines[0] == "Z REPORT, SHIFT 4"
    assert any(ln.startswith("Cash taken (2)") and ln.endswith("1,000.00") for ln in got.lines)
    assert any(ln.startswith("Cash refunded") and ln.endswith("-50.00") for ln in got.lines)
    assert any(ln.startswith("Expected cash") and ln.endswith("1,032.80") for ln in got.lines)
    assert any(ln.startswith("Difference") and ln.endswith("2.80 short") for ln in got.lines)
    assert got.drawer_kicks == [] and got.cuts == 1


def test_a_discounted_line_says_its_discount_under_it() -> None:
    """The receipt printed ``1 x 12.99 ... 14.03`` with no word of the 10% off (12.99 with
    tax is 15.59): the line's discount or price override is printed under it, on the unit
    price's basis (before tax, as ``1 x 12.99``), as the PDF invoice prints it."""
    lines = (
        InvoiceLine(
            "AC-USBC1",
            "USB-C cable 1 m",
            1,
            D("12.99"),
            D("20"),
            D("14.03"),
            note="Discount -10% = -1.30: loyal",
        ),
        InvoiceLine(
            "AC-CHG65",
            "65 W charger",
            1,
            D("30.00"),
            D("20"),
            D("36.00"),
            note="Price 30.00 (shelf 39.99): price match (approved by manager)",
        ),
    )
    got = decode(receipt_bytes(_doc(lines=lines))).lines
    at = got.index("USB-C cable 1 m")
    assert got[at + 2] == "  Discount -10% = -1.30: loyal", got
    at = got.index("65 W charger")
    assert got[at + 2 : at + 4] == [
        "  Price 30.00 (shelf 39.99): price match",
        "  (approved by manager)",
    ], got
