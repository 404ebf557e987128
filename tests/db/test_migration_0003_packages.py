"""Migration 0003 (packages): the package_type column and the product_component table, with
their constraints, on SQLite and PostgreSQL; and it downgrades cleanly to 0002."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command

from serialpos.db import migrate
from serialpos.db.engine import Database

AT = datetime(2026, 1, 5, 9, 30, 0)


def _insert_products(conn: sa.Connection) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO product (id, sku, name, price, serial_mode, created_at, updated_at, "
            "package_type) VALUES "
            "(1, 'PH1', 'Phone', 1, 'required', :at, :at, NULL), "
            "(2, 'BN1', 'Bundle', 1, 'required', :at, :at, 'consolidated')"
        ),
        {"at": AT},
    )


def test_0003_constraints_and_downgrade(db_url: str) -> None:
    db = Database(db_url)
    try:
        migrate.upgrade(db, "0003")
        with db.engine.begin() as conn:
            _insert_products(conn)
            conn.exec_driver_sql(
                "INSERT INTO product_component (package_id, component_id, quantity) "
                "VALUES (2, 1, 1)"
            )
        bad = [
            "UPDATE product SET package_type = 'boxed' WHERE id = 1",
            "INSERT INTO product_component (package_id, component_id, quantity) VALUES (1, 2, 0)",
            "INSERT INTO product_component (package_id, component_id, quantity) VALUES (2, 2, 1)",
            "INSERT INTO product_component (package_id, component_id, quantity) VALUES (2, 99, 1)",
            "INSERT INTO product_component (package_id, component_id, quantity) VALUES (2, 1, 3)",
        ]
        for statement in bad:
            with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
                conn.exec_driver_sql(statement)

        cfg = migrate._config()
        with db.engine.connect() as conn:
            conn.execution_options(serialpos_write=True)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
            conn.commit()
        assert migrate.current_revision(db) == "0002"
        inspector = sa.inspect(db.engine)
        assert "product_component" not in inspector.get_table_names()
        assert "package_type" not in {c["name"] for c in inspector.get_columns("product")}
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT sku FROM product ORDER BY id").all() == [
                ("PH1",),
                ("BN1",),
            ]
    finally:
        db.dispose()
