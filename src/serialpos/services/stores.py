"""Stores: add and list."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadValue
from serialpos.domain.products import check_short_text
from serialpos.domain.users import Permission
from serialpos.services.context import Actor


@dataclass(frozen=True)
class StoreInfo:
    code: str
    name: str


def add_store(db: Database, actor: Actor, code: str, name: str) -> StoreInfo:
    actor.require(Permission.MANAGE_STORES)
    code = check_short_text(code, "store code", 16)
    name = check_short_text(name, "store name", 100)
    if not code or " " in code:
        raise BadValue("a store code is 1-16 characters without spaces")
    if not name:
        raise BadValue("the store name is blank")

    def work(conn: Connection) -> StoreInfo:
        exists = conn.execute(sa.select(repo.store_t.c.id).where(repo.store_t.c.code == code))
        if exists.first() is not None:
            raise BadValue(f"store {code} already exists", code="duplicate_store")
        conn.execute(sa.insert(repo.store_t).values(code=code, name=name))
        return StoreInfo(code, name)

    return db.write(work)


def list_stores(db: Database) -> list[StoreInfo]:
    def work(conn: Connection) -> list[StoreInfo]:
        q = sa.select(repo.store_t.c.code, repo.store_t.c.name).order_by(repo.store_t.c.code)
        return [StoreInfo(c, n) for c, n in conn.execute(q)]

    return db.read(work)
