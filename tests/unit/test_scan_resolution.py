"""The scan resolver's rules, without a database: what one scan means in one flow."""

from __future__ import annotations

import pytest

from serialpos.domain.decoder import decode
from serialpos.domain.products import SerialMode
from serialpos.domain.scan_resolution import (
    Accepts,
    KnownUnit,
    LedgerFacts,
    Product,
    ProductFacts,
    ProductSerial,
    Quantity,
    Refusal,
    ScanContext,
    UnitFacts,
    is_global_identifier,
    merged_scans,
    resolve,
)
from serialpos.domain.states import UnitState
from serialpos.domain.text import invisible_character

AUR15 = ProductFacts("PH-AUR15", "Aurora 15", SerialMode.REQUIRED, "imei")
NOVA7 = ProductFacts("PH-NOVA7", "Nova 7", SerialMode.REQUIRED, "imei")
FRG300 = ProductFacts("AP-FRG300", "Fridge 300", SerialMode.REQUIRED)
DRILL = ProductFacts("DRL18", "Drill 18V", SerialMode.OPTIONAL)
CABLE = ProductFacts("AC-USB", "USB cable", SerialMode.DISABLED)
IMEI = "356938030000021"

RECEIVING = ScanContext("S01", NOVA7, fixed_product=True, creates_units=True)
COUNT = ScanContext("S01", AUR15, frozenset({Accepts.SERIAL, Accepts.QUANTITY}), creates_units=True)
SALE_FIELD = ScanContext("S01")
SALE_LINE = ScanContext("S01", NOVA7, frozenset({Accepts.SERIAL}), fixed_product=True)


def unit(
    product: ProductFacts, serial: str, state: UnitState = UnitState.IN_STOCK, store: str = "S01"
) -> UnitFacts:
    return UnitFacts(product, serial, state, store)


def refusal(outcome: object) -> Refusal:
    assert isinstance(outcome, Refusal), outcome
    return outcome


def test_a_count_files_a_bare_serial_under_its_own_product() -> None:
    """Defect 2: Nova 7 IMEIs scanned after an Aurora 15 are Nova 7 units."""
    nova = unit(NOVA7, IMEI)
    outcome = resolve(decode(IMEI), COUNT, LedgerFacts((nova,)))
    assert outcome == KnownUnit(nova)
    # A serial no product knows is a never-seen unit of the current product (format checked).
    assert resolve(decode("356938030001011"), COUNT, LedgerFacts()) == ProductSerial(
        AUR15, "356938030001011"
    )
    assert refusal(resolve(decode("12345"), COUNT, LedgerFacts())).code == "bad_serial_format"


def test_receiving_refuses_a_serial_live_under_another_product_naming_it() -> None:
    """Defect 3: an in-stock Aurora 15 IMEI received as a Nova 7."""
    for state in (UnitState.IN_STOCK, UnitState.RESERVED, UnitState.IN_TRANSIT, UnitState.EXPECTED):
        found = refusal(
            resolve(decode(IMEI), RECEIVING, LedgerFacts((unit(AUR15, IMEI, state, "S02"),)))
        )
        assert found.code == "duplicate_serial"
        assert found.message.startswith(
            f"serial {IMEI} is already PH-AUR15 Aurora 15, {state.label} at S02"
        )
        assert "PH-NOVA7" not in found.message  # the unit's own product, not the selected one
    # A unit of another product that is gone (sold, returned, written off) blocks too: the
    # label is that product's, and a new Nova 7 with it would block the Aurora's return.
    gone = LedgerFacts((unit(AUR15, IMEI, UnitState.SOLD),))
    found = refusal(resolve(decode(IMEI), RECEIVING, gone))
    assert (found.code, found.message) == (
        "duplicate_serial",
        f"{IMEI} is the serial of PH-AUR15 Aurora 15 (sold): take it back as a return of "
        "PH-AUR15, or check the label",
    )


def test_receiving_refuses_gtins_and_two_labels_run_together() -> None:
    fridge = ScanContext("S01", FRG300, fixed_product=True, creates_units=True)
    drill = refusal(
        resolve(decode("DRL18-A001"), fridge, LedgerFacts((unit(DRILL, "DRL18-A001"),)))
    )
    assert drill.code == "duplicate_serial" and "DRL18 Drill 18V, in stock at S01" in drill.message
    unknown = refusal(resolve(decode("05099999000011"), fridge, LedgerFacts()))
    assert unknown.code == "unknown_product"
    assert "a product barcode, not a serial" in unknown.message
    known = refusal(resolve(decode("4006381333931"), fridge, LedgerFacts(product=DRILL)))
    assert known.code == "bad_serial_format" and "barcode of DRL18" in known.message
    merged = refusal(resolve(decode("FR-300-1011-FR-300-1013"), fridge, LedgerFacts()))
    assert merged.code == "merged_scan" and "FR-300-1011 and FR-300-1013" in merged.message
    assert resolve(decode("FR-300-1011"), fridge, LedgerFacts()) == ProductSerial(
        FRG300, "FR-300-1011"
    )


def test_a_product_format_that_takes_the_digits_wins_over_the_gtin_reading() -> None:
    thirteen = ProductFacts("TV-1", "TV", SerialMode.REQUIRED, r"\d{13}")
    context = ScanContext("S01", thirteen, fixed_product=True, creates_units=True)
    assert resolve(decode("5099999000018"), context, LedgerFacts()) == ProductSerial(
        thirteen, "5099999000018"
    )


def test_a_sale_line_refuses_another_products_unit_and_the_sale_field_follows_it() -> None:
    """Defect 4: an Aurora 15 IMEI on a Nova 7 line is that Aurora 15, not an unknown unit."""
    aurora = unit(AUR15, IMEI)
    line = refusal(resolve(decode(IMEI), SALE_LINE, LedgerFacts((aurora,))))
    assert line.code == "duplicate_serial" and "PH-AUR15 Aurora 15, in stock" in line.message
    assert resolve(decode(IMEI), SALE_FIELD, LedgerFacts((aurora,))) == KnownUnit(aurora)
    assert resolve(decode("PH-NOVA7"), SALE_FIELD, LedgerFacts(product=NOVA7)) == Product(NOVA7)
    assert (
        refusal(resolve(decode("NOTAPRODUCT1"), SALE_FIELD, LedgerFacts())).code == "unknown_serial"
    )


def test_gs1_labels_and_quantities() -> None:
    label = decode("]d2010400638133393121" + "356938030000021")
    assert label.kind == "product_serial"
    facts = LedgerFacts(product=NOVA7)
    assert resolve(label, SALE_FIELD, facts) == ProductSerial(NOVA7, IMEI)
    wrong = refusal(resolve(label, ScanContext("S01", FRG300, fixed_product=True), facts))
    assert wrong.code == "wrong_product" and "PH-NOVA7 Nova 7" in wrong.message
    assert resolve(decode("+3"), COUNT, LedgerFacts()) == Quantity(AUR15, 3)
    no_product = ScanContext("S01", None, frozenset({Accepts.QUANTITY, Accepts.SERIAL}))
    assert refusal(resolve(decode("+3"), no_product, LedgerFacts())).code == "bad_request"


def test_a_serial_of_several_products_takes_the_live_one_or_asks() -> None:
    live = unit(DRILL, "X1")
    sold = unit(FRG300, "X1", UnitState.SOLD)
    assert resolve(decode("X1"), SALE_FIELD, LedgerFacts((sold, live))) == KnownUnit(live)
    gone = LedgerFacts((sold, unit(DRILL, "X1", UnitState.WRITTEN_OFF)))
    asked = refusal(resolve(decode("X1"), SALE_FIELD, gone))
    assert asked.code == "ambiguous_serial" and "(AP-FRG300, DRL18)" in asked.message


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("LOOK\u200b1", "U+200B at position 5"),
        ("LOOK1\u200b", "U+200B at position 6"),
        ("\ufeffLOOK1", "U+FEFF at position 1"),
        ("LO\u2060OK1", "U+2060 at position 3"),
        ("LOOK\u202e1", "U+202E at position 5"),
        ("LOOK\u20281", "U+2028 at position 5"),
        ("LO\u00adOK1", "U+00AD at position 3"),
        ("LOOK\u00a01", "U+00A0 at position 5"),
    ],
)
def test_invisible_characters_are_named_with_their_position(text: str, where: str) -> None:
    assert invisible_character(text) == where
    fridge = ScanContext("S01", FRG300, fixed_product=True, creates_units=True)
    # The decoder trims only the ASCII space, tab, CR and LF (as apply trims a serial): a
    # byte-order mark or U+2028 at either end is refused, named, like one inside.
    found = refusal(resolve(decode(text), fridge, LedgerFacts()))
    assert found.code == "bad_serial_format" and where in found.message
    assert invisible_character("LOOK 1") is None and invisible_character("LOOK1") is None


def test_merged_scans_never_split_a_single_serial() -> None:
    for serial in (
        "356938030000047",
        "89441000000000000017",
        "FRW3C00001",
        "SN-2024-000017",
        "ABCDEF123456",
        "12345123456",
    ):
        assert merged_scans(serial) is None, serial
    assert merged_scans("FRW3C00001FRW3C00002") == ("FRW3C00001", "FRW3C00002")


def test_imeis_are_global_identifiers() -> None:
    assert is_global_identifier(AUR15, "ANYTHING")
    assert is_global_identifier(DRILL, IMEI)  # IMEI-shaped, whatever the product says
    assert not is_global_identifier(DRILL, "DRL18-A001")


def test_disabled_products_take_no_serial_and_unreadable_scans_say_why() -> None:
    context = ScanContext("S01", CABLE, fixed_product=True, creates_units=True)
    assert refusal(resolve(decode("C-1"), context, LedgerFacts())).code == "not_serialized"
    bad = refusal(resolve(decode("]C1"), SALE_FIELD, LedgerFacts()))
    assert bad.code == "unreadable" and "empty scan" in bad.message


def test_a_laptop_serial_on_an_imei_product_names_the_laptop_not_the_format() -> None:
    """Case 13 as a tester met it: with PH-NOVA7 (IMEI format) selected, a laptop's serial in
    stock is refused as that laptop (its product, state and store), not as 'not an IMEI'."""
    laptop = ProductFacts("LT-ZEN14", "ZenBook 14 laptop", SerialMode.REQUIRED)
    found = refusal(
        resolve(decode("ZB24000103"), RECEIVING, LedgerFacts((unit(laptop, "ZB24000103"),)))
    )
    assert found.code == "duplicate_serial"
    assert "LT-ZEN14 ZenBook 14 laptop, in stock at S01" in found.message
    assert "PH-NOVA7" not in found.message
    # The same characters with no unit behind them are still judged by the selected format.
    assert (
        refusal(resolve(decode("ZB24000103"), RECEIVING, LedgerFacts())).code == "bad_serial_format"
    )


def test_may_share_never_an_imei() -> None:
    from serialpos.domain.scan_resolution import may_share

    assert may_share("DRL18-A001") and may_share("X-1")
    assert not may_share("490154203237518")  # a valid IMEI (Luhn)
    assert not may_share(" 490154203237518 ")
    assert may_share("490154203237519")  # 15 digits, wrong check digit: no IMEI
    assert not may_share("   ")
