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


def link_in(conn: Connection, db: Database, api_terminal: str) -> tuple[str, str] | None:
    """(terminal id, store code) of the token terminal ``api_terminal``, read in ``conn``
    the first time; None while it has no link."""
    key = (str(db.url), api_terminal)
    found = _LINKS.get(key)
    if found is None:
        found = conflict_sql.link_of(conn, api_terminal)
        if found is not None:
            _LINKS[key] = found
    return found
