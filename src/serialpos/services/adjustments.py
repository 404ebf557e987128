"""Stock adjustments: units (serials) or quantities added to or removed from a store's stock
with a reason code, by a manager or an admin. One document: the ledger's ``adjust_add`` /
``adjust_remove`` moves, the header (stock_documents, kind "adjustment") and the owed
``adjustment`` event file (signed quantities) commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.adjustment_reasons import check_direction
from serialpos.domain.errors import BadRequest
from serialpos.domain.event_files import EventLine, EventType
from serialpos.domain.events import DocumentRef
from serialpos.domain.serial_lists import refuse_added_and_removed
from serialpos.domain.states import Action
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services import event_files, journal_sink, ledger, stock_documents, stock_lines
from serialpos.services.context import Actor
from serialpos.services.outgoing import PickedUnit, resolve_unit
from serialpos.services.rtv import StockItem, steps_for, text_field

#: Reason codes, in the order a screen offers them, with their words.
REASONS: dict[str, str] = {
    "damaged": "damaged",
    "lost": "lost",
    "found": "found",
    "theft": "theft",
    "count_correction": "count correction",
    "other": "other (say why in the note)",
}
MAX_NOTE = 150


@dataclass(frozen=True)
class AdjustmentResult:
    number: str
    reason: str  # as recorded on the ledger events: "damaged" or "other: dropped in the lift"
    lines: tuple[EventLine, ...]  # signed on-hand change per SKU, with the serials moved
    files: event_files.WriteReport


def require_adjust(actor: Actor) -> None:
    """Adjustments are for managers and admins; anyone else is refused, naming the roles."""
    actor.require(Permission.ADJUST)


def reason_text(code: str, note: str | None) -> str:
    if code not in REASONS:
        raise BadRequest(f"unknown reason '{clip(code)}'; one of: {', '.join(REASONS)}")
    note = text_field(note, "note", MAX_NOTE, required=code == "other")
    return f"{code}: {note}" if note else code


def check_unit(
    db: Database,
    store: str,
    raw_serial: str,
    sku: str | None,
    *,
    add: bool,
    labelled: bool = False,
    reason: str | None = None,
    run_on: tuple[str, str] | None = None,
) -> PickedUnit:
    """Whether a scanned unit may be added to (not known, or written off) or removed from (in
    stock here) the store's stock. ``reason``: refused when the unit would move against it
    (a "found" unit is never removed), at the scan rather than at posting. ``run_on``: the
    label's serial may hold the fields printed after it (the decoder's word): no unit is
    added from it where the product says so (services/scan_resolver.py)."""
    if reason is not None:
        check_direction(reason, adds=add, removes=not add)
    action = Action.ADJUST_ADD if add else Action.ADJUST_REMOVE
    return db.read(
        lambda conn: resolve_unit(
            db, conn, store, raw_serial, sku, action, labelled=labelled, run_on=run_on
        )
    )


def adjust(
    db: Database,
    actor: Actor,
    store: str,
    reason: str,
    note: str | None,
    *,
    add: Sequence[StockItem] = (),
    remove: Sequence[StockItem] = (),
    outbox: Path | None,
    number: str | None = None,
) -> AdjustmentResult:
    """Post one adjustment: removals first, then additions, all in one transaction.

    ``number``: as a store terminal gave it (its journaled line applied at central). On a
    terminal the adjustment is journaled in its own transaction (services/journal_sink.py)."""
    require_adjust(actor)
    why = reason_text(reason, note)
    if number is None:  # a till's line already recorded there is applied as recorded
        check_direction(reason, adds=bool(add), removes=bool(remove))
    refuse_added_and_removed(
        [(item.sku, s) for item in add for s in item.serials if isinstance(s, str)],
        [(item.sku, s) for item in remove for s in item.serials if isinstance(s, str)],
    )
    steps = []
    if remove:
        steps += steps_for(Action.ADJUST_REMOVE, store, remove)
    if add:
        steps += steps_for(Action.ADJUST_ADD, store, add)
    if not steps:
        raise BadRequest("nothing to adjust: scan or count units to add or remove")

    def work(conn: Connection) -> tuple[str, tuple[EventLine, ...]]:
        here = repo.store_id(db, conn, store)
        given = number or stock_documents.next_number(
            conn, store, here, "adjustment", terminal=journal_sink.terminal_of(db)
        )
        stock_documents.record(
            conn, actor, number=given, kind="adjustment", store_id=here, reason=why
        )
        doc = DocumentRef("adjustment", given)
        lines = []
        for step in steps:
            ledger.move_in(conn, db, actor, step, doc, why)
            count = len(step.serials) or (step.quantity or 0)
            sign = 1 if step.action is Action.ADJUST_ADD else -1
            lines.append(EventLine(step.sku, sign * count, tuple(step.serials)))
        made = event_files.owe(
            conn,
            event_type=EventType.ADJUSTMENT.value,
            document_id=given,
            store=store,
            user=actor.user,
            lines=lines,
        )
        line: dict[str, object] = {"op": "adjust", "store": store, "number": given}
        line |= {"reason": reason, **({"note": note.strip()} if note and note.strip() else {})}
        line["items"] = stock_lines.adjust_items_of(steps)
        journal_sink.record(db, conn, actor, line)
        return given, made.lines

    done, lines = db.write(work)
    return AdjustmentResult(done, why, lines, event_files.write_owed_to(db, outbox))
