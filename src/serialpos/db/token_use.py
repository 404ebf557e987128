"""Whether a token has recorded at central as a token of no terminal, and whether a
terminal has (the SQL behind services/snapshot.py ``link`` and ``take``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.integration_tables import ApplyOutcome
from serialpos.db.sync_tables import SyncConflict
from serialpos.db.tables import LedgerChain

_chain = LedgerChain.__table__.c  # type: ignore[attr-defined]
_outcome = ApplyOutcome.__table__.c  # type: ignore[attr-defined]
_conflict = SyncConflict.__table__.c  # type: ignore[attr-defined]


def has_recorded(conn: Connection, api_terminal: str) -> bool:
    """Whether events were recorded under the token's own terminal name (``api:<name>``):
    its lines applied with no terminal, as a host system's or an admin's are (a till's
    entries are recorded under the till's id). Read from the chains' heads, one per store
    and terminal, not from the ledger itself."""
    found = conn.execute(sa.select(_chain.id).where(_chain.terminal == api_terminal).limit(1))
    return found.first() is not None


def terminal_has_recorded(conn: Connection, terminal_id: str) -> bool:
    """Whether central holds anything a terminal of this id sent: an entry applied (its
    outcome), a conflict, or a ledger event (a chain head). Asked once per ``terminal
    init``; the outcomes have no index by terminal, so a first init reads them whole, once."""
    found = conn.execute(
        sa.select(
            sa.or_(
                sa.exists().where(_chain.terminal == terminal_id),
                sa.exists().where(_conflict.terminal == terminal_id),
                sa.exists().where(_outcome.terminal == terminal_id),
            )
        )
    )
    return bool(found.scalar())
