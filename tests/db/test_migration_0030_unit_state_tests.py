"""Migration 0030 (bulk5): on SQLite the unit's state is tested by ``=`` terms in
``ck_serial_unit_state`` and the live-serial index, so writing a unit no longer builds a
temporary B-tree per row for each ``IN (...)`` list; the same rows are accepted and refused
as before, units made at 0029 are kept, and the downgrade puts the lists back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from serialpos.db import migrate
from serialpos.db.engine import Database

AT = datetime(2026, 12, 4, 6, 0, 0)


def _seed(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO store (id, code, name, created_at) VALUES (90, 'MA', 'A', :at)"),
            {"at": AT},
        )
        conn.execute(
            sa.text(
                "INSERT INTO product (id, sku, name, price, serial_mode, created_at, "
                "updated_at) VALUES (91, 'A1', 'A', 1, 'required', :at, :at), "
                "(92, 'B1', 'B', 1, 'required', :at, :at)"
            ),
            {"at": AT},
        )
        conn.execute(
            sa.text(
                "INSERT INTO serial_unit (id, product_id, serial, state, store_id, version, "
                "updated_at) VALUES (1, 91, 'LIVE1', 'in_stock', 90, 1, :at), "
                "(2, 91, 'GONE1', 'sold', 90, 1, :at)"
            ),
            {"at": AT},
        )


def _unit(conn: sa.Connection, uid: int, product: int, serial: str, state: str) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO serial_unit (id, product_id, serial, state, store_id, version, "
            "updated_at) VALUES (:id, :product, :serial, :state, 90, 1, :at)"
        ),
        {"id": uid, "product": product, "serial": serial, "state": state, "at": AT},
    )


def _ephemeral_tables(db: Database) -> int:
    """``OpenEphemeral`` steps in the programs of a unit's insert and state update."""
    with db.engine.connect() as conn:
        steps = [
            *conn.exec_driver_sql(
                "EXPLAIN INSERT INTO serial_unit (state, store_id, version, updated_at, "
                "product_id, serial) VALUES (?, 90, 1, ?, 91, ?)",
                ("expected", AT.isoformat(" "), "X"),
            ),
            *conn.exec_driver_sql(
                "EXPLAIN UPDATE serial_unit SET state = ? WHERE id = 1", ("sold",)
            ),
        ]
    return sum(1 for step in steps if step[1] == "OpenEphemeral")


def test_0030_keeps_units_and_refuses_the_same_rows(db_url: str) -> None:
    db = Database(db_url)
    try:
        migrate.upgrade(db, "0029_saleexec")
        _seed(db)
        migrate.upgrade(db)
        with db.engine.begin() as conn:
            kept = conn.execute(sa.text("SELECT id, serial, state FROM serial_unit ORDER BY id"))
            assert [tuple(r) for r in kept] == [(1, "LIVE1", "in_stock"), (2, "GONE1", "sold")]
            _unit(conn, 3, 92, "GONE1", "expected")  # a sold serial may live again elsewhere
            conn.execute(sa.text("UPDATE serial_unit SET state = 'written_off' WHERE id = 3"))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            _unit(conn, 4, 92, "LIVE1", "expected")  # live under product 91 already
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            _unit(conn, 5, 92, "NEW1", "lost")  # not a state
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE serial_unit SET state = 'lost' WHERE id = 1"))
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM serial_unit")).scalar_one() == 3
            if db.engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    finally:
        db.dispose()


def test_0030_writes_a_unit_without_building_a_list_per_row(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'units.sqlite'}")
    try:
        migrate.upgrade(db, "0029_saleexec")
        _seed(db)
        # The CHECK and the index's WHERE, in both programs (SQLite 3.40: five lists).
        assert _ephemeral_tables(db) >= 2
        migrate.upgrade(db)
        assert _ephemeral_tables(db) == 0
        with db.engine.connect() as conn:
            stored = " ".join(
                conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name IN "
                    "('serial_unit', 'uq_serial_unit_live_serial')"
                ).scalars()
            )
        assert "IN (" not in stored
        assert "(state = 'in_stock' OR state = 'reserved' OR state = 'in_transit' OR " in stored

        cfg = migrate._config()
        with db.engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0029_saleexec")
            conn.commit()
        db.dispose()
        assert _ephemeral_tables(db) >= 2
        with db.engine.connect() as conn:
            index = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'uq_serial_unit_live_serial'"
            ).scalar_one()
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        assert "WHERE state IN ('in_stock', 'reserved', 'in_transit', 'expected') AND" in index
    finally:
        db.dispose()
