"""Store settings: read the values in force, change them (managers and admins)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db import repo, settings_sql
from serialpos.db.engine import Database
from serialpos.domain.chain_settings import ChainSettings, check_chain_setting, is_chain_setting
from serialpos.domain.discounts import LIMIT_SETTING, parse_limit
from serialpos.domain.errors import BadValue
from serialpos.domain.products import parse_bool
from serialpos.domain.settings import StoreSettings, check_setting
from serialpos.domain.users import Permission
from serialpos.services.context import Actor


def settings_in(db: Database, conn: Connection, store_code: str | None) -> StoreSettings:
    """The settings in force: the store's own values over the chain defaults over the built-in
    defaults."""
    sid = None if store_code is None else repo.store_id(db, conn, store_code)
    return StoreSettings.from_stored(settings_sql.setting_values(conn, sid))


def setting_in_force(key: str, chain_value: str | None, store_value: str | None) -> bool:
    """One setting from its stored values, by the same rule as :func:`settings_in`: the
    store's value over the chain's over the built-in default."""
    value = store_value if store_value is not None else chain_value
    values = {} if value is None else {key: value}
    return bool(getattr(StoreSettings.from_stored(values), key))


def get_settings(db: Database, store_code: str | None = None) -> StoreSettings:
    return db.read(lambda conn: settings_in(db, conn, store_code))


def chain_settings_in(conn: Connection) -> ChainSettings:
    """The chain-only settings (lockout, idle log out) in force."""
    return ChainSettings.from_stored(settings_sql.setting_values(conn, None))


def get_chain_settings(db: Database) -> ChainSettings:
    return db.read(chain_settings_in)


def set_setting(
    db: Database, actor: Actor, key: str, value: str, store_code: str | None = None
) -> StoreSettings:
    """Set one setting for one store, or the chain default when no store is named. The
    chain-only numbers (:class:`ChainSettings`) take no store."""
    actor.require(Permission.MANAGE_SETTINGS)
    if is_chain_setting(key):
        if store_code is not None:
            raise BadValue(f"{key.strip()} is a chain setting: set it without --store")
        key, number = check_chain_setting(key, value)
        text = str(number).lower() if isinstance(number, bool) else str(number)
    elif key.strip() == LIMIT_SETTING:  # a number, per store (services/orders/discounts.py)
        key, text = LIMIT_SETTING, f"{parse_limit(value).normalize():f}"
    else:
        key, flag = check_setting(key, value)
        text = "true" if flag else "false"

    def work(conn: Connection) -> StoreSettings:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        if store_code is None:
            stmt = insert(repo.chain_setting_t).values(key=key, value=text)
            stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"value": text})
        else:
            sid = repo.store_id(db, conn, store_code)
            stmt = insert(repo.store_setting_t).values(store_id=sid, key=key, value=text)
            stmt = stmt.on_conflict_do_update(
                index_elements=["store_id", "key"], set_={"value": text}
            )
        conn.execute(stmt)
        settings_sql.forget_settings(conn)
        return settings_in(db, conn, store_code)

    return db.write(work)


@dataclass(frozen=True)
class SettingSource:
    """One store setting at one store: the value in force and where it comes from."""

    key: str
    in_force: bool
    #: The chain's default as stored (None: the built-in default holds).
    chain: bool | None
    #: The store's own value (None: the store follows the chain).
    store: bool | None


def setting_sources(db: Database, store_code: str) -> list[SettingSource]:
    """Each store setting at ``store_code`` beside the chain default, so an override shows."""

    def work(conn: Connection) -> list[SettingSource]:
        sid = repo.store_id(db, conn, store_code)
        chain = settings_sql.setting_values(conn, None)
        own = conn.execute(
            sa.select(repo.store_setting_t.c.key, repo.store_setting_t.c.value).where(
                repo.store_setting_t.c.store_id == sid
            )
        )
        store = {key: value for key, value in own}
        found = []
        for key in StoreSettings.names():
            found.append(
                SettingSource(
                    key,
                    setting_in_force(key, chain.get(key), store.get(key)),
                    None if key not in chain else parse_bool(chain[key]),
                    None if key not in store else parse_bool(store[key]),
                )
            )
        return found

    return db.read(work)


def clear_setting(db: Database, actor: Actor, key: str, store_code: str) -> StoreSettings:
    """Remove a store's own value: the store follows the chain default again."""
    actor.require(Permission.MANAGE_SETTINGS)
    key = key.strip()
    if is_chain_setting(key):
        raise BadValue(f"{key} is a chain setting: a store has no value of its own to clear")
    if key != LIMIT_SETTING:
        check_setting(key, "on")  # an unknown key is named

    def work(conn: Connection) -> StoreSettings:
        sid = repo.store_id(db, conn, store_code)
        s = repo.store_setting_t.c
        conn.execute(sa.delete(repo.store_setting_t).where(s.store_id == sid, s.key == key))
        settings_sql.forget_settings(conn)
        return settings_in(db, conn, store_code)

    return db.write(work)
