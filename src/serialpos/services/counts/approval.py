"""Approving a count (managers and admins): its adjustments posted as ledger events and its
event file owed, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.count_decisions import Decided, Settled, of_reconciliation
from serialpos.domain.count_reconciliation import Reconciliation, UnitRef, elsewhere_unit
from serialpos.domain.counts import (
    CountClosed,
    Elsewhere,
    ElsewhereAction,
    Place,
    quantity_residual,
)
from serialpos.domain.document_status import BatchStatus, CountStatus
from serialpos.domain.event_files import EventLine, EventType
from serialpos.domain.events import DocumentRef
from serialpos.domain.products import SerialMode
from serialpos.domain.states import Action
from serialpos.domain.users import Permission
from serialpos.services import event_files, journal_sink, ledger
from serialpos.services.context import Actor
from serialpos.services.counts import till_decisions
from serialpos.services.counts.reconciling import (
    plan_count,
    reconciliation_from_json,
    reconciliation_json,
)
from serialpos.services.counts.reviewed import refuse_unreviewed
from serialpos.services.counts.views import (
    DOCUMENT_TYPE,
    LEDGER_CHUNK,
    Approval,
    CountRow,
    batch_c,
    batch_t,
    count_c,
    count_row,
    count_t,
    scan_c,
)


# -- approval -------------------------------------------------------------------------
def _chunks(serials: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(serials), LEDGER_CHUNK):
        yield serials[start : start + LEDGER_CHUNK]


def _quantity_event(
    conn: Connection, actor: Actor, count: CountRow, product_id: int, delta: int, reason: str
) -> None:
    """A quantity-only correction of a serial-required product, which the ledger's own
    quantity moves refuse (they would need serials): on-hand brought to the units known."""
    action = Action.ADJUST_ADD if delta > 0 else Action.ADJUST_REMOVE
    repo.add_events(
        conn,
        [
            {
                "at": utcnow(),
                "action": action.value,
                "user_name": actor.user,
                "terminal": actor.terminal,
                "store_id": count.store_id,
                "product_id": product_id,
                "unit_id": None,
                "serial": None,
                "from_state": None,
                "to_state": None,
                "quantity": delta,
                "document_type": DOCUMENT_TYPE,
                "document_id": count.number,
                "document_line": None,
                "reason": reason,
            }
        ],
    )
    repo.bump_stock(conn, product_id, count.store_id, delta)


def _counted_words(reason: str, target: int, on_hand: int, moved: int) -> str:
    """The reason of a quantity correction: counted against the on hand when counted, and
    what moved since (kept: the count's variance is applied to today's on hand)."""
    if not moved:
        return f"{reason}: counted {target}, on hand {on_hand}"
    return (
        f"{reason}: counted {target - moved}, on hand {on_hand - moved} when counted, "
        f"{moved:+d} since"
    )


@dataclass(frozen=True)
class TillCount:
    """A store terminal's count at central: the till's decisions, the entry it came in and
    the line as sent (services/counts/till_decisions.py)."""

    decided: Decided
    origin: till_decisions.Origin
    line: Mapping[str, Any]


def approve_in(
    db: Database,
    conn: Connection,
    actor: Actor,
    count: CountRow,
    till: TillCount | None = None,
    *,
    reviewed: int | None = None,
) -> Approval:
    """Post the count's adjustments. ``till``: a store terminal's count, whose own decisions
    are posted where still legal instead of central's view of the count (a conflict for
    each decision that is not: domain/count_decisions.py). ``reviewed``: how many scans the
    reconciliation the approver confirmed read; a count scanned since is refused
    (services/counts/reviewed.py)."""
    actor.require(Permission.ADJUST)
    if count.status != CountStatus.OPEN:
        raise CountClosed(f"count {count.number} was approved already: a count is approved once")
    if reviewed is not None:
        refuse_unreviewed(conn, count, reviewed)
    plan = plan_count(db, conn, count)
    result = plan.reconciliation()
    # A scan of the till's that central does not hold in stock here is the unit on the
    # shelf, though the till (which held it in stock) decided nothing on it: put back when
    # written off here, a conflict when central holds it elsewhere (domain/count_decisions).
    not_in_stock_here = [
        (each.product.sku, e.serial)
        for each in plan.plans
        if each.classes is not None
        for e in each.classes.elsewhere
    ]
    settled = (
        None
        if till is None
        else till_decisions.settle_in(
            conn, till.decided, count.store, count.number, not_in_stock_here
        )
    )
    posted: set[str] = set()  # the products whose units the till's decisions moved
    document = DocumentRef(DOCUMENT_TYPE, count.number)
    reason = f"count {count.number}"
    lines: list[EventLine] = []
    added = removed = net = 0
    store = count.store
    for each in plan.plans:
        item, classes, target = each.product, each.classes, each.target
        change = 0
        # The units written off and the units added are two lines of the event file, so the
        # host sees which serial went which way (docs/event_files.md); a quantity-only
        # correction goes on the line of its direction.
        removals, additions = 0, 0
        gone: list[str] = []
        back: list[str] = []
        if classes is not None:
            if settled is None:
                gone = list(classes.missing)
                back = list(classes.never_seen) + [
                    e.serial for e in classes.elsewhere if e.action is ElsewhereAction.RESTORE
                ]
            else:  # the till's decisions, as far as they are legal here
                gone, back = sorted(settled.remove.get(item.sku, [])), settled.back(item.sku)
                posted.add(item.sku)
            for chunk in _chunks(gone):
                removals += ledger.move_in(
                    conn,
                    db,
                    actor,
                    ledger.Step(Action.ADJUST_REMOVE, store, item.sku, chunk),
                    document,
                    f"{reason}: not found",
                ).quantity
            for chunk in _chunks(sorted(back)):
                additions += ledger.move_in(
                    conn,
                    db,
                    actor,
                    ledger.Step(Action.ADJUST_ADD, store, item.sku, chunk),
                    document,
                    f"{reason}: found",
                ).quantity
            change = removals + additions
            removed += len(gone)
            added += len(back)
            if settled is not None:
                # The units in stock here once the till's decisions are posted (units the
                # till never saw stay), and an optional product's unlabelled quantity.
                unlabelled = item.counted_quantity if item.mode is SerialMode.OPTIONAL else 0
                target = item.here_count + change + unlabelled
            residual = quantity_residual(target, item.on_hand + change)
            if residual and item.mode is SerialMode.REQUIRED:
                _quantity_event(
                    conn,
                    actor,
                    count,
                    plan.ids[item.sku],
                    residual,
                    f"{reason}: quantity brought to the units counted (serial tracking starts)",
                )
                change += residual
        else:
            residual = target - item.on_hand
        if residual and (classes is None or item.mode is SerialMode.OPTIONAL):
            action = Action.ADJUST_ADD if residual > 0 else Action.ADJUST_REMOVE
            change += ledger.move_in(
                conn,
                db,
                actor,
                ledger.Step(action, store, item.sku, quantity=abs(residual)),
                document,
                _counted_words(reason, target, item.on_hand, item.moved_quantity),
            ).quantity
        quantity_only = change - removals - additions
        lines += [
            EventLine(item.sku, signed, tuple(serials))
            for signed, serials in ((removals, gone), (additions, back), (quantity_only, ()))
            if signed or serials
        ]
        net += change
    event_files.owe(
        conn,
        event_type=EventType.COUNT.value,
        document_id=count.number,
        store=store,
        user=actor.user,
        lines=lines,
    )
    final = replace(result, approved=True)
    if till is not None and settled is not None:
        # A decision on a product central counts by quantity here (the store's serialized
        # inventory switched off since the till's snapshot) is not posted: said, not dropped.
        settled.illegal += till_decisions.not_posted(settled, posted, count.store, count.number)
        conflicts = till_decisions.record_conflicts(
            conn, till.origin, count.store_id, till.line, settled.illegal
        )
        final = _as_posted(final, settled, store, conflicts)
    conn.execute(
        count_t.update()
        .where(count_c.id == count.id, count_c.status == CountStatus.OPEN)
        .values(
            status=CountStatus.APPROVED,
            approved_by=actor.user,
            approved_at=utcnow(),
            reconciliation=json.dumps(reconciliation_json(final), separators=(",", ":")),
        )
    )
    conn.execute(
        batch_t.update()
        .where(batch_c.count_id == count.id, batch_c.status == BatchStatus.OPEN)
        .values(status=BatchStatus.CLOSED, closed_at=utcnow())
    )
    # On a store terminal: the count as central's ``count`` op takes it, every batch with
    # its scans, approved there under the same number (services/journal_sink.py).
    if journal_sink.on_terminal(db):
        journal_sink.record(
            db, conn, actor, count_line(conn, count) | {"decided": decided_of(final)}
        )
    return Approval(final, added, removed, net)


def _as_posted(
    result: Reconciliation, settled: Settled, store: str, conflicts: list[dict[str, Any]]
) -> Reconciliation:
    """A till's count as central posted it: written off, added and put back what the till
    decided and central could carry out; each decision it could not, under ``central``."""
    restored = tuple(
        elsewhere_unit(sku, Elsewhere(serial, Place("written_off", store), ElsewhereAction.RESTORE))
        for sku in sorted(settled.restore)
        for serial in sorted(settled.restore[sku])
    )
    # The scans central does not hold in stock here (its own view): with the decisions, the
    # units whose state the verdict carries back to the till (services/entry_units.py); a
    # scan central holds in stock here is in stock here on the till too, or was decided.
    not_here = [{"sku": u.sku, "serial": u.serial} for u in result.never_seen] + [
        {"sku": e.sku, "serial": e.serial} for e in result.elsewhere
    ]
    return replace(
        result,
        missing=tuple(UnitRef(k, s) for k in sorted(settled.remove) for s in settled.remove[k]),
        never_seen=tuple(UnitRef(k, s) for k in sorted(settled.add) for s in settled.add[k]),
        elsewhere=restored,
        central={"state": "accepted", "conflicts": conflicts, "not_here": not_here},
    )


def count_line(conn: Connection, count: CountRow) -> dict[str, object]:
    """The ``count`` line that makes this count, approved, at central: its number, its
    products (when chosen), and its batches with their scans as recorded."""
    product_c = repo.product_t.c
    batches: dict[int, dict[str, object]] = {}
    for batch_id, counter in conn.execute(
        sa.select(batch_c.id, batch_c.counter)
        .where(batch_c.count_id == count.id)
        .order_by(batch_c.id)
    ):
        batches[batch_id] = {"counter": counter, "scans": []}
    for batch_id, sku, serial, quantity in conn.execute(
        sa.select(scan_c.batch_id, product_c.sku, scan_c.serial, scan_c.quantity)
        .join(repo.product_t, product_c.id == scan_c.product_id)
        .where(scan_c.count_id == count.id)
        .order_by(scan_c.id)
    ):
        scan = {"sku": sku, "serial": serial} if serial is not None else {"sku": sku}
        if serial is None:
            scan["quantity"] = int(quantity)
        batches[batch_id]["scans"].append(scan)  # type: ignore[attr-defined]
    line: dict[str, object] = {"op": "count", "store": count.store, "number": count.number}
    if count.products is not None:
        line["products"] = list(count.products)
    line |= {"batches": list(batches.values()), "approve": True}
    return line


def decided_of_json(result: Mapping[str, Any]) -> dict[str, list[dict[str, str]]]:
    """:func:`decided_of` from the reconciliation as ``apply`` answers it (a count line a
    till journals whole: terminal/journaled.py)."""
    return decided_of(reconciliation_from_json(dict(result)))


def decided_of(result: Reconciliation) -> dict[str, list[dict[str, str]]]:
    """The decisions of a count this till approved, as its journaled line carries them
    (``decided``): the units it wrote off and the units it put in stock, new or back."""
    found = [(u.sku, u.serial) for u in result.never_seen] + [
        (e.sku, e.serial) for e in result.elsewhere if e.action == ElsewhereAction.RESTORE
    ]
    return of_reconciliation([(u.sku, u.serial) for u in result.missing], found).as_json()


def approve(
    db: Database, actor: Actor, count: str, outbox: Path, *, reviewed: int | None = None
) -> Approval:
    """Post the count's adjustments (managers and admins), in one transaction with its event
    file owed; then write the file. A count is approved once. ``reviewed``: the
    ``scans_read`` of the reconciliation the approver confirmed (the console passes it): a
    count scanned since is refused, nothing posted."""
    actor.require(Permission.ADJUST)
    done = db.write(
        lambda conn: approve_in(
            db, conn, actor, count_row(db, conn, count, lock="update"), reviewed=reviewed
        )
    )
    files = event_files.write_owed(db, outbox)
    return Approval(done.reconciliation, done.added, done.removed, done.quantity_change, files)
