"""A blind receipt's vendor and reference, scanned or typed (without a screen): a vendor's code
an ASN or a receipt names is taken, spelt as recorded; a reference is taken; the scan of a
unit, a product or a case is refused in either, naming it, and nothing starts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import BadValue
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.blind_receiving import open_blind_receipt
from serialpos.services.context import Actor
from serialpos.services.scanned_codes import scanned_code

ASN = "ASN,Vendor,SKU,Quantity,Serials,CasePack\nASN-V,AURORA-01,CABLE,5,,\n"


@pytest.fixture
def known(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="CABLE", name="Cable", barcodes=("05012345000077",))
    products.create_product(db, admin, sku="LAPTOP", name="Laptop", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LAPTOP", serials=["ZB1001"])
    import_asn_data(db, admin, "asn.csv", ASN.encode(), "S1")
    return db


def test_a_scanned_vendor_is_taken_when_a_document_names_it(known: Database) -> None:
    assert scanned_code(known, "aurora-01", "vendor", 100) == "AURORA-01"
    assert scanned_code(known, "]C0AURORA-01", "vendor", 100) == "AURORA-01"  # AIM prefix
    with pytest.raises(BadValue, match="'NEWCO-7' is no vendor on any ASN or receipt"):
        scanned_code(known, "NEWCO-7", "vendor", 100)  # a new unit's serial looks the same
    assert scanned_code(known, "PS-77812", "reference", 64) == "PS-77812"


@pytest.mark.parametrize(
    ("scan", "said"),
    [
        ("ZB1001", "'ZB1001' is the serial of a LAPTOP unit, not the reference"),
        ("05012345000077", "'05012345000077' is the barcode of CABLE, not the reference"),
        ("15012345000012", "is a case's barcode (GTIN 15012345000012"),
        ("PS\u200b1", "U+200B at position 3"),
    ],
)
def test_a_scan_of_a_unit_product_or_case_is_no_code(known: Database, scan: str, said: str) -> None:
    with pytest.raises(BadValue, match=re.escape(said)):
        scanned_code(known, scan, "reference", 64)


def test_a_typed_vendor_or_reference_that_is_a_units_serial_starts_nothing(
    known: Database, admin: Actor, tmp_path: Path
) -> None:
    """A scan slowed by the link reaches the field as typed text: the service refuses it."""
    with pytest.raises(BadValue, match="'ZB1001' is the serial of a LAPTOP unit, not the vendor"):
        open_blind_receipt(known, admin, "S1", "ZB1001", None, tmp_path)
    with pytest.raises(BadValue, match="is the barcode of CABLE, not the reference"):
        open_blind_receipt(known, admin, "S1", "Acme", "05012345000077", tmp_path)
    receipt = open_blind_receipt(known, admin, "S1", "aurora-01", "PS-1", tmp_path)
    assert receipt.title == "Blind receipt PS-1 from AURORA-01"
    typed = open_blind_receipt(known, admin, "S1", "Brand New Vendor", None, tmp_path)
    assert typed.title == "Blind receipt from Brand New Vendor"  # typed once: taken


def test_a_typed_vendor_is_spelt_as_recorded(known: Database) -> None:
    """Return to vendor's typed vendor (or a scan slowed into typing) takes the spelling a
    document records: one vendor, one spelling on the documents and event files."""
    from serialpos.services.scanned_codes import recorded_vendor

    assert recorded_vendor(known, "Aurora-01") == "AURORA-01"
    assert recorded_vendor(known, "Someone New") == "Someone New"
    with pytest.raises(BadValue, match=r"then scan the units going back$"):
        scanned_code(known, "NEWCO", "vendor", 100, after="then scan the units going back")
