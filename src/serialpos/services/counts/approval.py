"""Approving a count (managers and admins): its adjustments posted as ledger events and its
event file owed, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.count_reconciliation import UnitRef
from serialpos.domain.counts import (
    CountClosed,
    ElsewhereAction,
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
from serialpos.services.counts.reconciling import (
    plan_count,
    reconciliation_json,
)
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


def approve_in(
    db: Database,
    conn: Connection,
    actor: Actor,
    count: CountRow,
    found_missing: frozenset[tuple[str, str]] | None = None,
) -> Approval:
    """Post the count's adjustments. ``found_missing``: the units (SKU, serial) a store
    terminal's count found missing there, its journal entry says (None: not a terminal's,
    or one from before it said). A unit missing here that the till did not miss was not in
    stock as the till knew it (a return at another till it had not heard of yet): it is
    not written off but left as it is, and listed in ``disputed`` for a conflict."""
    actor.require(Permission.ADJUST)
    if count.status != CountStatus.OPEN:
        raise CountClosed(f"count {count.number} was approved already: a count is approved once")
    plan = plan_count(db, conn, count)
    result = plan.reconciliation()
    document = DocumentRef(DOCUMENT_TYPE, count.number)
    reason = f"count {count.number}"
    lines: list[EventLine] = []
    added = removed = net = 0
    disputed: list[UnitRef] = []
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
            gone = list(classes.missing)
            kept = 0  # units left in stock, disputed: counted as there
            if found_missing is not None:
                left = [s for s in gone if (item.sku, s) not in found_missing]
                disputed += [UnitRef(item.sku, s) for s in left]
                gone = [s for s in gone if (item.sku, s) in found_missing]
                kept = len(left)
            back = list(classes.never_seen) + [
                e.serial for e in classes.elsewhere if e.action is ElsewhereAction.RESTORE
            ]
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
            residual = quantity_residual(target + kept, item.on_hand + change)
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
                f"{reason}: counted {target}, on hand {item.on_hand}",
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
        line = count_line(conn, count) | {"not_found": not_found(result.missing)}
        journal_sink.record(db, conn, actor, line)
    return Approval(final, added, removed, net, disputed=tuple(disputed))


def not_found(missing: Iterable[UnitRef]) -> list[dict[str, str]]:
    """A count's missing units as its journal entry names them (``not_found``): what the
    till wrote off, and so what central may write off for it."""
    return [{"sku": u.sku, "serial": u.serial} for u in missing]


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


def approve(db: Database, actor: Actor, count: str, outbox: Path) -> Approval:
    """Post the count's adjustments (managers and admins), in one transaction with its event
    file owed; then write the file. A count is approved once."""
    actor.require(Permission.ADJUST)
    done = db.write(
        lambda conn: approve_in(db, conn, actor, count_row(db, conn, count, lock="update"))
    )
    files = event_files.write_owed(db, outbox)
    return Approval(done.reconciliation, done.added, done.removed, done.quantity_change, files)
