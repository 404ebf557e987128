"""Migration 0026 (terminal-gaps) on SQLite and PostgreSQL: a transfer with its lines and
units, made at 0025, is kept; afterwards a transfer may be ``refused`` (a store terminal's
copy of a shipment central did not take) and any other unknown status is still refused by
the database."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from serialpos.db import migrate
from serialpos.db.engine import Database

AT = datetime(2026, 12, 3, 6, 0, 0)


def test_0026_allows_a_refused_transfer_and_keeps_the_rest(db_url: str) -> None:
    db = Database(db_url)
    try:
        migrate.upgrade(db, "0025")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO store (id, code, name, created_at) VALUES "
                    "(90, 'MA', 'A', :at), (91, 'MB', 'B', :at)"
                ),
                {"at": AT},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO product (id, sku, name, price, serial_mode, created_at, "
                    "updated_at) VALUES (91, 'A1', 'A', 1, 'required', :at, :at)"
                ),
                {"at": AT},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO transfer (id, number, from_store_id, to_store_id, status, "
                    "created_by, terminal, created_at) VALUES "
                    "(7, 'TR-7', 90, 91, 'shipped', 'ada', 't', :at)"
                ),
                {"at": AT},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO transfer_unit (transfer_id, product_id, serial, received) "
                    "VALUES (7, 91, 'X1', false)"
                )
            )
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE transfer SET status = 'refused' WHERE id = 7"))

        migrate.upgrade(db)
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE transfer SET status = 'refused' WHERE id = 7"))
            kept = conn.execute(
                sa.text(
                    "SELECT t.number, t.status, u.serial FROM transfer t "
                    "JOIN transfer_unit u ON u.transfer_id = t.id"
                )
            ).all()
        assert [tuple(r) for r in kept] == [("TR-7", "refused", "X1")]
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE transfer SET status = 'lost' WHERE id = 7"))
    finally:
        db.dispose()
