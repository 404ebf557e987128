"""A bare ``transfer_out`` (an id serialpos does not keep, no ``"create": true``; or no id)
names its destination in the event feed (``to_store``), as a kept transfer's does. Before,
its event named none: the sending store's till, mirroring the feed, kept the unit in
transit at its own store for good (terminal/mirror.py); and the destination's tills never
heard of the unit (``transfer_in`` there: ``unknown_unit``)."""

from __future__ import annotations

import shutil
from decimal import Decimal as D
from pathlib import Path

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import feed, ledger, lookup, products, stores, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import SYSTEM
from serialpos.services.integrity import check_ledger
from serialpos.services.transfers import bare


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


def test_the_destinations_till_learns_a_bare_shipment_and_takes_it_in(
    db: Database, migrated_sqlite: Path, tmp_path: Path
) -> None:
    """``GET /v1/transfers/incoming``'s ``units_in_transit`` names a unit shipped to the
    store on no kept transfer (not one on a kept transfer: that one's transfer names it);
    the till sets it in transit at its store, and its ``transfer_in`` then takes it in,
    as central does. Before, the till had never heard of the unit: ``unknown_unit``."""
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(db, mia, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=["U1", "U2", "U3"])
    out = {"op": "transfer_out", "store": "S1", "to": "S2", "sku": "PH1"}
    assert apply_object(db, mia, {**out, "serial": "U1", "transfer": "HOST-1"})["ok"]
    assert apply_object(db, mia, {**out, "serial": "U2"})["ok"]
    kept = {**out, "serial": "U3", "transfer": "TX-1", "create": True}
    assert apply_object(db, mia, kept)["ok"]
    listed = bare.in_transit_json(db, "S2")
    assert listed == [
        {"sku": "PH1", "serial": "U1", "from": "S1", "document": "HOST-1"},
        {"sku": "PH1", "serial": "U2", "from": "S1", "document": None},
    ]
    assert bare.in_transit_json(db, "S1") == []
    # The destination's till: its own database, S2's, without the units (S1's).
    path = tmp_path / "till.sqlite"
    shutil.copyfile(migrated_sqlite, path)
    till = Database(f"sqlite:///{path}")
    try:
        for code, name in (("S1", "Main Street"), ("S2", "Harbour Mall")):
            stores.add_store(till, SYSTEM, code, name)
        users.add_user(till, SYSTEM, "mia", "manager", "1234")
        here = users.actor_for(till, "mia", "till-s2")
        products.create_product(till, here, sku="PH1", name="Phone", serial_mode="required")
        into = {"op": "transfer_in", "store": "S2", "sku": "PH1", "serial": "U1"}
        before = apply_object(till, here, {**into, "transfer": "HOST-1"})
        assert not before["ok"], before  # the old story: the till knows no such unit
        assert till.write(lambda conn: bare.keep_in_transit(conn, listed, "S2")) == 2
        assert till.write(lambda conn: bare.keep_in_transit(conn, listed, "S2")) == 0
        card = lookup.lookup_serial(till, "U1", "PH1")[0]
        assert (card.state, card.store) == ("in_transit", "S2")
        took = apply_object(till, here, {**into, "transfer": "HOST-1"})
        assert took["ok"], took
        assert apply_object(till, here, {**into, "serial": "U2"})["ok"]
        assert check_ledger(till) == []
    finally:
        till.dispose()
    # Central takes the till's receipt as the document reference it is.
    assert apply_object(db, mia, {**into, "transfer": "HOST-1"})["ok"]
    assert [u["serial"] for u in bare.in_transit_json(db, "S2")] == ["U2"]
    # The sending store's tills follow it there (GET /v1/transfers/sent?after=: away), as
    # a unit shipped on a kept transfer: before, nothing named it to them after it left.
    from serialpos.services.transfers.away import away_json

    units = away_json(db, mia, "S1", 0)["units"]
    assert [(u["serial"], u["store"], u["state"]) for u in units if u["serial"] == "U1"] == [
        ("U1", "S2", "in_stock")
    ]
