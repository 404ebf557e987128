"""The checks every receipt makes on a scanned serial before it lands on a checklist."""

from __future__ import annotations

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import AlreadySold, BadSerial, DuplicateSerial, NotInStock
from serialpos.domain.events import DocumentRef
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.receiving import check_receivable


@pytest.fixture
def phone(db: Database, admin: Actor) -> str:
    products.create_product(
        db,
        admin,
        sku="PHONE",
        name="Phone",
        serial_mode="required",
        serial_format="imei",
        barcodes=["4006381333931"],
    )
    products.create_product(db, admin, sku="CASE", name="Case", serial_mode="required")
    return "PHONE"


IMEI = "356938035643809"
IMEI2 = "490154203237518"


def test_a_new_serial_passes_and_is_normalised(db: Database, phone: str) -> None:
    assert check_receivable(db, "S1", phone, f"  {IMEI}\r\n") == IMEI


def test_format_and_mis_scans_are_named(db: Database, phone: str) -> None:
    with pytest.raises(BadSerial, match="check digit"):
        check_receivable(db, "S1", phone, "356938035643808")
    with pytest.raises(BadSerial, match="is the barcode of PHONE, not a serial"):
        check_receivable(db, "S1", "CASE", "4006381333931")


def test_a_unit_in_stock_anywhere_is_refused_with_where(
    db: Database, admin: Actor, phone: str
) -> None:
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku=phone, serials=[IMEI])
    with pytest.raises(
        DuplicateSerial,
        match=f"serial {IMEI} of PHONE is already recorded "
        r"\(in stock at S2\)",
    ):
        check_receivable(db, "S1", phone, IMEI)


def test_a_sold_unit_is_a_return_not_a_receipt(db: Database, admin: Actor, phone: str) -> None:
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku=phone, serials=[IMEI])
    ledger.move(db, admin, Action.SELL, store="S1", sku=phone, serials=[IMEI])
    with pytest.raises(AlreadySold, match="take it back as a return"):
        check_receivable(db, "S1", phone, IMEI)


def test_an_expected_unit_belongs_to_its_asn(db: Database, admin: Actor, phone: str) -> None:
    ledger.move(
        db,
        admin,
        Action.EXPECT,
        store="S1",
        sku=phone,
        serials=[IMEI, IMEI2],
        document=DocumentRef("asn", "ASN-7"),
    )
    with pytest.raises(NotInStock, match="expected on ASN ASN-7 at S1: receive it on that"):
        check_receivable(db, "S1", phone, IMEI)
    assert check_receivable(db, "S1", phone, IMEI, asn="ASN-7") == IMEI
