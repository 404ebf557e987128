"""Adding a unit by adjustment (without a screen): a serial another product's unit holds, in
any state, is refused naming that product and state, though it breaks the selected product's
format too. It said only "not valid for LAPTOP: the format is ...", and the person went
looking for a fault in the label of a phone the ledger says was sold."""

from __future__ import annotations

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.adjustments import check_unit
from serialpos.services.context import Actor

IMEI = "356938035643809"


def test_a_sold_phones_serial_added_under_a_laptop_names_the_phone(
    db: Database, admin: Actor
) -> None:
    products.create_product(
        db, admin, sku="PHONE", name="Phone", serial_mode="required", serial_format="imei"
    )
    products.create_product(
        db,
        admin,
        sku="LAPTOP",
        name="Laptop",
        serial_mode="required",
        serial_format=r"^ZB[0-9]{8}$",
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PHONE", serials=[IMEI])
    ledger.move(db, admin, Action.SELL, store="S1", sku="PHONE", serials=[IMEI])
    with pytest.raises(DomainError) as refused:
        check_unit(db, "S1", IMEI, "LAPTOP", add=True, reason="found")
    said = refused.value.message
    assert said.startswith(f"{IMEI} is the serial of PHONE Phone (sold)"), said
    assert "not valid for LAPTOP" not in said
    # A new serial of the laptop's own format is still judged by it.
    with pytest.raises(DomainError, match="not valid for LAPTOP"):
        check_unit(db, "S1", "ZB123", "LAPTOP", add=True, reason="found")
    assert check_unit(db, "S1", "ZB12345678", "LAPTOP", add=True, reason="found").sku == "LAPTOP"
