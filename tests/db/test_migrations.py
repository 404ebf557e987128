"""Migrations keep data: a database made at the first revision, filled with plain SQL, then
brought to head, on SQLite and PostgreSQL. And a database at the wrong revision is refused with
the command that fixes it."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest
import sqlalchemy as sa

from serialpos.db import migrate
from serialpos.db.engine import Database, DatabaseError
from serialpos.domain.errors import AlreadySold
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products, settings, stock, stores, users
from serialpos.services.context import SYSTEM
from serialpos.services.integrity import check_ledger

AT = datetime(2026, 1, 5, 9, 30, 0)
NEW_IMEI = "867530012345672"

FILL = [
    (
        "INSERT INTO store (id, code, name, created_at) VALUES (1, 'S1', 'Main Street', :at), "
        "(2, 'S2', 'Harbour Mall', :at)"
    ),
    (
        "INSERT INTO app_user (id, name, role, pin_hash, active, created_at) "
        "VALUES (1, 'ada', 'admin', 'scrypt$16384$8$1$c2FsdA==$ZGlnZXN0', :yes, :at)"
    ),
    "INSERT INTO chain_setting (key, value) VALUES ('auto_prompt_serial', 'false')",
    (
        "INSERT INTO store_setting (store_id, key, value) "
        "VALUES (2, 'show_serial_on_invoice', 'false')"
    ),
    (
        "INSERT INTO product (id, sku, name, price, serial_mode, serial_format, tax_rate, "
        "warranty_months, bin, created_at, updated_at) VALUES "
        "(1, 'PH1', 'Phone', 499.99, 'required', 'imei', 20, 24, 'A-1', :at, :at), "
        "(2, 'AC1', 'Cable', 9.50, 'disabled', NULL, NULL, NULL, NULL, :at, :at)"
    ),
    "INSERT INTO product_barcode (id, product_id, gtin) VALUES (1, 1, '04006381333931')",
    (
        "INSERT INTO serial_unit (id, product_id, serial, state, store_id, version, updated_at) "
        "VALUES (1, 1, '490154203237518', 'in_stock', 1, 1, :at), "
        "(2, 1, '356938035643809', 'sold', 1, 2, :at)"
    ),
    ("INSERT INTO stock_level (product_id, store_id, quantity) VALUES (1, 1, 1), (2, 1, 5)"),
    (
        "INSERT INTO ledger_event (id, at, action, user_name, terminal, store_id, product_id, "
        "unit_id, serial, from_state, to_state, quantity, document_type, document_id, "
        "document_line, reason) VALUES "
        "(1, :at, 'receive', 'ada', 't1', 1, 1, 1, '490154203237518', NULL, 'in_stock', 1, "
        "'receipt', 'R-1', '1', NULL), "
        "(2, :at, 'receive', 'ada', 't1', 1, 1, 2, '356938035643809', NULL, 'in_stock', 1, "
        "'receipt', 'R-1', '2', NULL), "
        "(3, :at, 'sell', 'ada', 't1', 1, 1, 2, '356938035643809', 'in_stock', 'sold', -1, "
        "'sale', 'INV-7', '1', NULL), "
        "(4, :at, 'receive', 'ada', 't1', 1, 2, NULL, NULL, NULL, NULL, 5, "
        "'receipt', 'R-1', '3', 'opening stock')"
    ),
]


def _old_database(url: str) -> Database:
    db = Database(url)
    first = migrate.first_revision()
    assert migrate.upgrade(db, first) == (None, first)
    assert migrate.current_revision(db) == first
    with db.engine.begin() as conn:
        for statement in FILL:
            conn.execute(sa.text(statement), {"at": AT, "yes": True})
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in (
                "store",
                "app_user",
                "product",
                "product_barcode",
                "serial_unit",
                "ledger_event",
            ):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
    return db


def test_first_and_head_revisions_differ() -> None:
    assert migrate.first_revision() == "0001"
    assert migrate.head_revision() != migrate.first_revision()


def test_upgrade_keeps_data_and_adds_head_behaviour(db_url: str) -> None:
    db = _old_database(db_url)
    try:
        # At the first revision events could still be edited (which is what 0002 closes).
        with db.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE ledger_event SET reason = 'opening' WHERE id = 4")

        before, after = migrate.upgrade(db)
        assert (before, after) == (migrate.first_revision(), migrate.head_revision())
        migrate.ensure_current(db)  # does not raise

        # Every row is still there, with its values.
        assert [(s.code, s.name) for s in stores.list_stores(db)] == [
            ("S1", "Main Street"),
            ("S2", "Harbour Mall"),
        ]
        assert [(u.name, u.role.value, u.active) for u in users.list_users(db)] == [
            ("ada", "admin", True)
        ]
        phone = products.get_product(db, "PH1")
        assert (
            phone.name,
            str(phone.price),
            phone.serial_mode.value,
            phone.serial_format,
            phone.barcodes,
            phone.warranty_months,
            phone.bin,
        ) == ("Phone", "499.99", "required", "imei", ("04006381333931",), 24, "A-1")
        assert products.find_by_barcode(db, "4006381333931") == phone
        assert settings.get_settings(db, "S1").auto_prompt_serial is False
        assert settings.get_settings(db, "S2").show_serial_on_invoice is False
        assert settings.get_settings(db, "S1").show_serial_on_invoice is True
        levels = {(x.store, x.sku): (x.quantity, x.units_in_stock) for x in stock.stock_levels(db)}
        assert levels == {("S1", "PH1"): (1, 1), ("S1", "AC1"): (5, 0)}
        sold = lookup.lookup_serial(db, "356938035643809")
        assert [(c.sku, c.state, c.store) for c in sold] == [("PH1", "sold", "S1")]
        assert [
            (e.action, e.from_state, e.to_state, e.document_id, e.at) for e in sold[0].events
        ] == [("receive", None, "in_stock", "R-1", AT), ("sell", "in_stock", "sold", "INV-7", AT)]
        with db.engine.connect() as conn:
            reasons = conn.exec_driver_sql("SELECT reason FROM ledger_event WHERE id = 4").all()
        assert reasons == [("opening",)]
        assert check_ledger(db) == []

        # Head behaviour: events are append-only in the database itself.
        for statement in (
            "UPDATE ledger_event SET reason = 'edited' WHERE id = 1",
            "DELETE FROM ledger_event WHERE id = 1",
        ):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.exec_driver_sql(statement)
        with db.engine.connect() as conn:
            count = conn.exec_driver_sql("SELECT count(*) FROM ledger_event").scalar()
        assert count == 4

        # And the services work on the migrated data.
        admin = users.actor_for(db, "ada", "t2")
        ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["490154203237518"])
        with pytest.raises(AlreadySold):
            ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["356938035643809"])
        ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH1", serials=[NEW_IMEI])
        stores.add_store(db, SYSTEM, "S3", "New Town")
        assert check_ledger(db) == []
        assert [(c.state, c.store) for c in lookup.lookup_serial(db, "490154203237518")] == [
            ("sold", "S1")
        ]
    finally:
        db.dispose()


def test_upgrade_of_current_database_is_a_no_op(db_url: str) -> None:
    db = Database(db_url)
    try:
        head = migrate.head_revision()
        assert migrate.upgrade(db) == (None, head)
        assert migrate.upgrade(db) == (head, head)
    finally:
        db.dispose()


def test_ensure_current_refuses_an_old_database(db_url: str) -> None:
    db = _old_database(db_url)
    try:
        with pytest.raises(DatabaseError) as err:
            migrate.ensure_current(db)
        message = str(err.value)
        assert "serialpos db upgrade" in message
        assert migrate.first_revision() in message and migrate.head_revision() in message
    finally:
        db.dispose()


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert migrate.head_from_files() == migrate.head_revision()


def test_a_current_database_is_checked_without_importing_alembic(db_url: str) -> None:
    """Every command and the console check the schema at start; Alembic (with Mako and a
    dozen Pygments lexers, about 100 ms) is imported only to migrate or to say what is
    wrong."""
    db = Database(db_url)
    try:
        migrate.upgrade(db)
    finally:
        db.dispose()
    probe = (
        "import sys\n"
        "from serialpos.services.database import check_schema, open_database\n"
        "db = open_database(sys.argv[1], must_exist=True)\n"
        "check_schema(db, set_up_if_new=True)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, db_url], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_ensure_current_refuses_an_empty_database(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert migrate.current_revision(db) is None
        with pytest.raises(DatabaseError) as err:
            migrate.ensure_current(db)
        assert "serialpos db init" in str(err.value)
    finally:
        db.dispose()


def _cli():  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from serialpos.cli.app import app

    return CliRunner(), app


CLEAN_ENV = {"SERIALPOS_USER": None, "SERIALPOS_DB": None, "SERIALPOS_CONFIG": None}


def test_cli_db_upgrade_names_the_revisions(db_url: str) -> None:
    _old_database(db_url).dispose()
    runner, app = _cli()
    first, head = migrate.first_revision(), migrate.head_revision()

    refused = runner.invoke(app, ["--db", db_url, "store", "list"], env=CLEAN_ENV)
    assert refused.exit_code == 1
    assert "serialpos db upgrade" in refused.stderr
    assert "Traceback" not in refused.output

    result = runner.invoke(app, ["--db", db_url, "db", "upgrade"], env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    assert f"database upgraded from schema {first} to {head}" in result.stdout
    again = runner.invoke(app, ["--db", db_url, "db", "upgrade"], env=CLEAN_ENV)
    assert again.exit_code == 0
    assert f"database already at schema {head}" in again.stdout

    listed = runner.invoke(app, ["--db", db_url, "store", "list", "--json"], env=CLEAN_ENV)
    assert listed.exit_code == 0, listed.output
    assert '"code": "S1"' in listed.stdout and '"code": "S2"' in listed.stdout


def test_cli_on_an_empty_database_names_db_init(db_url: str) -> None:
    runner, app = _cli()
    result = runner.invoke(app, ["--db", db_url, "stock"], env=CLEAN_ENV)
    assert result.exit_code == 1
    assert "serialpos db init" in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
