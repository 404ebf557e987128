"""``db check`` on a store terminal notes another till's entry whose quantities it counted
twice (central restored, that till's entry sent again, pulled again by a till without the
memory of it: before migration 0032, or pruned). Its ledger doubled with its stock, so
``quantity_matches_events`` cannot see it; this note names the document and line. Central
(no ``central_terminal``) never notes it."""

from __future__ import annotations

from decimal import Decimal

from serialpos.db import journal, ledger_writes, mirror_sql
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.services import products
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger

SOLD = "S1-T7-000005"


def _pulled(db: Database, admin: Actor, *, times: int, document: str = SOLD) -> None:
    """A cable sale of till T7's, copied here ``times`` times as the mirror copies it."""
    if "CAB" not in db.read(mirror_sql.product_ids):
        products.create_product(db, admin, sku="CAB", name="Cable", price=Decimal("1"))

    def write(conn: object) -> None:
        here = mirror_sql.store_ids(conn)["S1"]  # type: ignore[arg-type]
        cable = mirror_sql.product_ids(conn)["CAB"]  # type: ignore[arg-type]
        event = {
            "at": utcnow(),
            "action": "sell",
            "user_name": "mia",
            "terminal": "T7",
            "store_id": here,
            "product_id": cable,
            "unit_id": None,
            "serial": None,
            "from_state": None,
            "to_state": None,
            "quantity": -1,
            "document_type": "order",
            "document_id": document,
            "document_line": "2",
            "reason": None,
        }
        ledger_writes.add_events(conn, [dict(event) for _ in range(times)])  # type: ignore[arg-type]
        ledger_writes.bump_stock(conn, cable, here, -times)  # type: ignore[arg-type]

    db.write(write)


def _as_till(db: Database) -> None:
    db.write(lambda conn: journal.set_state(conn, "central_terminal", "api:till-here"))


def test_a_till_notes_another_tills_sale_counted_twice(db: Database, admin: Actor) -> None:
    _as_till(db)
    _pulled(db, admin, times=2)
    findings = check_ledger(db)
    assert [f for f in findings if f.violation] == []  # the ledger adds up to the stock
    [note] = [f for f in findings if f.rule == "pulled_twice"]
    assert (note.store, note.sku, note.violation) == ("S1", "CAB", False)
    assert f"sell -1 of {SOLD} line 2 by T7 is counted 2 times here" in note.detail


def test_no_note_at_central_nor_for_a_number_no_till_gave(db: Database, admin: Actor) -> None:
    _pulled(db, admin, times=2)  # central: no central_terminal
    assert [f for f in check_ledger(db) if f.rule == "pulled_twice"] == []
    _as_till(db)
    _pulled(db, admin, times=2, document="S1-000009")  # central's own number: no entry's
    _pulled(db, admin, times=1, document="S1-T7-000006")  # once: as it should be
    notes = [f.detail for f in check_ledger(db) if f.rule == "pulled_twice"]
    assert len(notes) == 1 and SOLD in notes[0]
