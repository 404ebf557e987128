"""Which unknown digits offer quick create at the counter (domain/counter_search.py)."""

from __future__ import annotations

from serialpos.domain.counter_search import not_a_barcode, nothing_matches


def test_only_a_real_barcode_offers_quick_create() -> None:
    assert not_a_barcode("4006381333931") is None  # EAN-13, right check digit
    assert not_a_barcode("96385074") is None  # EAN-8
    assert not_a_barcode("SN-1") is None  # not a barcode's shape: searched as before
    assert not_a_barcode("1234567") is None  # too short to be one: searched as before
    cut = not_a_barcode("38040000045")  # 11 digits: a scan cut short
    assert cut is not None and "is not a GTIN/EAN/UPC" in cut and "scan it again" in cut
    wrong = not_a_barcode("4006381333932")
    assert wrong is not None and "wrong check digit" in wrong


def test_fifteen_digits_failing_the_imei_check_are_said_mistyped() -> None:
    """The walk's IMEI with a wrong last digit: "nothing matches" alone sent the cashier
    looking for a unit on the shelf."""
    assert nothing_matches("356938050000076") == (
        "nothing matches '356938050000076': as an IMEI its check digit is wrong "
        "(mistyped? scan it again)"
    )
    assert nothing_matches(" 356938050000075 ") == "nothing matches '356938050000075'"  # valid
    assert nothing_matches("35693805000007") == "nothing matches '35693805000007'"
    assert nothing_matches("ZB2410000X") == "nothing matches 'ZB2410000X'"
