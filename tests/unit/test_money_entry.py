"""Money typed into a tender or a float against a scanner's digits: the amounts asked about
before they are recorded, and the ones taken as they are."""

from __future__ import annotations

from decimal import Decimal

from serialpos.domain.money_entry import float_doubt, reads_as_barcode, tender_doubt

D = Decimal


def test_a_scanned_ean8_as_cash_is_asked_about_and_named_a_barcode() -> None:
    doubt = tender_doubt("12345670", D("12345670"), D("1094.39"))
    assert doubt is not None
    assert "12,344,575.61 change" in doubt and "'12345670' reads like a barcode" in doubt


def test_a_large_note_for_a_small_sale_is_taken() -> None:
    assert tender_doubt("100", D("100"), D("4.50")) is None
    assert tender_doubt("500", D("500"), D("15.59")) is None  # change 484.41: within allowance
    assert tender_doubt("2000", D("2000"), D("1094.39")) is None  # under 10x


def test_ten_times_the_due_with_a_large_change_is_asked() -> None:
    assert tender_doubt("1000", D("1000"), D("30")) is not None
    assert tender_doubt("300", D("300"), D("30")) is None  # 10x but only 270 change


def test_a_float_above_the_ceiling_is_asked_about() -> None:
    assert float_doubt("200", D("200")) is None
    assert float_doubt("5000", D("5000")) is None
    doubt = float_doubt("12345670", D("12345670"))
    assert doubt is not None and "12,345,670.00" in doubt and "barcode" in doubt


def test_barcodes_are_told_by_their_check_digit() -> None:
    assert reads_as_barcode("12345670")  # EAN-8
    assert reads_as_barcode("05012345000077")  # GTIN-14
    assert not reads_as_barcode("12345671")  # wrong check digit
    assert not reads_as_barcode("1234567.0")
    assert not reads_as_barcode("100")


def test_digits_that_read_as_a_barcode_are_asked_about_whatever_the_amount() -> None:
    """A GTIN-8 with leading zeros is a small amount: the ratio alone let it through."""
    doubt = tender_doubt("00012348", D("12348"), D("5000"))
    assert doubt is not None and "reads like a barcode" in doubt
    assert "times the amount due" not in doubt
    assert tender_doubt("00012347", D("12347"), D("5000")) is None  # no barcode: 2.5x
    assert float_doubt("00000505", D("505")) is not None
