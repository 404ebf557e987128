"""Customer records across a chain's store terminals (issue 16).

A record is known everywhere by its chain-wide key (db/customer_tables.py), minted where it is
made; its local id differs from one database to another.

- **Terminal to central.** Adding or editing a record on a terminal journals a
  ``customer_upsert`` line in the same local transaction (services/customers.py); central
  applies it here: the record holding the key takes the fields the line carries, or is added
  under that key. A resend of the same entry is answered from its stored outcome; a second
  entry with the same fields changes nothing either, so no resend ever makes a second record.
- **Edits at two places** (decided for issue 16): a terminal's edit carries only the fields it
  changed, so an edit of another field at central or at another till meanwhile is kept. For
  the same field, the edit central applies last stands (a till's edit is applied when it is
  pushed); every terminal then takes central's record by the pull below. Customer details are
  no unit's state: no conflict is recorded for them.
- **Central to terminals.** The snapshot carries every record; each sync round then asks for
  the records changed since central's clock at its last look, less :data:`OVERLAP_SECONDS`
  (a record written by a transaction that committed after that look is still seen), and takes
  them by key (:func:`take_in`; taking one twice changes nothing). Only central's clock is
  compared with central's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.customer_tables import customer_t
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.customers import CustomerFields, checked, search_key
from serialpos.domain.errors import BadRequest
from serialpos.domain.users import Permission
from serialpos.services.context import Actor
from serialpos.services.customers import CustomerView, add_in

#: A terminal asks again for the records changed this long before its last look.
OVERLAP_SECONDS = 30.0
#: The fields a ``customer_upsert`` line may carry besides ``key``.
FIELDS = ("name", "phone", "email", "address")
#: The columns sent to a terminal (its local id is its own).
_SENT = ("key", *FIELDS, "search_key", "created_by", "created_at", "updated_at")

c = customer_t.c


def check_key(key: object) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > 40 or not key.isprintable():
        raise BadRequest("'key' must be the record's key: text of 1 to 40 printable characters")
    return key


def upsert(
    db: Database, actor: Actor, key: str, changes: Mapping[str, str | None]
) -> tuple[CustomerView, bool]:
    """Apply a terminal's ``customer_upsert``: (the record, whether it was added). ``changes``
    holds the fields to set; a field left out keeps its value, ``""`` clears it."""
    actor.require(Permission.SELL)
    key = check_key(key)

    def work(conn: Connection) -> tuple[CustomerView, bool]:
        row = conn.execute(sa.select(customer_t).where(c.key == key)).first()
        if row is None:
            return add_in(conn, actor, _fields(changes), key), True
        m = row._mapping
        good = _fields({**{k: m[k] for k in FIELDS}, **changes})
        values = {k: getattr(good, k) for k in FIELDS}
        if values != {k: m[k] for k in FIELDS}:
            conn.execute(
                sa.update(customer_t)
                .where(c.id == m["id"])
                .values(**values, search_key=search_key(good), updated_at=utcnow())
            )
        view = CustomerView(int(m["id"]), good.name, good.phone, good.email, good.address, key)
        return view, False

    return db.write(work)


def _fields(values: Mapping[str, str | None]) -> CustomerFields:
    if not values.get("name"):
        raise BadRequest("a new customer record needs its 'name'")
    return checked(CustomerFields(*(values.get(k) or None for k in FIELDS)))  # type: ignore[arg-type]


def records_in(conn: Connection, since: datetime | None = None) -> list[dict[str, Any]]:
    """The records changed at or after ``since`` (every one without), oldest change first,
    as a terminal takes them."""
    q = sa.select(*(c[k] for k in _SENT)).order_by(c.updated_at, c.id)
    if since is not None:
        q = q.where(c.updated_at >= since)
    return [
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r._mapping.items()}
        for r in conn.execute(q)
    ]


def changed_since(db: Database, actor: Actor, since: datetime | None) -> dict[str, Any]:
    """``GET /v1/customers?changed_since=``: the records changed since then, and ``until``,
    central's clock when it looked (the terminal's next ``changed_since``, less the overlap)."""
    actor.require(Permission.SELL)

    def work(conn: Connection) -> dict[str, Any]:
        until = utcnow()
        return {"customers": records_in(conn, since), "until": until.isoformat()}

    return db.read(work)


def next_since(until: str) -> str:
    """What a terminal asks from next, given central's ``until``."""
    return (datetime.fromisoformat(until) - timedelta(seconds=OVERLAP_SECONDS)).isoformat()


def take_in(conn: Connection, records: list[dict[str, Any]]) -> int:
    """On a terminal: central's records replace the local ones by key, new ones are added;
    the number that changed here."""
    if not records:
        return 0
    local = {
        k: (cid, stamp) for cid, k, stamp in conn.execute(sa.select(c.id, c.key, c.updated_at))
    }
    changed = 0
    for r in records:
        if not r.get("key"):
            continue
        values = {k: r[k] for k in _SENT}
        values["created_at"] = datetime.fromisoformat(r["created_at"])
        values["updated_at"] = datetime.fromisoformat(r["updated_at"])
        found = local.get(r["key"])
        if found is None:
            conn.execute(sa.insert(customer_t).values(**values))
        elif found[1] != values["updated_at"]:
            conn.execute(sa.update(customer_t).where(c.id == found[0]).values(**values))
        else:
            continue
        changed += 1
    return changed
