"""The locked order read brings its store's settings (order_settings.keep_settings_of): the row
comes back without them, and the settings kept for the transaction are what the tables hold,
also after they change (issue 15: the settings' text is parsed once per distinct text, and
the row's shape worked out once per statement)."""

from __future__ import annotations

from serialpos.db import order_repo as orepo
from serialpos.db import settings_sql
from serialpos.db.engine import Database
from serialpos.services import settings
from serialpos.services.context import Actor
from serialpos.services.orders.header import open_order


def _read(db: Database, number: str) -> tuple[dict[str, object], dict[str, str], dict[str, str]]:
    """The locked read's row, the settings it kept, and the settings read from the tables
    in a transaction of their own."""

    def locked(conn: object) -> tuple[dict[str, object], dict[str, str]]:
        row = orepo.order_row(conn, number, lock=True)  # type: ignore[arg-type]
        assert row is not None
        store = int(row._mapping["store_id"])  # type: ignore[call-overload]
        return dict(row._mapping), settings_sql.setting_values(conn, store)  # type: ignore[arg-type]

    row, kept = db.write(locked)

    def fresh(conn: object) -> dict[str, str]:
        return settings_sql.setting_values(conn, int(row["store_id"]))  # type: ignore[arg-type, call-overload]

    return row, kept, db.read(fresh)


def test_the_locked_read_keeps_the_settings_as_the_tables_hold_them(
    db: Database, admin: Actor
) -> None:
    number = open_order(db, admin, "S1").order
    plain = db.read(lambda conn: dict(orepo.order_row(conn, number)._mapping))  # type: ignore[union-attr]
    row, kept, tables = _read(db, number)
    # The settings columns are off the row; the rest is the order as a plain read gives it.
    assert set(row) == {*plain, "has_payments"} and row["has_payments"] in (0, False)
    assert {k: row[k] for k in plain} == plain
    assert kept == tables == {}
    settings.set_setting(db, admin, "serialized_inventory", "false", "S1")
    settings.set_setting(db, admin, "show_serial_on_invoice", "false", None)
    row, kept, tables = _read(db, number)
    assert {k: row[k] for k in plain} == plain and len(row) == len(plain) + 1
    assert kept == tables == {"serialized_inventory": "false", "show_serial_on_invoice": "false"}
    settings.set_setting(db, admin, "serialized_inventory", "true", "S1")
    _row, kept, tables = _read(db, number)
    assert kept == tables == {"serialized_inventory": "true", "show_serial_on_invoice": "false"}
