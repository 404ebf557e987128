"""Customer records: add, find (by any part of name, phone, email or address, any case), show
with what they bought (serials included), edit, and attach one to an order.

Decisions taken here:
- Anyone who may sell may keep customer records: the counter creates them mid-sale.
- Attaching a record to an order also copies its name, phone and address onto the order: the
  delivery gate and the picking list read the order's copy, and an order sold before records
  existed has only that copy. Readers answering "who bought serial X" prefer the record
  (db/customer_tables.customer_field_of), so an edit to the record shows everywhere.
- "What they bought" is every order line sold to the record (removed lines and voided orders
  left out), newest first, with its serial, the invoice it went out on and the line's state
  (sold, returned, still on an open order).
- The field rules (limits, control characters refused, folded search) are in
  domain/customers.py; nothing here renders, so markup in a name stays plain text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db.customer_tables import customer_t
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.customers import CustomerFields, checked, search_key, search_terms
from serialpos.domain.errors import BadValue, DomainError
from serialpos.domain.orders import LineStatus, OrderStatus
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services import journal_sink
from serialpos.services.context import Actor

#: The most records one search lists; ``more`` says there were others.
MAX_FOUND = 50
#: The most purchase lines a record's card lists.
MAX_BOUGHT = 500


class UnknownCustomer(DomainError):
    code = "unknown_customer"


@dataclass(frozen=True)
class CustomerView:
    id: int
    name: str
    phone: str | None
    email: str | None
    address: str | None
    #: The chain-wide key (db/customer_tables.py): the same at central and every terminal.
    key: str | None = None


@dataclass(frozen=True)
class Bought:
    """One order line sold to the customer."""

    order: str
    line: int
    sku: str
    product: str
    quantity: int
    serial: str | None
    status: str  # open (still on the order), fulfilled, returned
    invoice: str | None
    date: datetime


@dataclass(frozen=True)
class Found:
    customers: tuple[CustomerView, ...]
    more: bool


@dataclass(frozen=True)
class CustomerCard:
    customer: CustomerView
    bought: tuple[Bought, ...]


customer_c = customer_t.c


def _view(row: sa.Row[object]) -> CustomerView:
    m = row._mapping
    return CustomerView(int(m["id"]), m["name"], m["phone"], m["email"], m["address"], m.get("key"))


def _values(fields: CustomerFields) -> dict[str, object]:
    return {
        "name": fields.name,
        "phone": fields.phone,
        "email": fields.email,
        "address": fields.address,
        "search_key": search_key(fields),
    }


def record_in(conn: Connection, customer_id: int) -> CustomerView:
    row = conn.execute(sa.select(customer_t).where(customer_c.id == customer_id)).first()
    if row is None:
        raise UnknownCustomer(f"there is no customer {customer_id}")
    return _view(row)


def new_key() -> str:
    """A record's chain-wide key, minted where the record is made (offline on a terminal)."""
    return uuid.uuid4().hex


def add_in(
    conn: Connection, actor: Actor, fields: CustomerFields, key: str | None = None
) -> CustomerView:
    """A new record inside the caller's transaction (``apply``'s order_create, the counter),
    under ``key`` (a terminal's, from its journal entry) or a new one."""
    good = checked(fields)
    now = utcnow()
    key = key or new_key()
    new_id = conn.execute(
        sa.insert(customer_t)
        .values(**_values(good), key=key, created_by=actor.user, created_at=now, updated_at=now)
        .returning(customer_c.id)
    ).scalar_one()
    return CustomerView(int(new_id), good.name, good.phone, good.email, good.address, key)


def _journal(
    db: Database, conn: Connection, actor: Actor, key: str | None, **fields: object
) -> None:
    """On a store terminal, the record's change goes to central as a ``customer_upsert``
    entry in the same transaction (services/customer_sync.py applies it there)."""
    journal_sink.record(db, conn, actor, {"op": "customer_upsert", "key": key, **fields})


def add_customer(db: Database, actor: Actor, fields: CustomerFields) -> CustomerView:
    actor.require(Permission.SELL)
    good = checked(fields)  # refused before any transaction

    def work(conn: Connection) -> CustomerView:
        made = add_in(conn, actor, good)
        _journal(
            db,
            conn,
            actor,
            made.key,
            name=made.name,
            phone=made.phone,
            email=made.email,
            address=made.address,
        )
        return made

    return db.write(work)


def edit_customer(
    db: Database, actor: Actor, customer_id: int, changes: dict[str, str | None]
) -> CustomerView:
    """Change some fields (``{"phone": "..."}``; an empty string clears a field, the name
    cannot be cleared). On a store terminal only the fields changed are journaled: an edit
    of another field at central or at another till meanwhile is kept."""
    actor.require(Permission.SELL)
    unknown = set(changes) - {"name", "phone", "email", "address"}
    if unknown:
        raise BadValue(f"a customer has no field {', '.join(sorted(unknown))}")

    def work(conn: Connection) -> CustomerView:
        now = record_in(conn, customer_id)
        merged = {
            "name": now.name,
            "phone": now.phone,
            "email": now.email,
            "address": now.address,
        }
        merged.update(changes)
        good = checked(CustomerFields(merged["name"] or "", *(merged[k] for k in _REST)))
        conn.execute(
            sa.update(customer_t)
            .where(customer_c.id == customer_id)
            .values(**_values(good), updated_at=utcnow())
        )
        _journal(db, conn, actor, now.key, **{k: getattr(good, k) or "" for k in changes})
        return CustomerView(customer_id, good.name, good.phone, good.email, good.address, now.key)

    return db.write(work)


_REST = ("phone", "email", "address")


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_in(conn: Connection, query: str, limit: int = MAX_FOUND) -> Found:
    terms = search_terms(query)
    where = [customer_c.search_key.like(_like(t), escape="\\") for t in terms]
    rows = conn.execute(
        sa.select(customer_t)
        .where(*where)
        .order_by(customer_c.name, customer_c.id)
        .limit(limit + 1)
    ).all()
    return Found(tuple(_view(r) for r in rows[:limit]), len(rows) > limit)


def find_customers(db: Database, actor: Actor, query: str, limit: int = MAX_FOUND) -> Found:
    """Records whose name, phone, email or address hold every word of ``query``, any case
    (a phone typed with spaces matches by its digits), by name."""
    actor.require(Permission.SELL)
    if limit < 1:
        raise BadValue("the limit must be at least 1")
    search_terms(query)  # refused before any transaction
    return db.read(lambda conn: find_in(conn, query, limit))


order_c, line_c, invoice_c = orepo.order_t.c, orepo.line_t.c, orepo.invoice_t.c
_BOUGHT = (
    sa.select(
        order_c.number,
        line_c.number.label("line"),
        line_c.sku,
        line_c.name,
        line_c.quantity,
        line_c.serial,
        line_c.status,
        invoice_c.number.label("invoice"),
        sa.func.coalesce(invoice_c.issued_at, order_c.created_at).label("date"),
    )
    .select_from(
        orepo.line_t.join(orepo.order_t, order_c.id == line_c.order_id).outerjoin(
            orepo.invoice_t, invoice_c.id == line_c.invoice_id
        )
    )
    .where(
        order_c.customer_id == sa.bindparam("customer"),
        line_c.status != LineStatus.REMOVED,
        # A voided order bought nothing (its lines stay "open" but hold nothing).
        order_c.status != OrderStatus.VOIDED.value,
    )
    .order_by(order_c.id.desc(), line_c.number)
    .limit(MAX_BOUGHT)
)


def show_customer(db: Database, actor: Actor, customer_id: int) -> CustomerCard:
    """The record and what it bought, newest order first, serials included."""
    actor.require(Permission.SELL)

    def work(conn: Connection) -> CustomerCard:
        record = record_in(conn, customer_id)
        bought = tuple(
            Bought(
                r.number,
                int(r.line),
                r.sku,
                r.name,
                int(r.quantity),
                r.serial,
                r.status,
                r.invoice,
                r.date,
            )
            for r in conn.execute(_BOUGHT, {"customer": customer_id})
        )
        return CustomerCard(record, bought)

    return db.read(work)


def attach_in(conn: Connection, order_id: int, customer_id: int) -> CustomerView:
    """Make ``customer_id`` the order's customer (and copy its details onto the order)."""
    record = record_in(conn, customer_id)
    conn.execute(
        sa.update(orepo.order_t)
        .where(order_c.id == order_id)
        .values(
            customer_id=record.id,
            customer_name=record.name,
            customer_phone=record.phone,
            customer_address=record.address,
            updated_at=utcnow(),
        )
    )
    return record


def parse_id(text: str) -> int:
    """A customer id as typed (``12``), refused clearly otherwise."""
    value = text.strip()
    if not value.isdigit() or len(value) > 12:
        raise BadValue(f"'{clip(value)}' is not a customer id (a whole number)")
    return int(value)


@dataclass(frozen=True)
class KeyedRecord:
    """A record named by its chain-wide key, with its details (a store terminal's sale)."""

    key: str
    fields: CustomerFields


def record_for_in(
    conn: Connection, actor: Actor, record: int | CustomerFields | KeyedRecord
) -> int:
    """The id of ``record``: an id is checked; a key finds its record (else one is added
    under that key); details find the record holding exactly them (a host retrying the same
    order makes no second record), else a new one is added."""
    if isinstance(record, int):
        return record_in(conn, record).id
    if isinstance(record, KeyedRecord):
        found = conn.execute(sa.select(customer_c.id).where(customer_c.key == record.key)).scalar()
        return (
            int(found) if found is not None else add_in(conn, actor, record.fields, record.key).id
        )
    good = checked(record)
    same = conn.execute(
        sa.select(customer_c.id)
        .where(
            customer_c.name == good.name,
            *(
                (
                    customer_c[k].is_(None)
                    if getattr(good, k) is None
                    else customer_c[k] == getattr(good, k)
                )
                for k in _REST
            ),
        )
        .order_by(customer_c.id)
        .limit(1)
    ).scalar()
    return int(same) if same is not None else add_in(conn, actor, good).id
