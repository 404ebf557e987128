"""Receiving's entries, without a screen: a bare serial of another product's line is received on
its own line and never changes the product the person selected; a quantity past what one entry
takes is refused naming the limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.quantity_entry import UnlikelyQuantity
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.blind_receiving import open_blind_receipt
from serialpos.services.context import Actor
from serialpos.services.receiving_scans import ChecklistScans

IMEI = "356938035643809"


def test_a_serial_of_another_line_keeps_the_selected_product(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    products.create_product(
        db, admin, sku="PHONE", name="Phone", serial_mode="required", serial_format="imei"
    )
    products.create_product(db, admin, sku="LAPTOP", name="Laptop", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LAPTOP", serials=["L1"])
    ledger.move(db, admin, Action.RTV, store="S1", sku="LAPTOP", serials=["L1"])  # back again
    receipt = open_blind_receipt(db, admin, "S1", "Acme", None, tmp_path)
    scans = ChecklistScans(receipt, lambda: db, lambda _said: None)
    scans.take("LAPTOP", None, None)
    assert scans.take("PHONE", None, None).sku == "PHONE"  # chosen on purpose
    stray = scans.take("L1", None, None)
    assert stray.sku == "PHONE" and scans.current == "PHONE"
    assert stray.message == "LAPTOP L1: 1 (PHONE stays selected)"
    assert receipt.checklist.lines["LAPTOP"].scanned == ["L1"]
    # The next new serial is the selected product's (it was checked as a LAPTOP before).
    phone = scans.take(IMEI, None, None)
    assert phone.sku == "PHONE"
    assert list(receipt.checklist.lines["PHONE"].scanned) == [IMEI]


def test_a_quantity_past_six_digits_names_the_limit(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    """It said "'1000000' is not a number" (the field takes at most six digits)."""
    products.create_product(db, admin, sku="CABLE", name="Cable")
    receipt = open_blind_receipt(db, admin, "S1", "Acme", None, tmp_path)
    scans = ChecklistScans(receipt, lambda: db, lambda _said: None)
    scans.take("CABLE", None, None)
    with pytest.raises(
        BadRequest,
        match=r"CABLE: '1000000' is not a quantity \(at most 999,999 units in one entry\)",
    ):
        scans.take("1000000", None, None, scanned=False)
    with pytest.raises(UnlikelyQuantity, match=r"Count 999,999 CABLE\? More than 999"):
        scans.take("999999", None, None, scanned=False)
    assert receipt.checklist.lines["CABLE"].received == 0
    assert scans.take("999999", None, None, scanned=False, sure=True).sku == "CABLE"
    assert receipt.checklist.lines["CABLE"].received == 999_999


def test_a_label_whose_serial_may_hold_its_lot_makes_no_new_unit(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    """``01…21DRL18-B777 GS 10LOT1`` with the GS lost: the blind receipt made the unit
    ``DRL18-B77710LOT1`` (walk of session eighteen). Now refused naming both readings, the
    checklist unchanged, where the product's serials are of the shorter reading's length;
    a unit the ledger knows by the whole serial is still that unit."""
    from serialpos.domain.decoder import decode
    from serialpos.domain.errors import DomainError

    products.create_product(
        db, admin, sku="DRL", name="Drill", serial_mode="required", barcodes=("05012345000053",)
    )
    # The drill's serials are ten characters long: the shorter reading is its kind.
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRL", serials=["DRL18-A001"])
    receipt = open_blind_receipt(db, admin, "S1", "Acme", None, tmp_path)
    scans = ChecklistScans(receipt, lambda: db, lambda _said: None)
    label = decode("010501234500005321DRL18-B77710LOT1")
    assert label.run_on is not None
    with pytest.raises(DomainError) as refused:
        scans.take(None, label.gtin, label.serial, label.run_on)
    assert refused.value.code == "bad_serial_format"
    assert "'DRL18-B777' + batch/lot (10) 'LOT1'" in refused.value.message
    assert "DRL" not in receipt.checklist.lines or not receipt.checklist.lines["DRL"].scanned
    # Typed from the label, the serial is what the person read.
    scans.take("DRL", None, None)
    assert scans.take("DRL18-B777", None, None).sku == "DRL"
    # A unit the ledger knows by the whole serial (received, then returned to its vendor):
    # the label is that unit's, received again.
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRL", serials=["DRL18-B77710LOT1"])
    ledger.move(db, admin, Action.RTV, store="S1", sku="DRL", serials=["DRL18-B77710LOT1"])
    assert scans.take(None, label.gtin, label.serial, label.run_on).sku == "DRL"
    assert receipt.checklist.lines["DRL"].scanned == ["DRL18-B777", "DRL18-B77710LOT1"]


def test_a_scanned_number_is_never_a_quantity(db: Database, admin: Actor, tmp_path: Path) -> None:
    """400123 scanned at "how many CABLE?" was received as 400,123 cables; a 15-digit scan
    was told to be typed in parts."""
    products.create_product(db, admin, sku="CABLE", name="Cable", barcodes=("05012345000077",))
    receipt = open_blind_receipt(db, admin, "S1", "Acme", None, tmp_path)
    scans = ChecklistScans(receipt, lambda: db, lambda _said: None)
    scans.take(None, "05012345000077", None)  # the product's barcode: one counted
    assert receipt.checklist.lines["CABLE"].received == 1
    with pytest.raises(BadRequest, match=r"^scan '400123' is not a quantity: nothing counted"):
        scans.take("400123", None, None, scanned=True)
    with pytest.raises(BadRequest, match=r"^scan '356938030000013' is not a quantity"):
        scans.take("356938030000013", None, None, scanned=True)
    assert receipt.checklist.lines["CABLE"].received == 1
    # Typed by a person: counted (a likely number), or asked about (an unlikely one).
    assert scans.take("4", None, None, scanned=False).sku == "CABLE"
    assert receipt.checklist.lines["CABLE"].received == 5
    with pytest.raises(UnlikelyQuantity):
        scans.take("400123", None, None, scanned=False)
    assert receipt.checklist.lines["CABLE"].received == 5
