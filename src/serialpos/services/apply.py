"""``serialpos apply``: ledger operations from a host system as JSON Lines, one transaction each.

Host systems (an ERP, a web shop, a warehouse system) drive the ledger without a person at a
screen, so every line must come back with a verdict a program can act on: a stable error code,
a sentence for the person reading the log, and the input line number and ``id`` to match it
with. The parsing, the checks on every field and the table of operations live here, not in the
CLI, so the same behaviour serves any later transport; later operations (orders, ASN
receiving, counts) are one handler and one entry in :data:`OPERATIONS`.
The format is documented for hosts in docs/integration.md; keep the two in step.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from serialpos.db.engine import Database, DatabaseError
from serialpos.domain import json_text
from serialpos.domain.errors import BadRequest, DomainError, RefusedWithDetails
from serialpos.domain.events import DocumentRef
from serialpos.domain.limits import parse_money
from serialpos.domain.states import Action
from serialpos.domain.text import clip, has_control_chars
from serialpos.services import apply_ids, ledger
from serialpos.services.context import Actor

#: Longest accepted input line in bytes, without its line break. A longer line is refused
#: whole and skipped in small chunks, so a runaway line cannot exhaust memory.
MAX_LINE_BYTES = 1024 * 1024
_SKIP_CHUNK = 64 * 1024

#: The largest quantity one line may move; keeps sums far inside a 32-bit stock column.
MAX_QUANTITY = 1_000_000

# Longest values the ledger's event columns hold (db/tables.py: LedgerEvent).
MAX_DOCUMENT = 64
MAX_DOCUMENT_LINE = 32
MAX_REASON = 200

#: Keys every line may carry whatever its operation (``journal``: a store terminal's entry,
#: services/conflicts.py).
COMMON_KEYS = frozenset({"op", "id", "journal"})

Result = dict[str, Any]

#: The outbox folder of the terminal applying the lines (set by :func:`apply_stream`), so the
#: event files of documents completed here land where that terminal's config says.
_outbox_folder: ContextVar[Path | None] = ContextVar("serialpos_apply_outbox", default=None)


def _outbox() -> Path | None:
    """Where owed event files are written after a commit; None leaves them owed (written at
    the next start) when no folder is known and the terminal config cannot be read."""
    given = _outbox_folder.get()
    if given is not None:
        return given
    from serialpos.config import ConfigError, load_config

    try:
        return load_config().resolved_outbox()
    except ConfigError:
        return None


class Fields:
    """Typed access to one line's JSON object. Every getter refuses a wrong type or value with
    ``bad_request`` naming the field, so handlers read values and never check types."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def _get(self, key: str) -> Any:
        # JSON null is the same as leaving the key out: host serialisers often write nulls.
        return self._data.get(key)

    def text(self, key: str, *, max_length: int = MAX_DOCUMENT) -> str:
        value = self.optional_text(key, max_length=max_length)
        if value is None:
            raise BadRequest(f"'{key}' is missing")
        return value

    def optional_text(self, key: str, *, max_length: int = MAX_DOCUMENT) -> str | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise BadRequest(f"'{key}' must be text, not {_json_type(value)}")
        if not value.strip():
            raise BadRequest(f"'{key}' is blank")
        if has_control_chars(value):
            raise BadRequest(f"'{key}' contains control characters")
        if len(value) > max_length:
            raise BadRequest(f"'{key}' is {len(value)} characters long; at most {max_length}")
        return value

    def code(self, key: str) -> str:
        """A store code or SKU: text matched exactly, so only its type is checked here; an
        unknown value is the ledger's ``unknown_store`` / ``unknown_product``."""
        value = self._get(key)
        if value is None:
            raise BadRequest(f"'{key}' is missing")
        if not isinstance(value, str):
            raise BadRequest(f"'{key}' must be text, not {_json_type(value)}")
        return value

    def value(self, key: str) -> Any:
        """The raw JSON value of ``key`` (None when absent or null), for operations that
        take objects or lists of objects."""
        return self._get(key)

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise BadRequest(f"'{key}' must be true or false, not {_json_type(value)}")
        return value

    def serial_list(self, key: str) -> list[str] | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise BadRequest(f"'{key}' must be a list of serials, not {_json_type(value)}")
        for item in value:
            if not isinstance(item, str):
                raise BadRequest(f"'{key}' holds {_json_type(item)}; every serial must be text")
        return value

    def serials(self) -> list[str]:
        """``serial`` (one) or ``serials`` (a list), never both; none is an empty list."""
        one, many = self._get("serial"), self.serial_list("serials")
        if one is not None and many is not None:
            raise BadRequest("give 'serial' or 'serials', not both")
        if one is not None:
            if not isinstance(one, str):
                raise BadRequest(f"'serial' must be text, not {_json_type(one)}")
            return [one]
        return many or []

    def names_serials(self) -> bool:
        """Whether the line names any serial (in whichever key its operation uses)."""
        return any(self._get(key) for key in ("serial", "serials", "add", "remove"))

    def quantity(self, *, signed: bool = False) -> int | None:
        value = self._get("quantity")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadRequest(f"'quantity' must be a whole number, not {_json_type(value)}")
        if value == 0:
            raise BadRequest("'quantity' must not be 0")
        if value < 0 and not signed:
            raise BadRequest(
                "'quantity' must be positive; the operation says which way stock moves"
            )
        if abs(value) > MAX_QUANTITY:
            raise BadRequest(f"'quantity' must be at most {MAX_QUANTITY} in one line")
        return value

    def document(
        self, doc_type: str = "integration", alias: str | None = None
    ) -> DocumentRef | None:
        """The host's document (and its line) the events belong to. ``alias`` is an
        operation's own name for it (``transfer``), accepted instead of ``document``."""
        doc_id = self.optional_text("document", max_length=MAX_DOCUMENT)
        if alias is not None:
            other = self.optional_text(alias, max_length=MAX_DOCUMENT)
            if other is not None and doc_id is not None and other != doc_id:
                raise BadRequest(f"'{alias}' and 'document' name different documents")
            doc_id = other or doc_id
        line = self._document_line()
        if doc_id is None:
            if line is not None:
                raise BadRequest("'line' is a line of a document: give 'document' too")
            return None
        return DocumentRef(doc_type, doc_id, line)

    def _document_line(self) -> str | None:
        value = self._get("line")
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                raise BadRequest("'line' must not be negative")
            value = str(value)
            if len(value) > MAX_DOCUMENT_LINE:
                raise BadRequest(f"'line' is longer than {MAX_DOCUMENT_LINE} digits")
            return value
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"'line' must be text or a whole number, not {_json_type(value)}")
        return self.optional_text("line", max_length=MAX_DOCUMENT_LINE)

    def reason(self, *, required: bool = False) -> str | None:
        if required:
            return self.text("reason", max_length=MAX_REASON)
        return self.optional_text("reason", max_length=MAX_REASON)


Handler = Callable[[Database, Actor, Fields], Result]


@dataclass(frozen=True)
class Operation:
    """One ``op``: its handler and the keys it reads (any other key is reported as a warning,
    so a host's typo such as ``serail`` is visible rather than silently ignored)."""

    handler: Handler
    keys: frozenset[str]


# -- handlers -------------------------------------------------------------------------
def _moved(result: ledger.LedgerResult, f: Fields, **extra: Any) -> Result:
    out: Result = {
        "store": result.store,
        "sku": result.sku,
        **extra,
        "quantity": result.quantity,
        "units": [
            {"serial": u.serial, "from": u.from_state, "to": u.to_state} for u in result.units
        ],
    }
    if not result.serial_tracked and f.names_serials():
        out["warnings"] = [
            f"serialized inventory is off at {result.store}: the serials were "
            "written on the events, no unit changed state"
        ]
    return out


def _simple(action: Action) -> Handler:
    """Receive and return to vendor: units or a quantity of one product at one store."""

    def handle(db: Database, actor: Actor, f: Fields) -> Result:
        reason = f.reason() if action is Action.RTV else None
        sharer = _shared_by(db, actor, f) if action is Action.RECEIVE else None
        return _moved(
            ledger.move(
                db,
                actor,
                action,
                store=f.code("store"),
                sku=f.code("sku"),
                serials=f.serials(),
                quantity=f.quantity(),
                document=f.document(),
                reason=reason,
                shared_by=sharer,
            ),
            f,
        )

    return handle


def _sell(db: Database, actor: Actor, f: Fields) -> Result:
    """A sale to a customer: the units are sold and an invoice issued, as at the counter."""
    from serialpos.services import host_sale

    done = host_sale.sell(
        db,
        actor,
        store=f.code("store"),
        sku=f.code("sku"),
        serials=f.serials(),
        quantity=f.quantity(),
        document=f.document(),
        payment=f.optional_text("payment", max_length=16),
    )
    return _moved(done.moved, f, order=done.order, invoice=done.invoice)


def _return(db: Database, actor: Actor, f: Fields) -> Result:
    action = Action.RETURN_DAMAGED if f.flag("damaged") else Action.RETURN
    return _moved(
        ledger.move(
            db,
            actor,
            action,
            store=f.code("store"),
            sku=f.code("sku"),
            serials=f.serials(),
            quantity=f.quantity(),
            document=f.document(),
            reason=f.reason(),
        ),
        f,
    )


def _transfer_out(db: Database, actor: Actor, f: Fields) -> Result:
    store, sku, to = f.code("store"), f.code("sku"), f.code("to")
    step = ledger.Step(Action.TRANSFER_OUT, store, sku, f.serials(), f.quantity(), to)
    document = f.document("transfer", alias="transfer")
    if document is None and f.flag("create"):
        raise BadRequest("'create' makes the transfer named by 'transfer': give its id")
    if document is not None:
        from serialpos.services import transfers

        kept = transfers.apply_out(db, actor, step, document.id, f.flag("create"), document.line)
        if kept is not None:
            return _transfer_result(*kept, f, to=to)
    return _moved(
        ledger.move(
            db,
            actor,
            Action.TRANSFER_OUT,
            store=store,
            sku=sku,
            serials=step.serials,
            quantity=step.quantity,
            to_store=to,
            document=document,
        ),
        f,
        to=to,
    )


def _transfer_in(db: Database, actor: Actor, f: Fields) -> Result:
    store, sku = f.code("store"), f.code("sku")
    step = ledger.Step(Action.TRANSFER_IN, store, sku, f.serials(), f.quantity())
    document = f.document("transfer", alias="transfer")
    if document is not None:
        from serialpos.services import transfers

        kept = transfers.apply_in(db, actor, step, document.id, document.line)
        if kept is not None:
            return _transfer_result(*kept, f)
    return _moved(
        ledger.move(
            db,
            actor,
            Action.TRANSFER_IN,
            store=store,
            sku=sku,
            serials=step.serials,
            quantity=step.quantity,
            document=document,
        ),
        f,
    )


def _transfer_result(result: ledger.LedgerResult, view: Any, f: Fields, **extra: Any) -> Result:
    """A move on a kept transfer (services/transfers.py): the move, then the transfer's
    ``status`` and its ``shipped``, ``received`` and ``in_transit`` units per SKU."""
    return {
        **_moved(result, f, **extra),
        "transfer": view.number,
        "status": view.status,
        **view.report(),
    }


def _shared_by(db: Database, actor: Actor, f: Fields) -> Actor | None:
    """``"shared_by": {"user": ..., "pin": ...}``: a manager accepts that the serials created
    here are also live under another product (two makers using one string). Checked like a
    console log-in (a wrong PIN counts toward the lock-out); refused for IMEI-format serials
    by the ledger; the manager is recorded on the event and the unit."""
    raw = f.value("shared_by")
    if raw is None:
        return None
    data = _object(raw, "shared_by")
    extra = sorted(set(data) - {"user", "pin"})
    if extra:
        raise BadRequest(f"shared_by takes 'user' and 'pin' only, not {', '.join(extra)}")
    user, pin = data.get("user"), data.get("pin")
    if not isinstance(user, str) or not user.strip() or not isinstance(pin, str):
        raise BadRequest("shared_by needs the manager's 'user' and 'pin' as text")
    from serialpos.domain.errors import PermissionDenied
    from serialpos.domain.users import Permission
    from serialpos.services.users import login

    manager = login(db, user.strip(), pin, actor.terminal)
    try:
        manager.require(Permission.ADJUST)
    except PermissionDenied:
        raise PermissionDenied(
            f"{manager.user} is not a manager or admin; only one may accept a shared serial"
        ) from None
    return manager


def _adjust(db: Database, actor: Actor, f: Fields) -> Result:
    store, sku = f.code("store"), f.code("sku")
    sharer = _shared_by(db, actor, f)
    add, remove, quantity = f.serial_list("add"), f.serial_list("remove"), f.quantity(signed=True)
    reason, document = f.reason(required=True), f.document()
    if quantity is not None and (add is not None or remove is not None):
        raise BadRequest("an adjust takes 'add'/'remove' serials or a signed 'quantity', not both")
    if quantity is not None:
        action = Action.ADJUST_ADD if quantity > 0 else Action.ADJUST_REMOVE
        result = ledger.move(
            db,
            actor,
            action,
            store=store,
            sku=sku,
            quantity=abs(quantity),
            document=document,
            reason=reason,
        )
    elif add or remove:
        # Removals first, then additions, in one transaction: all of it, or none.
        steps = [
            ledger.Step(
                action,
                store,
                sku,
                serials,
                shared_by=sharer.user if sharer and action is Action.ADJUST_ADD else None,
            )
            for action, serials in ((Action.ADJUST_REMOVE, remove), (Action.ADJUST_ADD, add))
            if serials
        ]
        results = ledger.move_many(db, actor, steps, document=document, reason=reason)
        result = replace(
            results[0],
            action="adjust",
            quantity=sum(r.quantity for r in results),
            units=tuple(u for r in results for u in r.units),
        )
    else:
        raise BadRequest("an adjust needs 'add' or 'remove' serials, or a signed 'quantity'")
    return _moved(result, f)


# -- orders ---------------------------------------------------------------------------
def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest(f"{what} must be an object, not {_json_type(value)}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise BadRequest(f"'{what}' must be a list, not {_json_type(value)}")
    return value


def _order_lines(view: Any, ids: tuple[int, ...] | list[int]) -> list[Result]:
    by_id = {ln.line: ln for ln in view.lines}
    return [
        {
            "line": i,
            "number": by_id[i].number,
            "sku": by_id[i].sku,
            "serial": by_id[i].serial,
            "quantity": by_id[i].quantity,
            "status": by_id[i].status.value,
        }
        for i in ids
    ]


def _order_head(view: Any) -> Result:
    return {
        "order": view.order,
        "store": view.store,
        "type": view.type.value,
        "delivery": view.delivery.value,
        "status": view.status.value,
        "total": str(view.totals.total),
        "paid": str(view.totals.paid),
    }


def _order_create(db: Database, actor: Actor, f: Fields) -> Result:
    from serialpos.services.orders.host import NewLine, create_order
    from serialpos.services.orders.views import Customer

    customer = None
    if f.value("customer") is not None:
        c = Fields(_object(f.value("customer"), "'customer'"))
        customer = Customer(
            c.optional_text("name", max_length=100),
            c.optional_text("phone", max_length=40),
            c.optional_text("address", max_length=200),
        )
    new_lines = []
    for n, item in enumerate(_list(f.value("lines") or [], "lines"), start=1):
        g = Fields(_object(item, f"lines[{n}]"))
        serial = g.value("serial")
        if serial is not None and not isinstance(serial, str):
            raise BadRequest(f"lines[{n}]: 'serial' must be text, not {_json_type(serial)}")
        new_lines.append(NewLine(g.code("sku"), serial or None, g.quantity() or 1))
    view, made = create_order(
        db,
        actor,
        f.code("store"),
        f.optional_text("type") or "sale",
        f.optional_text("delivery") or "cash_and_carry",
        customer,
        new_lines,
    )
    return {**_order_head(view), "lines": _order_lines(view, made)}


def _line_id(f: Fields) -> int:
    value = f.value("line")
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"'line' must be the line id (a whole number), not {_json_type(value)}")
    return value


def _order_set_serial(db: Database, actor: Actor, f: Fields) -> Result:
    from serialpos.services.orders.serials import set_serial

    serial = f.value("serial")
    if serial is not None and not isinstance(serial, str):
        raise BadRequest(f"'serial' must be text, not {_json_type(serial)}")
    line = _line_id(f)
    view = set_serial(db, actor, f.code("order"), line, serial or None)
    return {**_order_head(view), "lines": _order_lines(view, [line])}


def _order_fulfil(db: Database, actor: Actor, f: Fields) -> Result:
    from serialpos.services.orders.checkout import fulfil

    lines = None
    if f.value("lines") is not None:
        lines = _list(f.value("lines"), "lines")
        if any(isinstance(x, bool) or not isinstance(x, int) for x in lines):
            raise BadRequest("'lines' must be a list of line ids (whole numbers)")
    payments = None
    if f.value("payments") is not None:
        payments = []
        for n, item in enumerate(_list(f.value("payments"), "payments"), start=1):
            g = Fields(_object(item, f"payments[{n}]"))
            amount = g.value("amount")
            if isinstance(amount, bool) or not isinstance(amount, int | float | str):
                raise BadRequest(f"payments[{n}]: 'amount' must be a number or text")
            # Bounded here, as for every amount (1e30, 1e999999, 28 digits are bad_value).
            value = parse_money(str(amount), f"payments[{n}].amount")
            payments.append((g.code("method"), value))
    done = fulfil(
        db,
        actor,
        f.code("order"),
        lines=lines,
        payments=payments,
        settle_in=None if payments is not None else "cash",
    )
    sold = [ln.line for ln in done.order.lines if ln.invoice == done.invoice]
    return {
        **_order_head(done.order),
        "invoice": done.invoice,
        "change_due": str(done.change_due),
        "lines": _order_lines(done.order, sold),
    }


def _order_void(db: Database, actor: Actor, f: Fields) -> Result:
    """Void an order; what was paid on it is refunded per method (``refunds``)."""
    from serialpos.services.order_void import void_order

    done = void_order(db, actor, f.code("order"))
    return {
        **_order_head(done.order),
        "refunds": [{"method": r.method, "amount": str(r.amount)} for r in done.refunds],
    }


def _order_return(db: Database, actor: Actor, f: Fields) -> Result:
    from serialpos.services import returns
    from serialpos.services.orders.reading import get_order

    serials = f.serial_list("serials") or []
    if not serials:
        raise BadRequest("'serials' names the units to return")
    damaged_value = f.value("damaged")
    view = get_order(db, f.code("order"))
    lines = returns.lines_for_serials(view, serials)
    if damaged_value is True:
        damaged = lines
    elif damaged_value is None or damaged_value is False:
        damaged = []
    else:
        named = f.serial_list("damaged") or []
        unknown = [s for s in named if s.strip() not in {x.strip() for x in serials}]
        if unknown:
            raise BadRequest(f"'damaged' names {clip(unknown[0])}, which is not in 'serials'")
        damaged = returns.lines_for_serials(view, named)
    refund = f.optional_text("refund_method") or "cash"
    result = returns.return_units(
        db,
        actor,
        view.order,
        lines=lines,
        damaged=damaged,
        refund_method=refund,
        store=f.optional_text("store"),
    )
    return {
        **_order_head(result.order),
        "refund_invoice": result.refund_invoice,
        "amount": str(result.amount),
        "units": [{"serial": s, "state": st} for s, st in result.units],
    }


# -- counts ---------------------------------------------------------------------------
def _count(db: Database, actor: Actor, f: Fields) -> Result:
    """A whole cycle count in one line: its batches and scans, the reconciliation, and (with
    ``approve``) the adjustments posted and the event file written."""
    from serialpos.services import counts

    batches = []
    for n, item in enumerate(_list(f.value("batches") or [], "batches"), start=1):
        b = Fields(_object(item, f"batches[{n}]"))
        scans = []
        for i, raw in enumerate(_list(b.value("scans") or [], f"batches[{n}].scans"), start=1):
            g = Fields(_object(raw, f"batches[{n}].scans[{i}]"))
            serial = g.value("serial")
            if serial is not None and not isinstance(serial, str):
                raise BadRequest(
                    f"batches[{n}].scans[{i}]: 'serial' must be text, not {_json_type(serial)}"
                )
            sku = g.value("sku")
            if sku is not None and not isinstance(sku, str):
                raise BadRequest(
                    f"batches[{n}].scans[{i}]: 'sku' must be text, not {_json_type(sku)}"
                )
            scans.append(counts.ScanInput(sku, serial, g.quantity(signed=True)))
        batches.append(
            counts.BatchInput(b.text("counter", max_length=counts.MAX_COUNTER), tuple(scans))
        )
    products = None
    if f.value("products") is not None:
        products = _list(f.value("products"), "products")
        if not all(isinstance(x, str) for x in products):
            raise BadRequest("'products' must be a list of SKUs (text)")
    approve = f.flag("approve")
    outbox = _outbox() if approve else None
    result, alerts, files = counts.count_at_once(
        db, actor, f.code("store"), batches, products=products, approve_it=approve, outbox=outbox
    )
    out = counts.reconciliation_json(result)
    out["alerts"] = [a.message for a in alerts]
    if files.failed:
        out["warnings"] = [files.message]
    return out


# -- ASN receiving ---------------------------------------------------------------------
def _asn_receive(db: Database, actor: Actor, f: Fields) -> Result:
    """A whole ASN receipt in one line: the scans as made, checked as the console checks
    them, then completed (or refused with nothing changed, the per-SKU lists still given)."""
    from serialpos.services import asn as asn_service

    asn, store = f.text("asn"), f.code("store")
    scans = []
    for n, item in enumerate(_list(f.value("scans") or [], "scans"), start=1):
        g = Fields(_object(item, f"scans[{n}]"))
        sku, serial = g.value("sku"), g.value("serial")
        if not isinstance(sku, str):
            raise BadRequest(
                f"scans[{n}]: 'sku' is missing"
                if sku is None
                else f"scans[{n}]: 'sku' must be text, not {_json_type(sku)}"
            )
        if serial is not None and not isinstance(serial, str):
            raise BadRequest(f"scans[{n}]: 'serial' must be text, not {_json_type(serial)}")
        scans.append(asn_service.ScanIn(sku, serial))
    return asn_service.receive_scans(
        db, actor, asn, store, scans, complete=f.flag("complete"), outbox=_outbox()
    )


_UNITS = frozenset({"store", "sku", "serial", "serials", "quantity", "document", "line"})

#: op name -> operation. To add an operation, write a handler and add its entry here (and a
#: section in docs/integration.md).
OPERATIONS: dict[str, Operation] = {
    "receive": Operation(_simple(Action.RECEIVE), _UNITS | {"shared_by"}),
    "sell": Operation(_sell, _UNITS | {"payment"}),
    "return": Operation(_return, _UNITS | {"reason", "damaged"}),
    "transfer_out": Operation(_transfer_out, _UNITS | {"to", "transfer", "create"}),
    "transfer_in": Operation(_transfer_in, _UNITS | {"transfer"}),
    "rtv": Operation(_simple(Action.RTV), _UNITS | {"reason"}),
    "adjust": Operation(
        _adjust,
        frozenset(
            {"store", "sku", "add", "remove", "quantity", "reason", "document", "line", "shared_by"}
        ),
    ),
    "order_create": Operation(
        _order_create, frozenset({"store", "type", "delivery", "customer", "lines"})
    ),
    "order_set_serial": Operation(_order_set_serial, frozenset({"order", "line", "serial"})),
    "order_fulfil": Operation(_order_fulfil, frozenset({"order", "lines", "payments"})),
    "order_void": Operation(_order_void, frozenset({"order"})),
    "order_return": Operation(
        _order_return, frozenset({"order", "serials", "damaged", "refund_method", "store"})
    ),
    "count": Operation(_count, frozenset({"store", "batches", "approve", "products"})),
    "asn_receive": Operation(_asn_receive, frozenset({"asn", "store", "scans", "complete"})),
}


# -- one line -------------------------------------------------------------------------
def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def parse(raw: bytes) -> dict[str, Any]:
    """One input line as its JSON object; ``bad_request`` when it is not one."""
    return _parse(raw)


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the line is not valid UTF-8") from None
    try:
        value = json_text.loads(text)
    except json_text.LoneSurrogate:
        # "\ud800" is valid JSON but no character: it could be neither stored nor echoed.
        raise BadRequest("the line holds an invalid Unicode escape (a lone surrogate)") from None
    except json_text.JsonRefused as exc:
        # Its own "line 1 column 5" would be read as the input line: give the column alone.
        where = f" at column {exc.column}" if exc.column is not None else ""
        raise BadRequest(f"the line is not valid JSON: {exc.reason}{where}") from None
    if not isinstance(value, dict):
        raise BadRequest(f"the line must be a JSON object, not {_json_type(value)}")
    return value


def _failure(code: str, message: str) -> Result:
    return {"ok": False, "error": code, "message": message}


def apply_object(db: Database, actor: Actor, data: Mapping[str, Any]) -> Result:
    """Apply one operation given as a decoded JSON object; the verdict, never an exception for
    a refusal. ``ok`` true means its one transaction committed, false that nothing changed."""
    warnings: list[str] = []
    try:
        op = data.get("op")
        if op is None:
            raise BadRequest("'op' is missing")
        if not isinstance(op, str):
            raise BadRequest(f"'op' must be text, not {_json_type(op)}")
        operation = OPERATIONS.get(op)
        if operation is None:
            raise BadRequest(f"unknown op '{clip(op)}'; known: {', '.join(OPERATIONS)}")
        unknown = sorted(set(data) - COMMON_KEYS - operation.keys)
        warnings = [f"unknown key '{clip(k)}' ignored" for k in unknown]
        result: Result = {"ok": True, "op": op} | operation.handler(db, actor, Fields(data))
    except DomainError as exc:
        result = _failure(exc.code, exc.message)
        if isinstance(exc, RefusedWithDetails):  # a refusal that still reports what it saw
            result |= {k: v for k, v in exc.details.items() if k not in result}
    except DatabaseError as exc:
        result = _failure("database_error", clip(str(exc), 300))
    except sa.exc.SQLAlchemyError as exc:
        lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = lines[0] if lines else type(exc).__name__
        result = _failure("database_error", f"database error: {clip(reason, 300)}")
    warnings += result.pop("warnings", [])
    if warnings:
        result["warnings"] = warnings
    return result


def apply_line(db: Database, actor: Actor, raw: bytes | None, line_no: int) -> Result | None:
    """The verdict for one input line (``raw`` without its line break; None for a line over
    :data:`MAX_LINE_BYTES`), or None for a blank line, which is skipped."""
    if raw is not None and line_no == 1 and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]  # editors on Windows start files with a BOM
    if raw is not None and not raw.strip():
        return None
    head: Result = {"line": line_no}
    if raw is None:
        body = _failure("bad_request", f"line too long: more than {MAX_LINE_BYTES} bytes")
    else:
        try:
            data = _parse(raw)
        except BadRequest as exc:
            body = _failure(exc.code, exc.message)
        else:
            if "id" in data:
                head["id"] = data["id"]
            if data.get("id") is not None and data.get("journal") is not None:
                from serialpos.services import conflicts  # a store terminal's entry

                body = conflicts.apply_entry(db, actor, data, apply_object)
            elif data.get("id") is not None:  # at most once, ever (services/apply_ids.py)
                body = apply_ids.apply_once(db, actor, data, apply_object)
            else:
                body = apply_object(db, actor, data)
    return {"ok": body.pop("ok"), **head, **body}


def read_lines(stream: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """Each line of ``stream`` without its line break, or None for a line longer than
    ``limit`` bytes. At most ``limit`` + 2 bytes are held at once, whatever the input."""
    while True:
        chunk = stream.readline(limit + 2)  # room for a whole line and its "\r\n"
        if not chunk:
            return
        if len(chunk) == limit + 2 and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):
                chunk = stream.readline(_SKIP_CHUNK)  # skip the rest, never holding it
            yield None
            continue
        line = chunk.removesuffix(b"\n").removesuffix(b"\r")
        yield None if len(line) > limit else line


def apply_stream(
    db: Database, actor: Actor, stream: IO[bytes], outbox: Path | None = None
) -> Iterator[Result]:
    """One verdict per non-blank input line, in input order, each line its own transaction.
    Results are produced as lines are read, so a host can stream both ways. ``outbox`` is the
    terminal's event-file folder (default: from the terminal config)."""
    for line_no, raw in enumerate(read_lines(stream), start=1):
        # Set and reset around each line, within one step of the generator: the folder must
        # not outlive the run (a later run in the same thread would write into this outbox).
        token = _outbox_folder.set(outbox) if outbox is not None else None
        try:
            result = apply_line(db, actor, raw, line_no)
        finally:
            if token is not None:
                _outbox_folder.reset(token)
        if result is not None:
            yield result
