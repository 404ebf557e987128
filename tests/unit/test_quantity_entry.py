"""The rule for a "how many?" prompt, without a screen: a scan is never a quantity, a typed
quantity that is unlikely is asked about, a number past one entry is refused truthfully."""

from __future__ import annotations

import pytest

from serialpos.domain.errors import BadRequest
from serialpos.domain.quantity_entry import (
    QUANTITY_CEILING,
    UnlikelyQuantity,
    is_number,
    is_quantity,
    judge_typed,
    past_the_most,
    quantity_doubt,
    scan_not_a_quantity,
)


def test_a_likely_quantity_is_taken_unasked() -> None:
    assert quantity_doubt("5", 5, "CABLE") is None
    assert quantity_doubt("-2", -2, "CABLE") is None
    assert quantity_doubt(str(QUANTITY_CEILING), QUANTITY_CEILING, "CABLE") is None
    assert quantity_doubt("40", 40, "CABLE", expected=5) is None
    assert judge_typed(" 12 ", "CABLE", None, sure=False) == 12


def test_an_unlikely_quantity_is_asked_about() -> None:
    asked = quantity_doubt("400123", 400_123, "AC-USBC1", expected=5)
    assert asked is not None
    assert asked.startswith("Count 400,123 AC-USBC1?")
    assert "More than 999 in one entry." in asked
    assert "More than 10 times the 5 expected." in asked
    assert quantity_doubt("51", 51, "CABLE", expected=5) == (
        "Count 51 CABLE? More than 10 times the 5 expected."
    )
    assert (
        quantity_doubt("-1000", -1000, "CABLE")
        == "Take back 1,000 CABLE? More than 999 in one entry."
    )
    with pytest.raises(UnlikelyQuantity) as raised:
        judge_typed("1000", "CABLE", None, sure=False)
    assert raised.value.text == "1000" and "1,000" in raised.value.question
    assert judge_typed("1000", "CABLE", None, sure=True) == 1000


def test_digits_that_read_as_a_barcode_are_asked_about_whatever_the_size() -> None:
    # An EAN-8 with leading zeros is a small number; it still reads as a barcode.
    asked = quantity_doubt("00012348", 12348, "CABLE")
    assert asked is not None and "'00012348' reads like a barcode." in asked


def test_what_a_prompt_takes_as_a_number() -> None:
    assert is_quantity("999999") and is_quantity("+5") and is_quantity("-2")
    assert not is_quantity("1000000") and not is_quantity("5a") and not is_quantity("")
    assert is_number("356938030000013") and not is_number("35693803000001X")


def test_the_refusals_say_what_happened() -> None:
    said = scan_not_a_quantity("400123", "AC-USBC1")
    assert said == (
        "scan '400123' is not a quantity: nothing counted. "
        "Type how many AC-USBC1, or scan a product"
    )
    # A 15-digit scan is a scan: never "type it in parts".
    scanned = past_the_most("356938030000013", "AC-USBC1", scanned=True)
    assert scanned.startswith("scan '356938030000013' is not a quantity")
    assert "parts" not in scanned
    typed = past_the_most("05012345000077", "AC-USBC1", scanned=False)
    assert typed == (
        "AC-USBC1: '05012345000077' is not a quantity (at most 999,999 units in one entry): "
        "nothing counted. It reads like a barcode."
    )


def test_a_take_off_of_more_than_counted_is_refused_naming_the_count() -> None:
    from serialpos.domain.quantity_entry import judge_take_off

    with pytest.raises(BadRequest) as refused:
        judge_take_off("1234", "AC-USBC1", 5, sure=False)
    assert not isinstance(refused.value, UnlikelyQuantity)
    assert str(refused.value).startswith("AC-USBC1: only 5 counted"), str(refused.value)
    assert judge_take_off("2", "AC-USBC1", 5, sure=False) == 2


def test_an_unlikely_take_off_is_asked_as_a_take_off() -> None:
    from serialpos.domain.quantity_entry import judge_take_off

    with pytest.raises(UnlikelyQuantity) as asked:
        judge_take_off("1234", "AC-USBC1", 5000, sure=False)
    assert asked.value.question.startswith("Take off 1,234 AC-USBC1?"), asked.value.question
    assert judge_take_off("1234", "AC-USBC1", 5000, sure=True) == 1234
