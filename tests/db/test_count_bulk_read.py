"""Reconciliation reads a count's serials and the units in stock in bulk (on SQLite joined in
one row and split): a serial holding the separator (a newline, written by SQL: the scanners
refuse one) is still read whole, so the classes are exact."""

from __future__ import annotations

import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.reconciling import reconcile
from serialpos.services.counts.scanning import scan


def test_serials_holding_a_newline_are_read_whole(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["A1", "A2", "A3"])
    info = open_count(db, admin, "S1")
    start_batch(db, admin, info.number, "Ann")
    scan(db, admin, info.number, 1, sku="PH", serial="A1")
    scan(db, admin, info.number, 1, sku="PH", serial="A2")
    u, cs = repo.unit_t.c, sa.table("count_scan", sa.column("serial"))

    def bend(conn: sa.Connection) -> None:
        # "A2" becomes "A2\nA3" in the ledger and in the count; "A3" stays a unit of its own.
        conn.execute(sa.update(repo.unit_t).where(u.serial == "A2").values(serial="A2\nA3"))
        conn.execute(sa.update(cs).where(cs.c.serial == "A2").values(serial="A2\nA3"))

    db.write(bend)
    result = reconcile(db, info.number)
    assert result.matched == 2  # A1 and "A2\nA3", not "A2" and "A3" apart
    assert [(m.sku, m.serial) for m in result.missing] == [("PH", "A3")]
    assert result.never_seen == () and result.elsewhere == ()
