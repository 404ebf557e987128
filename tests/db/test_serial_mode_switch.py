"""Making serials required never leaves stock that has no recorded serials."""

from __future__ import annotations

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import BadValue
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.product_import import import_products_text

HEADER = "SKU,Name,Price,Serial Number Option\n"


def test_required_refused_while_units_lack_serials(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="DRILL", name="Drill", serial_mode="optional")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRILL", serials=["D1"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRILL", quantity=2)

    with pytest.raises(BadValue) as refused:
        products.set_serial_mode(db, admin, ["DRILL"], "required")
    assert refused.value.code == "untracked_stock"
    assert "DRILL at S1: 3 on hand, 1 with serials" in refused.value.message
    with pytest.raises(BadValue):
        import_products_text(db, admin, HEADER + "DRILL,Drill,10.00,Required\n")
    assert products.get_product(db, "DRILL").serial_mode.value == "optional"

    # Once the unrecorded units are gone (here: sold without serials), required is allowed.
    ledger.move(db, admin, Action.SELL, store="S1", sku="DRILL", quantity=2)
    products.set_serial_mode(db, admin, ["DRILL"], "required")
    assert products.get_product(db, "DRILL").serial_mode.value == "required"
    assert [f for f in check_ledger(db) if f.violation] == []


def test_tax_rates_read_back_in_plain_notation(db: Database, admin: Actor) -> None:
    import_products_text(db, admin, "SKU,Name,Price,Serial Number Option,TaxRate\n"
                         "A,Alpha,1.00,Disabled,20\nB,Beta,1.00,Disabled,7.5\n")
    assert [str(products.get_product(db, sku).tax_rate) for sku in "AB"] == ["20", "7.5"]
