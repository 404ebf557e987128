"""Whether a token has recorded at central as a token of no terminal (the SQL behind
services/snapshot.py ``link``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.tables import LedgerChain

_chain = LedgerChain.__table__.c  # type: ignore[attr-defined]


def has_recorded(conn: Connection, api_terminal: str) -> bool:
    """Whether events were recorded under the token's own terminal name (``api:<name>``):
    its lines applied with no terminal, as a host system's or an admin's are (a till's
    entries are recorded under the till's id). Read from the chains' heads, one per store
    and terminal, not from the ledger itself."""
    found = conn.execute(sa.select(_chain.id).where(_chain.terminal == api_terminal).limit(1))
    return found.first() is not None
