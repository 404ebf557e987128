"""``terminal_link.last_seq`` (migration 0040): the highest journal entry number central took
from a store terminal, read locked and moved on in the transaction that applies its entries
(services/till_seqs.py)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.sync_tables import TerminalLink

link_t: sa.Table = TerminalLink.__table__  # type: ignore[attr-defined]
link_c = link_t.c


def last_seq(conn: Connection, api_terminal: str, *, lock: bool = True) -> int | None:
    """The token terminal's last entry number central took (None: none known), its link's
    row locked on PostgreSQL so two pushes of one till move it one after the other (SQLite
    has one writer)."""
    query = sa.select(link_c.last_seq).where(link_c.api_terminal == api_terminal)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    found = conn.execute(query).scalar()
    return None if found is None else int(found)


def move_last_seq(conn: Connection, api_terminal: str, seq: int) -> None:
    """Set the token terminal's last entry number to ``seq`` when higher (never lowered)."""
    conn.execute(
        link_t.update()
        .where(
            link_c.api_terminal == api_terminal,
            sa.or_(link_c.last_seq.is_(None), link_c.last_seq < seq),
        )
        .values(last_seq=seq)
    )
