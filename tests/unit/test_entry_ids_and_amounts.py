"""What a host or a person types that picks something out (an ASN id, a vendor, a SKU ...)
holds no invisible character; a new serial holds no list separator; an amount is a plain
ASCII decimal; an ASN quantity past the limit says so. Each rule is the domain's, checked
here without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.domain.asn_csv import parse_csv
from serialpos.domain.checklist import ChecklistLine
from serialpos.domain.decoder import decode
from serialpos.domain.discounts import parse_discount_amount, parse_percent, parse_price
from serialpos.domain.entry_text import identifier_refusal
from serialpos.domain.errors import BadValue
from serialpos.domain.limits import parse_money
from serialpos.domain.orders import parse_amount
from serialpos.domain.products import SerialMode
from serialpos.domain.scan_resolution import (
    LedgerFacts,
    ProductFacts,
    ProductSerial,
    Refusal,
    ScanContext,
    new_serial_problem,
    resolve,
)
from serialpos.domain.users import check_user_name

HEADER = "ASN,Vendor,SKU,Quantity,Serials,CasePack\n"


def problems(text: str) -> list[str]:
    return [str(p) for p in parse_csv(HEADER + text).problems]


def test_an_identifier_with_an_invisible_character_is_named_with_its_position() -> None:
    said = identifier_refusal("ASN", "Y-2\u200b")
    assert said is not None
    assert "ASN 'Y-2<U+200B>'" in said and "U+200B at position 4" in said
    assert identifier_refusal("ASN", "Y-2") is None
    assert identifier_refusal("document", "PO 77/1") is None  # an ASCII space is part of it


@pytest.mark.parametrize(
    ("row", "named"),
    [
        (
            "Y-2\u200b,V,AC-1,5,,\n",
            "ASN 'Y-2<U+200B>' holds an invisible character (U+200B at position 4)",
        ),
        ("Y-2\u200b\u200b,V,AC-1,5,,\n", "U+200B at position 4"),
        (
            "Y-2,V\u200b,AC-1,5,,\n",
            "Vendor 'V<U+200B>' holds an invisible character (U+200B at position 2)",
        ),
        (
            "Y-2,V,AC\u200b-1,5,,\n",
            "SKU 'AC<U+200B>-1' holds an invisible character (U+200B at position 3)",
        ),
        ("Y-2,V,AC-1,5,,CP\u2060-1\n", "CasePack 'CP<U+2060>-1' holds an invisible character"),
        # A no-break space at the end was trimmed by str.strip(): now named, as in a serial.
        ("Y-2\u00a0,V,AC-1,5,,\n", "U+00A0 at position 4"),
    ],
)
def test_an_asn_file_naming_an_id_or_name_with_an_invisible_character_is_refused(
    row: str, named: str
) -> None:
    found = problems(row)
    assert len(found) == 1, found
    assert found[0].startswith("line 2: ") and named in found[0], found


def test_an_asn_quantity_of_twenty_one_digits_is_over_the_limit_not_no_number() -> None:
    assert problems("Y-2,V,AC-1,999999999999999999999,,\n") == [
        "line 2: Quantity 999999999999999999999 is more than 1,000,000"
    ]
    assert problems("Y-2,V,AC-1,0000000000000000000000002,,\n") == []
    assert problems("Y-2,V,AC-1,1e3,,\n") == [
        "line 2: Quantity '1e3' is not a positive whole number"
    ]


DRILL = ProductFacts("TL-DRL18", "Cordless drill", SerialMode.OPTIONAL, None)
SPACED = ProductFacts("SAW-9", "Saw", SerialMode.REQUIRED, r"^SW [0-9]{4}$")


@pytest.mark.parametrize(
    ("serial", "named"),
    [
        ("QQ-1,QQ-2", "a comma at position 5"),
        ("QQ-3 QQ-4", "a space at position 5"),
        ("QQ-5;QQ-6", "a semicolon at position 5"),
        ("QQ-7|QQ-8", "a pipe (|) at position 5"),
        ("QQ-9\tQQ-10", "a tab at position 5"),
    ],
)
def test_a_new_serial_holding_a_list_separator_is_two_labels(serial: str, named: str) -> None:
    for product in (DRILL, None):
        refusal = new_serial_problem(serial, None, product)
        assert refusal is not None and refusal.code == "merged_scan", (serial, product)
        assert named in refusal.message


def test_a_separator_the_products_own_format_takes_is_its_serial() -> None:
    assert new_serial_problem("SW 1234", None, SPACED) is None
    assert new_serial_problem("SW 1234", None, DRILL) is not None
    assert new_serial_problem("DRL-1", None, DRILL) is None


@pytest.mark.parametrize("text", ["1e2", "1E+2", "１２", "１５.５９", "1_000", "12\u0663"])
def test_an_amount_is_a_plain_ascii_decimal_named_by_its_field(text: str) -> None:
    for parse in (
        lambda t: parse_money(t, "payments[1].amount"),
        lambda t: parse_price(t, "payments[1].amount"),
        lambda t: parse_discount_amount(t, "payments[1].amount"),
        lambda t: parse_percent(t, "payments[1].amount"),
        lambda t: parse_amount(t, "payments[1].amount"),
    ):
        with pytest.raises(BadValue) as refused:
            parse(text)
        assert f"payments[1].amount '{text}'" in str(refused.value)


def test_plain_decimals_are_still_read() -> None:
    assert parse_money("15.59", "amount") == Decimal("15.59")
    assert parse_money(" 12 ", "amount") == Decimal("12.00")
    assert parse_price(".5") == Decimal("0.50")
    with pytest.raises(BadValue, match="exponent"):
        parse_money("1e2", "amount")
    with pytest.raises(BadValue, match=r"not plain ASCII \(U\+FF11"):
        parse_money("１２", "amount")


def test_serials_listed_for_some_units_of_a_line_are_reported_missing_until_scanned() -> None:
    line = ChecklistLine("TL-DRL18", "Drill", 2, True, listed=frozenset({"DRL-L1"}))
    line.add("DRL-X1")
    line.add("DRL-X2")
    assert line.expected_serials is None  # any serial may still be scanned
    assert line.missing_serials() == ["DRL-L1"]
    assert line.listed_serials() == ["DRL-L1"]
    line.add("DRL-L1")
    assert line.missing_serials() == []


@pytest.mark.parametrize("text", ["QQ-1,QQ-2", "QQ-3 QQ-4", "QQ-5;QQ-6", "QQ-7|QQ-8"])
def test_the_consoles_scan_of_a_new_serial_holding_a_separator_is_refused(text: str) -> None:
    receiving = ScanContext("S01", DRILL, fixed_product=True, creates_units=True)
    found = resolve(decode(text), receiving, LedgerFacts())
    assert isinstance(found, Refusal) and found.code == "merged_scan", found
    assert f"'{text}' holds a" in found.message
    saw = ScanContext("S01", SPACED, fixed_product=True, creates_units=True)
    assert isinstance(resolve(decode("SW 1234"), saw, LedgerFacts()), ProductSerial)


def test_a_user_name_with_an_invisible_character_is_refused() -> None:
    with pytest.raises(BadValue, match=r"user name 'mia<U\+200B>' holds an invisible character"):
        check_user_name("mia\u200b")
    assert check_user_name(" mia ") == "mia"
