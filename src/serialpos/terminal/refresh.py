"""Settings and catalogue taken again from central after the snapshot (issue 16).

The event feed carries ledger events only: a product made at central reaches a terminal with
the first event naming it (terminal/pull.py), but a changed price, a new barcode or a
changed store setting would not. So the sync, every :data:`REFRESH_SECONDS` while online,
asks central for its settings and catalogue (``GET /v1/snapshot?part=reference``) and takes
them (db/snapshot_sql.py ``take_reference``). Users (PIN hashes), stores, package components
and documents made after the snapshot are not refreshed: set the terminal up again for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import journal, snapshot_sql
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.terminal.client import CentralClient

#: Seconds between two refreshes of a terminal that stays online.
REFRESH_SECONDS = 300.0


def refreshed_at(db: Database) -> datetime | None:
    text = db.read(lambda conn: journal.get_state(conn, "refreshed_at"))
    return None if not text else datetime.fromisoformat(text)


def due(db: Database) -> bool:
    """Whether the sync takes central's settings again: never taken since the snapshot,
    taken :data:`REFRESH_SECONDS` ago or more, or taken at a time after the till's clock
    now. A till whose clock ran hours ahead during one sync stored that time; read as
    "just refreshed", it froze the copy (a manager's PIN rule or a price limit set at
    central never reached the till) until the clock caught up. Ordering never comes from
    the till's clock: a time it cannot have lived through yet counts as due."""
    last = refreshed_at(db)
    if last is None:
        return True
    now = utcnow()
    return last > now or now - last >= timedelta(seconds=REFRESH_SECONDS)


def refresh(db: Database, chain: ChainConfig, client: CentralClient) -> None:
    """Take central's settings and catalogue now (one local transaction)."""
    ref = client.get_json(
        "/v1/snapshot", store=chain.store, terminal=chain.terminal, part="reference"
    )

    def write(conn: Connection) -> None:
        snapshot_sql.take_reference(conn, ref)
        journal.set_state(conn, "refreshed_at", utcnow().isoformat())

    db.write(write)
