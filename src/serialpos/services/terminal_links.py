"""Which terminal and store a token's terminal is bound to (``terminal_link``, made by its
snapshot: services/snapshot.py), read once per server process.

A link is made once and never changes (another terminal or store on the same token is
refused, and token names are never reused), so every push and pull of a terminal needs no
read of it after the first. A token with no link yet is read again each time: its
terminal may take its snapshot at any moment.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError


class NotLinked(DomainError):
    code = "terminal_not_linked"


class WrongStore(DomainError):
    code = "wrong_store"


class OtherTerminal(DomainError):
    """The token belongs to another terminal than the entry's: a till set up with the
    wrong token. The token is wrong, not the entry (the terminal keeps it pending)."""

    code = "other_terminal"


#: Links found, per database URL and token terminal (``api:<token name>``).
_LINKS: dict[tuple[str, str], tuple[str, str]] = {}
#: The first sealed entry number known of each link (migration 0038), same keys: read with
#: the link, and set by :func:`note_sealed`. Only ever lowered or set, never cleared (a till
#: that seals never stops), so a worker's copy may lag another's, never wrongly refuse.
_SEALED: dict[tuple[str, str], int] = {}


def link_in(conn: Connection, db: Database, api_terminal: str) -> tuple[str, str] | None:
    """(terminal id, store code) of the token terminal ``api_terminal``, read in ``conn``
    the first time; None while it has no link."""
    key = (str(db.url), api_terminal)
    found = _LINKS.get(key)
    if found is None:
        row = conflict_sql.link_and_seal(conn, api_terminal)
        if row is not None:
            found = _LINKS[key] = (row[0], row[1])
            if row[2] is not None:
                _SEALED[key] = min(row[2], _SEALED.get(key, row[2]))
    return found


def seals_from(conn: Connection, db: Database, api_terminal: str) -> int | None:
    """The first sealed entry number of the token terminal's link, or None: no sealed entry
    of it taken yet. Known once, it is kept (a till that seals never stops); not known, it is
    read again, once per transaction (``conn.info``), as another worker may have taken the
    till's first sealed entry since this one read the link (at a pull, say). Asked only for
    an entry with no seal, which a till sends only for entries made before seals."""
    key = (str(db.url), api_terminal)
    known = _SEALED.get(key)
    if known is not None:
        return known
    transaction = conn.get_transaction()
    memo = conn.info.setdefault("sealed_read", {})
    if memo.get(api_terminal) is not transaction:
        memo[api_terminal] = transaction
        row = conflict_sql.link_and_seal(conn, api_terminal)
        if row is not None and row[2] is not None:
            _SEALED[key] = known = row[2]
    return known


def note_sealed(conn: Connection, db: Database, api_terminal: str, seq: int) -> None:
    """Remember, in ``conn``'s transaction, that the token's terminal sent entry ``seq``
    sealed: one statement the first time a worker sees it seal (or an earlier sealed
    entry), none after."""
    key = (str(db.url), api_terminal)
    known = _SEALED.get(key)
    if known is not None and known <= seq:
        return
    conflict_sql.mark_sealed(conn, api_terminal, seq)
    _SEALED[key] = seq
