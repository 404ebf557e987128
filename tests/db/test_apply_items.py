"""``apply`` lines carrying a whole stockroom document (``number`` and ``items``, as a store
terminal journals them; docs/integration.md): recorded as the console records the document,
all items or none, a number recorded once, the line's own unit keys refused beside them."""

from __future__ import annotations

from typing import Any

import pytest

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CAB", name="Cable")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A1", "A2", "A3"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=10)
    return db


def state(db: Database, serial: str) -> tuple[str, str]:
    (card,) = lookup.lookup_serial(db, serial)
    return card.state, card.store


def rtv(**values: Any) -> dict[str, Any]:
    return {"op": "rtv", "store": "S1", "vendor": "Acme", "reason": "faulty", **values}


def test_a_numbered_return_to_vendor_is_one_document(shop: Database, admin: Actor) -> None:
    done = apply_object(
        shop,
        admin,
        rtv(
            number="V-S01-t1-000004",
            items=[{"sku": "PH1", "serial": "A1"}, {"sku": "CAB", "quantity": 2}],
        ),
    )
    assert done["ok"] and (done["number"], done["kind"], done["quantity"]) == (
        "V-S01-t1-000004",
        "rtv",
        3,
    )
    assert state(shop, "A1") == ("returned_to_vendor", "S1")
    again = apply_object(
        shop, admin, rtv(number="V-S01-t1-000004", items=[{"sku": "PH1", "serial": "A2"}])
    )
    assert again["error"] == "bad_request" and "recorded already" in again["message"]
    assert state(shop, "A2") == ("in_stock", "S1")  # nothing of the refused line kept
    assert check_ledger(shop) == []


def test_one_refused_item_refuses_the_document(shop: Database, admin: Actor) -> None:
    refused = apply_object(
        shop,
        admin,
        rtv(items=[{"sku": "PH1", "serial": "A2"}, {"sku": "PH1", "serial": "NOPE"}]),
    )
    assert refused["ok"] is False and refused["error"] == "not_in_stock"
    assert state(shop, "A2") == ("in_stock", "S1")
    mixed = apply_object(shop, admin, rtv(sku="PH1", items=[{"sku": "PH1", "serial": "A2"}]))
    assert mixed["error"] == "bad_request" and "'items' or 'sku'" in mixed["message"]
    wrong = apply_object(shop, admin, rtv(number="X-1", items=[{"sku": "PH1", "serial": "A2"}]))
    assert wrong["error"] == "bad_request" and "not a rtv number" in wrong["message"]
    odd = apply_object(shop, admin, rtv(items=[{"sku": "PH1", "serail": "A2"}]))
    assert odd["error"] == "bad_request" and "items[1]: unknown key 'serail'" in odd["message"]


def test_adjustment_and_receipt_documents(shop: Database, admin: Actor) -> None:
    adjusted = apply_object(
        shop,
        admin,
        {
            "op": "adjust",
            "store": "S1",
            "reason": "other",
            "note": "shelf 4",
            "items": [{"sku": "PH1", "remove": ["A3"]}, {"sku": "CAB", "quantity": -3}],
        },
    )
    assert adjusted["ok"] and adjusted["reason"] == "other: shelf 4"
    assert adjusted["number"] == "A-S1-000001"  # numbered here when no number is given
    assert state(shop, "A3") == ("written_off", "S1")
    received = apply_object(
        shop,
        admin,
        {
            "op": "receive",
            "store": "S2",
            "vendor": "Acme",
            "reference": "DN-1",
            "items": [{"sku": "PH1", "serials": ["B1", "B2"]}, {"sku": "CAB", "quantity": 5}],
        },
    )
    assert received["ok"] and received["kind"] == "blind_receipt" and received["quantity"] == 7
    assert state(shop, "B2") == ("in_stock", "S2")
    assert check_ledger(shop) == []


def test_a_transfer_in_items_with_complete_closes_it(shop: Database, admin: Actor) -> None:
    sent = apply_object(
        shop,
        admin,
        {
            "op": "transfer_out",
            "store": "S1",
            "to": "S2",
            "transfer": "T-S1-t1-000001",
            "create": True,
            "items": [{"sku": "PH1", "serials": ["A1", "A2"]}, {"sku": "CAB", "quantity": 4}],
        },
    )
    assert sent["ok"] and sent["status"] == "shipped" and sent["quantity"] == -6
    got = apply_object(
        shop,
        admin,
        {
            "op": "transfer_in",
            "store": "S2",
            "transfer": "T-S1-t1-000001",
            "complete": True,
            "items": [{"sku": "PH1", "serials": ["A1"]}, {"sku": "CAB", "quantity": 4}],
        },
    )
    assert got["ok"] and got["status"] == "received"
    assert got["in_transit"] == [{"sku": "PH1", "quantity": 1, "serials": ["A2"]}]
    assert state(shop, "A1") == ("in_stock", "S2") and state(shop, "A2") == ("in_transit", "S2")
    assert check_ledger(shop) == []


def test_a_transfer_in_items_naming_a_transfer_not_here_says_it_may_not_be_synced(
    shop: Database, admin: Actor
) -> None:
    """At a till the sending store's shipment arrives by sync: before it has, the transfer is
    unknown here, and the answer says why that may be (it said only "not known here")."""
    got = apply_object(
        shop,
        admin,
        {
            "op": "transfer_in",
            "store": "S2",
            "transfer": "T-S1-t1-000009",
            "items": [{"sku": "PH1", "serials": ["A1"]}],
        },
    )
    assert not got["ok"]
    assert got["message"] == (
        "transfer T-S1-t1-000009 is not known here: if it was just shipped, the sending store "
        "(or its till) may not have synced yet; sync there, then here, and send this again"
    )
    assert state(shop, "A1") == ("in_stock", "S1")  # nothing changed
