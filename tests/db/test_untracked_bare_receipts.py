"""A bare ``transfer_in`` at a store keeping a product by quantity (serialized inventory off
there) is held to what bare shipments have in transit to it, as at any store.

Such a line naming serials is a quantity move (the serials are written on its events, no
unit changes state), yet it skipped the limit a quantity line has: 20 serials nothing
shipped made 20 phones at the store, and ``db check`` then said so
(``transfer_received_once``). Fails on the code before (services/transfers/bare_receipts.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products, settings
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="OPT", name="Case", serial_mode="optional")
    settings.set_setting(db, admin, "serialized_inventory", "false", "S2")
    settings.set_setting(db, admin, "serialized_inventory", "false", "S1")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A1", "A2", "A3"])
    return db


def run(db: Database, actor: Actor, **line: Any) -> dict[str, Any]:
    return apply_object(db, actor, line)


@pytest.mark.parametrize("sku", ["PH1", "OPT"])
def test_serials_nothing_shipped_are_refused_at_a_store_counting_them(
    shop: Database, admin: Actor, sku: str
) -> None:
    got = run(shop, admin, op="transfer_in", store="S2", sku=sku, serials=["X1", "X2"])
    assert (got["ok"], got["error"]) == (False, "not_on_asn")
    assert got["message"] == (
        f"{sku}: 2 to receive at S2 but 0 in transit to S2 without a kept transfer "
        f"(S2 keeps {sku} by quantity: the serials are a count)"
    )
    assert check_ledger(shop) == []


def test_serials_shipped_by_quantity_are_received_up_to_what_was_shipped(
    shop: Database, admin: Actor
) -> None:
    # S1 keeps phones by quantity too: its shipment of two serials is a quantity to S2.
    out = run(shop, admin, op="transfer_out", store="S1", to="S2", sku="PH1", serials=["A1", "A2"])
    assert out["ok"], out
    # Shipped to S2: the sender cannot take its own shipment back in as if it were S2.
    back = run(shop, admin, op="transfer_in", store="S1", sku="PH1", serial="A1")
    assert (back["ok"], back["error"]) == (False, "not_on_asn")
    first = run(shop, admin, op="transfer_in", store="S2", sku="PH1", serial="A1")
    assert first["ok"], first
    over = run(shop, admin, op="transfer_in", store="S2", sku="PH1", serials=["A2", "A3"])
    assert (over["ok"], over["error"]) == (False, "not_on_asn")
    assert over["message"].startswith("PH1: 2 to receive at S2 but 1 in transit to S2 ")
    assert run(shop, admin, op="transfer_in", store="S2", sku="PH1", serial="A2")["ok"]
    assert check_ledger(shop) == []
