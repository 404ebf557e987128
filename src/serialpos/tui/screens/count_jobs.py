"""What the counts screen's workers ask of the counts service, one function per job: find the
open counts (and the one to resume, refused when it belongs to another store), open a new count,
start a batch, reconcile, approve. Each runs on a worker thread and returns what the screen
shows; a refusal is raised as the service's error."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from serialpos.db.engine import Database
    from serialpos.services.context import Actor
    from serialpos.services.counts import Approval, CountInfo, Reconciliation


def load(db: Database, store: str, resume: str | None) -> tuple[list[CountInfo], CountInfo | None]:
    """The open counts at ``store``, and the count to resume (it must be at this store)."""
    from serialpos.services import counts

    chosen = counts.get_count(db, resume) if resume else None
    if chosen is not None and chosen.store != store:
        raise counts.UnknownCount(f"count {chosen.number} is at {chosen.store}, not at {store}")
    return counts.open_counts(db, store), chosen


def open_new(
    db: Database, actor: Actor, store: str, skus: list[str] | None
) -> tuple[list[CountInfo], CountInfo]:
    """A new count (of the whole store, or of ``skus``), and the open counts with it."""
    from serialpos.services import counts

    info = counts.open_count(db, actor, store, skus)
    return counts.open_counts(db, store), info


def start_batch(db: Database, actor: Actor, number: str, counter: str) -> tuple[CountInfo, int]:
    """A new batch for ``counter``: the count as it is now, and the batch's number. The name
    field takes pasted text (``TAKES_PASTED_TEXT``), which the keys cannot tell from a scan
    cut by a pause: a scan's text (a known serial, a barcode) is refused as the name, as the
    return to vendor's vendor and reason are (services/rtv.form_text)."""
    from serialpos.services import counts
    from serialpos.services.rtv import form_text

    counter = form_text(db, counter, "name of who counts", counts.MAX_COUNTER)
    batch = counts.start_batch(db, actor, number, counter)
    return counts.get_count(db, number), batch.number


def review(db: Database, number: str) -> Reconciliation:
    from serialpos.services import counts

    return counts.reconcile(db, number)


def approve(db: Database, actor: Actor, number: str, outbox: Path, reviewed: int) -> Approval:
    """Approve the count as reviewed: ``reviewed`` is how many scans the reconciliation the
    approver confirmed read (a count scanned since is refused: services/counts/reviewed.py)."""
    from serialpos.services import counts

    return counts.approve(db, actor, number, outbox, reviewed=reviewed)
