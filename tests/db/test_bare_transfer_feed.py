"""A bare ``transfer_out`` (an id serialpos does not keep, no ``"create": true``; or no id)
names its destination in the event feed (``to_store``), as a kept transfer's does. Before,
its event named none: the sending store's till, mirroring the feed, kept the unit in
transit at its own store for good (terminal/mirror.py)."""

from __future__ import annotations

from decimal import Decimal as D

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import feed, ledger, products, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import SYSTEM


def _shipments(db: Database) -> dict[str, str | None]:
    return {
        str(e.serial): e.to_store
        for e in feed.events_after(db, 0, 100, store="S1").events
        if e.action == "transfer_out"
    }


def test_a_bare_shipment_names_its_destination_in_the_feed(db: Database) -> None:
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(
        db, mia, sku="PH1", name="Phone", price=D("299.00"), serial_mode="required"
    )
    products.create_product(db, mia, sku="CAB", name="Cable")
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=["U1", "U2", "U3"])
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="CAB", quantity=5)
    out = {"op": "transfer_out", "store": "S1", "to": "S2", "sku": "PH1"}
    assert apply_object(db, mia, {**out, "serial": "U1", "transfer": "HOST-1"})["ok"]
    assert apply_object(db, mia, {**out, "serial": "U2"})["ok"]  # no id at all
    kept = {**out, "serial": "U3", "transfer": "TX-1", "create": True}
    assert apply_object(db, mia, kept)["ok"]
    assert _shipments(db) == {"U1": "S2", "U2": "S2", "U3": "S2"}
    # Received at S2 (and moved on since): the shipment still names where it went.
    into = {"op": "transfer_in", "store": "S2", "sku": "PH1", "serial": "U1"}
    assert apply_object(db, mia, {**into, "transfer": "HOST-1"})["ok"]
    onward = {**out, "store": "S2", "to": "S1", "serial": "U1"}
    assert apply_object(db, mia, onward)["ok"]
    events = [e for e in feed.events_after(db, 0, 100).events if e.action == "transfer_out"]
    assert [(e.serial, e.store, e.to_store) for e in events if e.serial == "U1"] == [
        ("U1", "S1", "S2"),
        ("U1", "S2", "S1"),
    ]
    # A quantity shipped bare names no unit to follow: no destination, as before.
    cables = {"op": "transfer_out", "store": "S1", "to": "S2", "sku": "CAB", "quantity": 2}
    assert apply_object(db, mia, cables)["ok"]
    others = [e.to_store for e in feed.events_after(db, 0, 100).events if e.sku == "CAB"]
    assert others[-1] is None
