"""Which database a file kept outside it belongs to (a blind receipt's draft, say).

Drafts live in the user's data directory, shared by every database the console opens (a demo,
a test copy, the shop's own). A draft named by its store code alone was offered to resume at
any database with a store of that code: scans from a demo could be taken up in the shop. So a
draft carries its database's identity and is offered, and resumed, only there.

The identity is a hash of the database's address (its URL, the password left out) and of when
its store's row was made. A database rebuilt at the same path (a fresh demo) made its store
anew: another identity. No row is added for it (no migration), and a till's copy of central's
store at another address is another database too.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from serialpos.db.engine import Database
from serialpos.db.repo import store_t
from serialpos.domain.errors import UnknownStore
from serialpos.domain.text import clip

_MADE = sa.select(store_t.c.id, store_t.c.created_at).where(store_t.c.code == sa.bindparam("code"))


def database_identity(db: Database, store: str) -> str:
    """A short stable identity of ``db`` as seen from ``store`` (16 hex digits)."""
    made = db.read(lambda conn: conn.execute(_MADE, {"code": store}).first())
    if made is None:
        raise UnknownStore(f"there is no store '{clip(store)}'")
    address = make_url(db.url).set(password=None).render_as_string(hide_password=False)
    text = f"{address}|{made.id}|{made.created_at.isoformat()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
