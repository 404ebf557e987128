"""``apply`` lines that carry a whole stockroom document: ``number`` and ``items``.

A store terminal journals each receipt, return to vendor, adjustment and transfer it makes as
ONE line (services/stock_lines.py): the document's number as the terminal gave it, and its
products as ``items``. Applied here through the same services the console calls, so central
records the same document (number, header, ledger events under it, event file) the terminal
did. A host may send such lines too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from serialpos.db.engine import Database
from serialpos.db.joined import JoinedDatabase
from serialpos.domain.errors import BadRequest
from serialpos.services.apply.document_handlers import _outbox
from serialpos.services.apply.fields import Fields, Result, _list, _object
from serialpos.services.context import Actor

T = TypeVar("T")

#: The most products one line's ``items`` may hold.
MAX_ITEMS = 10_000

#: Keys an item may carry, by the operation's kind.
_MOVE_KEYS = frozenset({"sku", "serial", "serials", "quantity"})
_ADJUST_KEYS = frozenset({"sku", "add", "remove", "quantity"})
#: Keys that name one product's units on the line itself, which ``items`` replaces.
_SINGLE = ("sku", "serial", "serials", "quantity", "add", "remove")


def has_items(f: Fields) -> bool:
    return f.value("items") is not None


def items(f: Fields, *, adjust: bool = False) -> list[Fields]:
    """Each item of ``items`` as its own fields, checked for its keys; the line must not also
    name one product's units itself."""
    both = [k for k in _SINGLE if f.value(k) is not None]
    if both:
        raise BadRequest(f"give 'items' or '{both[0]}', not both")
    raw = _list(f.value("items"), "items")
    if not raw:
        raise BadRequest("'items' is empty: name at least one product")
    if len(raw) > MAX_ITEMS:
        raise BadRequest(f"'items' holds {len(raw)} products; at most {MAX_ITEMS} in one line")
    allowed = _ADJUST_KEYS if adjust else _MOVE_KEYS
    out: list[Fields] = []
    for n, value in enumerate(raw, start=1):
        data = _object(value, f"items[{n}]")
        extra = sorted(set(data) - allowed)
        if extra:
            raise BadRequest(f"items[{n}]: unknown key '{extra[0]}'")
        out.append(_Item(data, n))
    return out


class _Item(Fields):
    """One item: its refusals name it (``items[2]: ...``)."""

    def __init__(self, data: Any, n: int) -> None:
        super().__init__(data)
        self.n = n


def where(item: Fields) -> str:
    return f"items[{getattr(item, 'n', '?')}]"


def in_one(db: Database, work: Callable[[Database], T]) -> T:
    """``work`` in ONE transaction however many service calls it makes (each becomes a
    savepoint of it): an item refused refuses the line, nothing of it kept."""

    def run(conn: Any) -> T:
        joined = JoinedDatabase(db, conn)
        done = work(joined)
        if joined.retryable is not None:
            raise joined.retryable
        return done

    return db.write(run)


def number(f: Fields, kind: str) -> str | None:
    from serialpos.services import stock_documents

    given = f.optional_text("number", max_length=stock_documents.MAX_NUMBER)
    return None if given is None else stock_documents.check_given(given, kind)


def _stock_items(f: Fields) -> list[Any]:
    from serialpos.services.rtv import StockItem

    out = []
    for item in items(f):
        try:
            out.append(StockItem(item.code("sku"), tuple(item.serials()), item.quantity() or 0))
        except BadRequest as exc:
            raise BadRequest(f"{where(item)}: {exc.message}") from None
    return out


def _document(number: str, kind: str, units: int, lines: Any, store: str) -> Result:
    return {
        "store": store,
        "number": number,
        "kind": kind,
        "quantity": units,
        "lines": [
            {"sku": ln.sku, "quantity": ln.quantity, "serials": list(ln.serials)} for ln in lines
        ],
    }


def receipt(db: Database, actor: Actor, f: Fields) -> Result:
    """``receive`` with ``items`` (and ``number``, ``vendor``, ``reference``): a blind receipt,
    recorded as the console records one."""
    from serialpos.domain.event_files import EventLine
    from serialpos.services import blind_receiving, event_files

    store = f.code("store")
    vendor = f.text("vendor", max_length=blind_receiving.MAX_VENDOR)
    reference = f.optional_text("reference", max_length=blind_receiving.MAX_REFERENCE)
    stock = _stock_items(f)
    made = [(s.sku, s.serials, 0 if s.serials else (s.quantity or 1)) for s in stock]
    given = blind_receiving.record_receipt(
        db, actor, store, vendor, reference, made, number=number(f, blind_receiving.KIND)
    )
    event_files.write_owed_to(db, _outbox())
    lines = [EventLine(sku, len(serials) or qty, serials) for sku, serials, qty in made]
    return _document(given, "blind_receipt", sum(ln.quantity for ln in lines), lines, store)


def rtv(db: Database, actor: Actor, f: Fields) -> Result:
    """``rtv`` with ``items`` (and ``number``, ``vendor``): a return to vendor document."""
    from serialpos.services import rtv as rtv_service

    store = f.code("store")
    done = rtv_service.return_to_vendor(
        db,
        actor,
        store,
        f.text("vendor", max_length=rtv_service.MAX_VENDOR),
        f.text("reason", max_length=rtv_service.MAX_REASON),
        _stock_items(f),
        _outbox(),
        number=number(f, "rtv"),
    )
    return _document(done.number, "rtv", done.units, done.lines, store)


def adjustment(db: Database, actor: Actor, f: Fields) -> Result:
    """``adjust`` with ``items`` (and ``number``, ``reason`` a reason code, ``note``): an
    adjustment document; each item adds or removes serials, or a signed quantity."""
    from serialpos.services import adjustments
    from serialpos.services.rtv import StockItem

    store = f.code("store")
    add: list[StockItem] = []
    remove: list[StockItem] = []
    for item in items(f, adjust=True):
        try:
            sku = item.code("sku")
            plus, minus = item.serial_list("add"), item.serial_list("remove")
            quantity = item.quantity(signed=True)
        except BadRequest as exc:
            raise BadRequest(f"{where(item)}: {exc.message}") from None
        if plus:
            add.append(StockItem(sku, tuple(plus)))
        if minus:
            remove.append(StockItem(sku, tuple(minus)))
        if quantity is not None:
            (add if quantity > 0 else remove).append(StockItem(sku, quantity=abs(quantity)))
        if not plus and not minus and quantity is None:
            raise BadRequest(f"{where(item)}: give 'add' or 'remove' serials, or a 'quantity'")
    done = adjustments.adjust(
        db,
        actor,
        store,
        f.text("reason", max_length=40),
        f.optional_text("note", max_length=adjustments.MAX_NOTE),
        add=add,
        remove=remove,
        outbox=_outbox(),
        number=number(f, "adjustment"),
    )
    units = sum(abs(ln.quantity) for ln in done.lines)
    return _document(done.number, "adjustment", units, done.lines, store) | {"reason": done.reason}


def _moves(results: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "sku": r.sku,
            "quantity": r.quantity,
            "units": [
                {"serial": u.serial, "from": u.from_state, "to": u.to_state} for u in r.units
            ],
        }
        for r in results
    ]


def _transfer_doc(f: Fields) -> str:
    document = f.document("transfer", alias="transfer")
    if document is None:
        raise BadRequest("a transfer's 'items' go on a kept transfer: give 'transfer'")
    return document.id


def transfer_out(db: Database, actor: Actor, f: Fields) -> Result:
    """``transfer_out`` with ``items``: every product of a shipment on the transfer named,
    created shipped with ``create`` (a store terminal's shipment), in one transaction."""
    from serialpos.domain.states import Action
    from serialpos.services import ledger, transfers

    store, to, number = f.code("store"), f.code("to"), _transfer_doc(f)
    create, line = f.flag("create"), f.document("transfer", alias="transfer")
    listed = items(f)

    def work(joined: Database) -> tuple[list[Any], Any]:
        results, view = [], None
        for item in listed:
            step = ledger.Step(
                Action.TRANSFER_OUT,
                store,
                item.code("sku"),
                item.serials(),
                item.quantity(),
                to,
            )
            kept = transfers.apply_out(
                joined, actor, step, number, create, None if line is None else line.line
            )
            if kept is None:
                raise BadRequest(f"transfer {number} is not known here: send 'create': true")
            results.append(kept[0])
            view = kept[1]
        return results, view

    results, view = in_one(db, work)
    return _transfer_result(store, results, view) | {"to": to}


def transfer_in(db: Database, actor: Actor, f: Fields) -> Result:
    """``transfer_in`` with ``items``: every product received on the transfer named, in one
    transaction; with ``complete`` the transfer is closed as the console closes it, the
    units not received left in transit on it."""
    from serialpos.domain.states import Action
    from serialpos.services import ledger, transfers

    store, number = f.code("store"), _transfer_doc(f)
    listed = items(f)
    steps = [
        ledger.Step(Action.TRANSFER_IN, store, item.code("sku"), item.serials(), item.quantity())
        for item in listed
    ]
    transfers.refuse_listed_twice(steps)

    def work(joined: Database) -> tuple[list[Any], Any]:
        transfers.refuse_summed_quantities(joined, steps, number)
        results, view = [], None
        for step in steps:
            kept = transfers.apply_in(joined, actor, step, number, None)
            if kept is None:
                raise transfers.UnknownTransfer(
                    f"transfer {number} is not known here: if it was just shipped, the "
                    "sending store (or its till) may not have synced yet; sync there, then "
                    "here, and send this again"
                )
            results.append(kept[0])
            view = kept[1]
        if f.flag("complete"):
            view = transfers.close_received(joined, actor, number)
        return results, view

    results, view = in_one(db, work)
    return _transfer_result(store, results, view)


def _transfer_result(store: str, results: list[Any], view: Any) -> Result:
    return {
        "store": store,
        "quantity": sum(r.quantity for r in results),
        "items": _moves(results),
        "transfer": view.number,
        "status": view.status,
        **view.report(),
    }
