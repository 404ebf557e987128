"""The unit of work on one order: the transaction with its permission check, the order being
changed inside it, and the small row helpers the header, lines and checkout rooms share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import line_money, sale_sql
from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.chain_settings import ChainSettings
from serialpos.domain.events import DocumentRef
from serialpos.domain.settings import StoreSettings
from serialpos.domain.users import Permission
from serialpos.services.context import Actor
from serialpos.services.orders.views import DOCUMENT_TYPE
from serialpos.services.settings import chain_settings_in, settings_in

T = TypeVar("T")


def _write(db: Database, actor: Actor, work: Callable[[Connection], T]) -> T:
    actor.require(Permission.SELL)
    return db.write(work)


def _touch(conn: Connection, order_id: int, **values: object) -> None:
    if not values:  # every step of a sale
        sale_sql.touch(conn, order_id, utcnow())
        return
    if values.keys() == {"status"}:  # a fulfilment, a park or a resume
        sale_sql.touch(conn, order_id, utcnow(), str(values["status"]))
        return
    conn.execute(
        sa.update(orepo.order_t)
        .where(orepo.order_t.c.id == order_id)
        .values(updated_at=utcnow(), **values)
    )


@dataclass(frozen=True)
class _Ctx:
    """One order being changed inside one transaction."""

    conn: Connection
    db: Database
    actor: Actor
    row: sa.Row[object]
    #: An order opened in this transaction: the line rows written to it so far, as their
    #: inserts returned them (None: an order from before, whose lines are read when needed).
    new_lines: list[sa.Row[object]] | None = None

    @property
    def id(self) -> int:
        return int(self.row._mapping["id"])

    @property
    def number(self) -> str:
        return str(self.row._mapping["number"])

    @property
    def store(self) -> str:
        return str(self.row._mapping["store_code"])

    @property
    def store_id(self) -> int:
        return int(self.row._mapping["store_id"])

    def settings(self) -> StoreSettings:
        """The store's settings, read once per transaction (a step asks several times)."""
        found = self.__dict__.get("_settings")
        if found is None:
            found = settings_in(self.db, self.conn, self.store)
            object.__setattr__(self, "_settings", found)
        return found

    def chain_settings(self) -> ChainSettings:
        """The chain's settings, read once per transaction."""
        found = self.__dict__.get("_chain_settings")
        if found is None:
            found = chain_settings_in(self.conn)
            object.__setattr__(self, "_chain_settings", found)
        return found

    def doc(self, line_number: int) -> DocumentRef:
        return DocumentRef(DOCUMENT_TYPE, self.number, str(line_number))


def _new_id(result: sa.CursorResult[object]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _row_total(row: sa.Row[object]) -> Decimal:
    return line_money.row_amounts(row).gross
