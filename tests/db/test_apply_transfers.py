"""``serialpos apply`` transfer_out / transfer_in naming a kept transfer: units join it and
ship, the receiving store takes in only units shipped on it, and both results report the
transfer's shipped, received and in-transit units. An unknown id without ``create`` is only a
document reference, as before (tests/db/test_apply.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.transfers.sending import add_units, create_transfer, ship
from serialpos.services.transfers.views import get_transfer


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CAB", name="Cable")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A1", "A2", "A3"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=10)
    return db


def out(**values: Any) -> dict[str, Any]:
    return {"op": "transfer_out", "store": "S1", "to": "S2", "transfer": "WMS-9", **values}


def into(**values: Any) -> dict[str, Any]:
    return {"op": "transfer_in", "store": "S2", "transfer": "WMS-9", **values}


def test_a_host_transfer_ships_receives_and_reports(shop: Database, admin: Actor) -> None:
    first = apply_object(shop, admin, out(sku="PH1", serials=["A1", "A2"], create=True))
    assert first["ok"], first
    assert (first["transfer"], first["status"]) == ("WMS-9", "shipped")
    assert first["shipped"] == [{"sku": "PH1", "quantity": 2, "serials": ["A1", "A2"]}]
    assert first["in_transit"] == first["shipped"] and first["received"] == []
    second = apply_object(shop, admin, out(sku="CAB", quantity=3))  # joins the same transfer
    assert second["ok"] and second["quantity"] == -3
    assert second["shipped"][0] == {"sku": "CAB", "quantity": 3, "serials": []}

    refused = apply_object(shop, admin, into(sku="PH1", serial="A3"))
    assert (refused["ok"], refused["error"]) == (False, "not_on_asn")
    assert refused["message"] == "serial A3 of PH1 is not on transfer WMS-9"
    over = apply_object(shop, admin, into(sku="CAB", quantity=4))
    assert over["message"] == "CAB: 4 to receive but 3 in transit on transfer WMS-9"

    got = apply_object(shop, admin, into(sku="PH1", serial="A1"))
    assert got["ok"] and got["units"] == [{"serial": "A1", "from": "in_transit", "to": "in_stock"}]
    assert got["received"] == [{"sku": "PH1", "quantity": 1, "serials": ["A1"]}]
    assert got["in_transit"] == [
        {"sku": "CAB", "quantity": 3, "serials": []},
        {"sku": "PH1", "quantity": 1, "serials": ["A2"]},
    ]
    twice = apply_object(shop, admin, into(sku="PH1", serial="A1"))
    assert twice["message"] == "serial A1 was received on transfer WMS-9 already"
    apply_object(shop, admin, into(sku="CAB", quantity=3))
    last = apply_object(shop, admin, into(sku="PH1", serial="A2"))
    assert last["status"] == "received" and last["in_transit"] == []
    (card,) = lookup.lookup_serial(shop, "A2")
    assert (card.state, card.store) == ("in_stock", "S2")
    assert check_ledger(shop) == []


def test_refusals_on_a_kept_transfer(shop: Database, admin: Actor, outbox_folder: Path) -> None:
    made = create_transfer(shop, admin, "S1", "S2")
    open_one = apply_object(shop, admin, out(sku="PH1", serial="A1", transfer=made.number))
    assert (
        open_one["message"] == f"transfer {made.number} is still open in the console: ship it there"
    )
    wrong_way = apply_object(
        shop, admin, out(sku="PH1", serial="A1", transfer=made.number, store="S2", to="S1")
    )
    assert wrong_way["message"] == f"transfer {made.number} goes from S1 to S2"
    add_units(shop, admin, made.number, "S1", "PH1", ["A1"])
    ship(shop, admin, made.number, "S1", outbox_folder)
    at_s1 = apply_object(
        shop, admin, into(sku="PH1", serial="A1", transfer=made.number, store="S1")
    )
    assert at_s1["message"] == f"transfer {made.number} goes to S2, not to S1"
    # The console's transfer received by a host: reported with the console's units.
    got = apply_object(shop, admin, into(sku="PH1", serial="A1", transfer=made.number))
    assert got["ok"] and got["status"] == "received"
    closed = apply_object(shop, admin, out(sku="PH1", serial="A2", transfer=made.number))
    assert closed["message"] == f"transfer {made.number} was received already: start another"
    assert check_ledger(shop) == []


def test_an_unknown_id_without_create_is_a_document_reference(shop: Database, admin: Actor) -> None:
    sent = apply_object(shop, admin, out(sku="PH1", serial="A1", transfer="HOST-1"))
    assert sent["ok"] and "shipped" not in sent
    got = apply_object(shop, admin, into(sku="PH1", serial="A1", transfer="HOST-2"))
    assert got["ok"] and "received" not in got
    with pytest.raises(Exception, match="there is no transfer 'HOST-1'"):
        get_transfer(shop, "HOST-1")
    itself = apply_object(shop, admin, out(sku="PH1", serial="A2", to="S1", create=True))
    assert (itself["error"], itself["message"]) == (
        "bad_request",
        "a transfer must go to another store",
    )
    nameless = apply_object(
        shop,
        admin,
        {
            "op": "transfer_out",
            "store": "S1",
            "to": "S2",
            "sku": "PH1",
            "serial": "A2",
            "create": True,
        },
    )
    assert (nameless["error"], nameless["message"]) == (
        "bad_request",
        "'create' makes the transfer named by 'transfer': give its id",
    )


def test_a_unit_on_a_kept_transfer_is_not_taken_in_under_another_id(
    shop: Database, admin: Actor
) -> None:
    """Shipped on TX-1, received naming TX-9 (an id serialpos does not keep): refused, the
    unit still in transit on TX-1, which a right line then receives."""
    shipped = apply_object(shop, admin, out(sku="PH1", serial="A1", transfer="TX-1", create=True))
    assert shipped["ok"], shipped
    wrong = apply_object(shop, admin, into(sku="PH1", serial="A1", transfer="TX-9"))
    assert (wrong["ok"], wrong["error"]) == (False, "not_on_asn")
    assert wrong["message"] == (
        "serial A1 of PH1 is not on transfer TX-9: it is in transit on transfer TX-1; "
        "receive it on that one"
    )
    (card,) = lookup.lookup_serial(shop, "A1")
    assert (card.state, card.store) == ("in_transit", "S2")
    assert get_transfer(shop, "TX-1").status == "shipped"
    right = apply_object(shop, admin, into(sku="PH1", serial="A1", transfer="TX-1"))
    assert right["ok"] and right["status"] == "received"
    assert check_ledger(shop) == []
