"""Migration 0016 on SQLite and PostgreSQL: a serial already live under two products keeps its
oldest unit in the new live-serial index and the later one is marked shared 'before 0016' (db
check still names it); afterwards a second live unit is refused by the database."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from serialpos.db import migrate
from serialpos.db.engine import Database

AT = datetime(2026, 12, 2, 6, 0, 0)


def test_0016_marks_old_duplicates_and_guards_new_ones(db_url: str) -> None:
    db = Database(db_url)
    try:
        migrate.upgrade(db, "0012")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO store (id, code, name, created_at) VALUES (90, 'MZ', 'M', :at)"
                ),
                {"at": AT},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO product (id, sku, name, price, serial_mode, created_at, "
                    "updated_at) VALUES (91, 'A1', 'A', 1, 'required', :at, :at), "
                    "(92, 'B1', 'B', 1, 'required', :at, :at), "
                    "(93, 'C1', 'C', 1, 'required', :at, :at)"
                ),
                {"at": AT},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO serial_unit (id, product_id, serial, state, store_id, version, "
                    "updated_at) VALUES (1, 91, 'S1', 'in_stock', 90, 1, :at), "
                    "(2, 92, 'S1', 'expected', 90, 1, :at), (3, 93, 'S1', 'sold', 90, 1, :at), "
                    "(4, 91, 'S2', 'sold', 90, 1, :at), (5, 92, 'S2', 'in_stock', 90, 1, :at)"
                ),
                {"at": AT},
            )
        migrate.upgrade(db)
        with db.engine.begin() as conn:
            rows = conn.execute(sa.text("SELECT id, shared_by FROM serial_unit ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            (1, None),
            (2, "before 0016"),
            (3, None),
            (4, None),
            (5, None),
        ]
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE serial_unit SET state = 'in_stock' WHERE id = 4")
            )  # S2 live twice
        with db.engine.begin() as conn:  # sold stays out of the index
            conn.execute(sa.text("UPDATE serial_unit SET state = 'sold' WHERE id = 1"))
            conn.execute(sa.text("UPDATE serial_unit SET state = 'in_stock' WHERE id = 3"))
    finally:
        db.dispose()
