"""The event-file outbox: a completed document owes its file in the same commit, and the
file is written after the commit.

A file is never half-written (temporary file, then rename) and never lost: a crash between
the commit and the write leaves the outbox row owed, and :func:`write_owed` writes it at the
next start. Writing a file again gives the same bytes, so a resend is always safe.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.engine import Database
from serialpos.db.stock_tables import EventOutbox
from serialpos.db.tables import utcnow
from serialpos.domain.errors import DomainError
from serialpos.domain.event_files import EventFile, EventLine, merge_lines, render
from serialpos.domain.text import clip
from serialpos.files import write_atomically

outbox_t: sa.Table = EventOutbox.__table__  # type: ignore[attr-defined]
outbox_c = outbox_t.c


class UnknownDocument(DomainError):
    code = "unknown_document"


@dataclass(frozen=True)
class WriteReport:
    """What a write of owed files did: the files written and, per file, why one was not."""

    written: tuple[Path, ...] = ()
    failed: tuple[str, ...] = field(default_factory=tuple)

    @property
    def message(self) -> str:
        """A sentence for a screen or a log; empty when there is nothing to say."""
        if not self.failed:
            return ""
        return (
            "event file not written yet (it stays owed and is written at the next start "
            f"or with `serialpos events resend`): {'; '.join(self.failed)}"
        )


def owe(
    conn: Connection,
    *,
    event_type: str,
    document_id: str,
    store: str,
    user: str,
    lines: Iterable[EventLine],
    completed_at: datetime | None = None,
) -> EventFile:
    """Record, inside the completing transaction, that this document's file is owed."""
    event = EventFile(
        event_type, document_id, store, completed_at or utcnow(), user, merge_lines(lines)
    )
    conn.execute(
        outbox_t.insert().values(
            event_type=event.event_type,
            document_id=document_id,
            store=store,
            completed_at=event.completed_at,
            user_name=user,
            rows=json.dumps(
                [[ln.sku, ln.quantity, list(ln.serials)] for ln in event.lines],
                separators=(",", ":"),
            ),
        )
    )
    return event


def _event(row: sa.Row[object]) -> EventFile:
    m = row._mapping
    lines = tuple(
        EventLine(sku, int(qty), tuple(serials)) for sku, qty, serials in json.loads(m["rows"])
    )
    return EventFile(
        m["event_type"], m["document_id"], m["store"], m["completed_at"], m["user_name"], lines
    )


def _write(db: Database, folder: Path, rows: list[sa.Row[object]]) -> WriteReport:
    written: list[Path] = []
    failed: list[str] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return WriteReport(
            (), (f"the outbox folder {folder} cannot be made: {exc.strerror or exc}",)
        )
    for row in rows:
        event = _event(row)
        target = folder / event.name
        try:
            write_atomically(target, render(event))
        except OSError as exc:
            failed.append(f"{target}: {exc.strerror or exc}")
            continue
        _mark_written(db, int(row._mapping["id"]))
        written.append(target)
    return WriteReport(tuple(written), tuple(failed))


def _mark_written(db: Database, row_id: int) -> None:
    def work(conn: Connection) -> None:
        conn.execute(outbox_t.update().where(outbox_c.id == row_id).values(written_at=utcnow()))

    db.write(work)


def write_owed(db: Database, folder: Path) -> WriteReport:
    """Write every file still owed into ``folder``, oldest first."""
    rows = db.read(
        lambda conn: list(
            conn.execute(
                sa.select(outbox_t).where(outbox_c.written_at.is_(None)).order_by(outbox_c.id)
            )
        )
    )
    return _write(db, folder, rows)


def write_owed_to(db: Database, folder: Path | None) -> WriteReport:
    """As :func:`write_owed`; with no folder known (a line applied at central without a
    terminal config) the files stay owed and the report says so."""
    if folder is None:
        return WriteReport((), ("no outbox folder is configured",))
    return write_owed(db, folder)


def owed_count(db: Database) -> int:
    return int(
        db.read(
            lambda conn: conn.execute(
                sa.select(sa.func.count())
                .select_from(outbox_t)
                .where(outbox_c.written_at.is_(None))
            ).scalar_one()
        )
    )


def resend(
    db: Database, folder: Path, document_id: str, event_type: str | None = None
) -> WriteReport:
    """Write a document's file(s) again, as written the first time. A document id can name
    more than one file (a transfer's shipment and its receipt); ``event_type`` picks one."""
    query = sa.select(outbox_t).where(outbox_c.document_id == document_id)
    if event_type is not None:
        query = query.where(outbox_c.event_type == event_type)
    rows = db.read(lambda conn: list(conn.execute(query.order_by(outbox_c.id))))
    if not rows:
        what = f"{event_type} " if event_type else ""
        raise UnknownDocument(f"no {what}event file is recorded for document '{clip(document_id)}'")
    return _write(db, folder, rows)


def event_file(db: Database, event_type: str, document_id: str) -> EventFile | None:
    """The recorded file of one document, as it is (or will be) written."""
    row = db.read(
        lambda conn: conn.execute(
            sa.select(outbox_t).where(
                outbox_c.event_type == event_type, outbox_c.document_id == document_id
            )
        ).first()
    )
    return None if row is None else _event(row)
