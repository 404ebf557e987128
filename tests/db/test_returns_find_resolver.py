"""Finding a sale to take back, on SQLite and PostgreSQL: when no sale matches, the scan
resolver says what the text is, naming its product (a product barcode; a unit never sold,
with its state and store); unknown text keeps the plain message."""

from __future__ import annotations

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import BadSerial
from serialpos.domain.states import Action
from serialpos.services import ledger, products, returns
from serialpos.services.context import Actor
from serialpos.services.orders.views import UnknownOrder


def test_no_sale_matches_says_what_the_scan_is(db: Database, admin: Actor) -> None:
    products.create_product(
        db, admin, sku="DRL", name="Drill", serial_mode="required", barcodes=("4006381333931",)
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRL", serials=["D-1"])
    with pytest.raises(BadSerial, match="'4006381333931' is the barcode of DRL, not a serial"):
        returns.find_sale(db, "4006381333931")
    with pytest.raises(
        UnknownOrder, match="serial D-1 is DRL Drill, in stock at S1: no sale of it to take back"
    ):
        returns.find_sale(db, "D-1")
    with pytest.raises(UnknownOrder, match="no order, invoice or sold unit matches 'NOPE'"):
        returns.find_sale(db, "NOPE")
