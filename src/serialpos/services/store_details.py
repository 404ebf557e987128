"""A store's address and tax number: set, clear and read them (managers and admins set)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db import repo, settings_sql
from serialpos.db.engine import Database
from serialpos.domain.store_details import StoreDetails, check_store_detail
from serialpos.domain.users import Permission
from serialpos.services.context import Actor


def store_details_in(db: Database, conn: Connection, store_code: str) -> StoreDetails:
    sid = repo.store_id(db, conn, store_code)
    s = repo.store_setting_t.c
    rows = conn.execute(sa.select(s.key, s.value).where(s.store_id == sid))
    return StoreDetails.from_values({key: value for key, value in rows})


def get_store_details(db: Database, store_code: str) -> StoreDetails:
    return db.read(lambda conn: store_details_in(db, conn, store_code))


def set_store_detail(
    db: Database, actor: Actor, key: str, value: str, store_code: str
) -> StoreDetails:
    """Set ``store_address`` or ``tax_number`` at one store."""
    actor.require(Permission.MANAGE_SETTINGS)
    key, text = check_store_detail(key, value)

    def work(conn: Connection) -> StoreDetails:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        sid = repo.store_id(db, conn, store_code)
        stmt = insert(repo.store_setting_t).values(store_id=sid, key=key, value=text)
        conn.execute(
            stmt.on_conflict_do_update(index_elements=["store_id", "key"], set_={"value": text})
        )
        settings_sql.forget_settings(conn)
        return store_details_in(db, conn, store_code)

    return db.write(work)


def clear_store_detail(db: Database, actor: Actor, key: str, store_code: str) -> StoreDetails:
    actor.require(Permission.MANAGE_SETTINGS)
    key = key.strip()

    def work(conn: Connection) -> StoreDetails:
        sid = repo.store_id(db, conn, store_code)
        s = repo.store_setting_t.c
        conn.execute(sa.delete(repo.store_setting_t).where(s.store_id == sid, s.key == key))
        settings_sql.forget_settings(conn)
        return store_details_in(db, conn, store_code)

    return db.write(work)
