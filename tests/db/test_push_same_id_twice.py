"""One id twice in one push: the second is the first sent again (replayed) or, with another
body, ``id_reused`` — as line by line. The run of plain sales (services/entry_sells.py)
claimed the id once and sold both: a push of ``[A: sell U1, A: sell U2]`` sold two units
under one id, and a resend then replayed only one of them."""

from __future__ import annotations

from decimal import Decimal as D

from till_push import entry, push

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products, snapshot, users
from serialpos.services.context import SYSTEM


def _entry(key: str, seq: int, serial: str) -> bytes:
    sale = {"op": "sell", "store": "S1", "sku": "PH1", "serial": serial, "payment": "card"}
    return entry(key, "till-1", seq, **sale)


def test_an_id_twice_in_one_push_sells_once(db: Database) -> None:
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(
        db, mia, sku="PH1", name="Phone", price=D("299.00"), serial_mode="required"
    )
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=["U1", "U2", "U3"])
    till = users.actor_for(db, "mia", "api:till-1")
    snapshot.link(db, till, "S1", "till-1")
    answers = push(db, till, [_entry("A", 1, "U1"), _entry("A", 2, "U2"), _entry("B", 3, "U3")])
    assert [a["ok"] for a in answers] == [True, False, True], answers
    assert answers[1]["error"] == "id_reused", answers[1]
    states = {s: lookup.lookup_serial(db, s, "PH1")[0].state for s in ("U1", "U2", "U3")}
    assert states == {"U1": "sold", "U2": "in_stock", "U3": "sold"}
    again = push(db, till, [_entry("A", 1, "U1"), _entry("A", 1, "U1")])
    assert [(a["ok"], a.get("replayed")) for a in again] == [(True, True), (True, True)], again
