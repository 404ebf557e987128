"""A whole count at once (``serialpos apply``): opened, scanned, reconciled and approved in
one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.engine import Connection

from serialpos.db.engine import Database
from serialpos.domain.count_reconciliation import (
    Reconciliation,
)
from serialpos.domain.errors import (
    BadRequest,
    DomainError,
)
from serialpos.domain.users import Permission
from serialpos.services import event_files
from serialpos.services.context import Actor
from serialpos.services.counts.approval import (
    TillCount,
    approve_in,
)
from serialpos.services.counts.batches import (
    batch_in,
    open_in,
)
from serialpos.services.counts.reconciling import (
    plan_count,
)
from serialpos.services.counts.scanning import (
    scan_in,
)
from serialpos.services.counts.views import (
    ScanInput,
    ScanOutcome,
)
from serialpos.services.event_files import WriteReport
from serialpos.services.settings import settings_in

#: Refusals of one scan that say where the unit is (not that the line is wrong).
UNIT_REFUSALS = frozenset({"duplicate_serial"})


# -- a whole count at once (serialpos apply) ------------------------------------------
@dataclass(frozen=True)
class BatchInput:
    counter: str
    scans: tuple[ScanInput, ...]


def count_at_once(
    db: Database,
    actor: Actor,
    store: str,
    batches: Sequence[BatchInput],
    *,
    products: Sequence[str] | None = None,
    approve_it: bool = False,
    outbox: Path | None = None,
    number: str | None = None,
    till: TillCount | None = None,
) -> tuple[Reconciliation, list[ScanOutcome], WriteReport]:
    """Open a count, record its batches and scans, reconcile it and (``approve_it``) approve
    it, all in ONE transaction: a refused scan records nothing. Returns the reconciliation,
    the alerts (repeat scans, serials in two batches) and how writing the file went.
    ``number``: the count's number as a store terminal gave it (its journaled count);
    ``till``: that count's decisions, posted where still legal (services/counts/approval.py).
    A scan of a till's count that central refuses because of the unit (its serial live as
    another product's here) is left out of central's copy: the till's decision on that unit
    becomes a conflict, and the rest of the count stands."""
    if approve_it:
        actor.require(Permission.ADJUST)
    if not batches:
        raise BadRequest("a count needs at least one batch")

    def work(conn: Connection) -> tuple[Reconciliation, list[ScanOutcome]]:
        count = open_in(db, conn, actor, store, products, number)
        tracked = settings_in(db, conn, store).serialized_inventory
        alerts: list[ScanOutcome] = []
        skipped: list[dict[str, str | None]] = []  # a till's scans central left out
        for n, batch in enumerate(batches, start=1):
            info = batch_in(conn, actor, count, batch.counter)
            for i, one in enumerate(batch.scans, start=1):
                try:
                    outcome = scan_in(
                        db, conn, actor, count, info.number, one, tracked, warn_elsewhere=False
                    )
                except DomainError as exc:
                    if till is not None and exc.code in UNIT_REFUSALS:
                        skipped.append({"sku": one.sku, "serial": one.serial})
                        continue
                    raise DomainError(
                        f"batch {n}, scan {i}: {exc.message}", code=exc.code
                    ) from None
                if outcome.alert:
                    alerts.append(outcome)
        if approve_it:
            done = approve_in(db, conn, actor, count, till).reconciliation
            if skipped and done.central is not None:  # their units go back to the till too
                not_here = [*done.central.get("not_here", ()), *skipped]
                done = replace(done, central={**done.central, "not_here": not_here})
            return done, alerts
        return plan_count(db, conn, count).reconciliation(), alerts

    result, alerts = db.write(work)
    files = WriteReport()
    if approve_it and outbox is not None:
        files = event_files.write_owed(db, outbox)
    return result, alerts, files
