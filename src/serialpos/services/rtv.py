"""Return to vendor: units (or quantities) leave this store's stock for the vendor, with the
vendor and the reason, as one document: the ledger's ``rtv`` moves, the document header
(stock_documents, kind "rtv") and the owed ``rtv`` event file commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.entry_text import identifier_refusal
from serialpos.domain.errors import BadRequest
from serialpos.domain.event_files import EventLine, EventType
from serialpos.domain.events import DocumentRef
from serialpos.domain.states import Action
from serialpos.domain.text import clip, has_control_chars
from serialpos.domain.users import Permission
from serialpos.services import event_files, journal_sink, ledger, stock_documents, stock_lines
from serialpos.services.context import Actor
from serialpos.services.outgoing import PickedUnit, resolve_unit

MAX_VENDOR = 100
MAX_REASON = 200


@dataclass(frozen=True)
class StockItem:
    """Units of one product on a stockroom document: serials, or a quantity (or both)."""

    sku: str
    serials: tuple[str, ...] = ()
    quantity: int = 0


@dataclass(frozen=True)
class RtvResult:
    number: str
    lines: tuple[EventLine, ...]
    files: event_files.WriteReport

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


def text_field(
    value: str | None, what: str, limit: int, *, required: bool = True, name: bool = False
) -> str:
    """A free-text field of a stockroom document, trimmed; refused blank (when required),
    too long or with control characters; a ``name`` (the vendor) also holding an invisible
    character (``Acme<U+200B>`` looks like ``Acme`` and is not: domain/entry_text.py), as
    ``apply`` refuses the vendor a till journals."""
    text = (value or "").strip()
    if not text:
        if required:
            raise BadRequest(f"give the {what}")
        return ""
    if has_control_chars(text):
        raise BadRequest(f"the {what} '{clip(text)}' contains control characters")
    if len(text) > limit:
        raise BadRequest(f"the {what} is {len(text)} characters long; at most {limit}")
    hidden = identifier_refusal(what, text) if name and not text.isascii() else None
    if hidden is not None:
        raise BadRequest(hidden)
    return text


def scanned_text(conn: Connection, text: str) -> str | None:
    """What ``text`` typed into the vendor or reason is, when it is a scan's: a known unit's
    serial, a product's barcode, or a GS1 label (``the serial of a PH-AUR15 unit``); None
    for words a person types or pastes. The console's rule for those fields: text that came
    in one write without an Enter is a person's paste or a scan cut by a pause, which the
    keys cannot tell apart; it goes into the field, and this says whether it was a scan."""
    from serialpos.domain.decoder import decode
    from serialpos.services.scan_resolver import barcode_owner, units_with_serial

    units = units_with_serial(conn, text)
    if units:
        return f"the serial of a {units[0].product.sku} unit"
    owner = barcode_owner(conn, text)
    if owner is not None:
        return f"the barcode of {owner}"
    if decode(text).kind in ("product", "product_serial"):
        return "a barcode"
    return None


def form_text(db: Database, value: str | None, what: str, limit: int, *, name: bool = False) -> str:
    """The vendor or the reason typed at the console (:func:`text_field`), refused when it is
    a scan's text (:func:`scanned_text`): a serial scanned into the field is never the vendor
    or the reason, and the unit is scanned again once they are given."""
    text = text_field(value, what, limit, name=name)
    scanned = db.read(lambda conn: scanned_text(conn, text))
    if scanned is not None:
        raise BadRequest(
            f"'{clip(text)}' is {scanned}, not the {what}: type the {what}, Enter, "
            "then scan the unit"
        )
    return text


def check_unit(
    db: Database, store: str, raw_serial: str, sku: str | None, *, labelled: bool = False
) -> PickedUnit:
    """Whether a scanned unit may go back to the vendor from ``store`` (in stock here)."""
    return db.read(
        lambda conn: resolve_unit(db, conn, store, raw_serial, sku, Action.RTV, labelled=labelled)
    )


def steps_for(action: Action, store: str, items: Sequence[StockItem]) -> list[ledger.Step]:
    """One ledger step per product for its serials and one for its quantity."""
    serials: dict[str, list[str]] = {}
    quantities: dict[str, int] = {}
    for item in items:
        if item.quantity < 0:
            raise BadRequest(f"{item.sku}: a quantity must be positive here")
        serials.setdefault(item.sku, []).extend(item.serials)
        quantities[item.sku] = quantities.get(item.sku, 0) + item.quantity
    steps = [ledger.Step(action, store, sku, tuple(s)) for sku, s in serials.items() if s]
    steps += [ledger.Step(action, store, sku, quantity=q) for sku, q in quantities.items() if q]
    if not steps:
        raise BadRequest("nothing scanned or counted yet")
    return steps


def return_to_vendor(
    db: Database,
    actor: Actor,
    store: str,
    vendor: str,
    reason: str,
    items: Sequence[StockItem],
    outbox: Path | None,
    *,
    number: str | None = None,
) -> RtvResult:
    """Send the units back to ``vendor``: every one must be in stock at ``store``; one refused
    unit refuses the whole return, naming it, and nothing is recorded.

    ``number``: the document's number as a store terminal gave it (its journaled line
    applied at central); otherwise the database numbers it. On a terminal the return is
    journaled in its own transaction (services/journal_sink.py)."""
    actor.require(Permission.RECEIVE)
    vendor = text_field(vendor, "vendor", MAX_VENDOR, name=True)
    reason = text_field(reason, "reason", MAX_REASON)
    steps = steps_for(Action.RTV, store, items)

    def work(conn: Connection) -> tuple[str, tuple[EventLine, ...]]:
        here = repo.store_id(db, conn, store)
        given = number or stock_documents.next_number(
            conn, store, here, "rtv", terminal=journal_sink.terminal_of(db)
        )
        stock_documents.record(
            conn, actor, number=given, kind="rtv", store_id=here, vendor=vendor, reason=reason
        )
        doc = DocumentRef("rtv", given)
        lines = []
        for step in steps:
            ledger.move_in(conn, db, actor, step, doc, reason)
            count = len(step.serials) or (step.quantity or 0)
            lines.append(EventLine(step.sku, count, tuple(step.serials)))
        made = event_files.owe(
            conn,
            event_type=EventType.RTV.value,
            document_id=given,
            store=store,
            user=actor.user,
            lines=lines,
        )
        journal_sink.record(
            db,
            conn,
            actor,
            {
                "op": "rtv",
                "store": store,
                "number": given,
                "vendor": vendor,
                "reason": reason,
                "items": stock_lines.items_of(steps),
            },
        )
        return given, made.lines

    done, lines = db.write(work)
    return RtvResult(done, lines, event_files.write_owed_to(db, outbox))
