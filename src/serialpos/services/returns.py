"""Returns and refunds: find the sale (by order number, invoice number or a sold unit's
serial), take the exact units back, issue a refund note and pay the refund.

A returned unit goes back to stock at the store where the customer hands it in (or is
written off when damaged), with its event on the order's document line. An exchange
(services/exchanges.py) takes units back the same way and carries the refund to a new sale
instead of paying it out.

A return at another store than the sale's (a multi-store chain's customer brings the unit to
the nearest shop) is booked where it happens, as a professional multi-store till does: the
unit comes back into that store's stock, the refund note is numbered in that store's series
(``RF-<that store>-…``) and counted in its sales report, and the refund is paid in that
store's till and shift. The original sale stays its store's: its order and invoice are not
moved, only its returned lines point at the refund note (docs/receipts.md, "A return at
another store").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.domain.orders import LineStatus, OrderStatus, PaymentMethod
from serialpos.domain.serials import normalize_serial
from serialpos.domain.states import Action
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services import (
    journal_sink,
    ledger,
    not_taken,
    open_line_credit,
    package_returns,
    quantity_returns,
)
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import _insert_payment, issue_invoice
from serialpos.services.orders.reading import _find, _view, as_row
from serialpos.services.orders.views import ZERO, OrderView, UnknownOrder
from serialpos.services.orders.work import _Ctx, _row_total, _touch


@dataclass(frozen=True)
class ReturnResult:
    order: OrderView
    refund_invoice: str
    amount: Decimal
    units: tuple[tuple[str, str], ...]  # (serial, state now) of each unit taken back
    #: How the refund was given (``cash``, ``card``, ``other``, ``exchange`` credit): what
    #: the answer names, never a choice made on the screen after the refund was asked.
    method: str = "cash"


def _order_number_for(conn: Connection, text: str) -> str | None:
    o, i, ln = orepo.order_t.c, orepo.invoice_t.c, orepo.line_t.c
    found = None
    # A document number as printed, else as typed in lower case on a handheld's keys
    # (``rf-s01-000001`` found nothing): document numbers are minted in capitals. A serial is
    # matched only as given (two serials may differ by letter case alone).
    for number in dict.fromkeys((text, text.upper())):
        found = conn.execute(sa.select(o.number).where(o.number == number)).scalar()
        if found is None:
            found = conn.execute(
                sa.select(o.number)
                .join(orepo.invoice_t, i.order_id == o.id)
                .where(i.number == number)
            ).scalar()
        if found is not None:
            break
    if found is None:
        found = conn.execute(
            sa.select(o.number)
            .join(orepo.line_t, ln.order_id == o.id)
            .where(ln.serial == text, ln.status == LineStatus.FULFILLED.value)
            .order_by(ln.id.desc())
            .limit(1)
        ).scalar()
    return None if found is None else str(found)


def sale_of_unit(conn: Connection, sku: str, serial: str) -> tuple[str, str] | None:
    """(order number, refund method) of the sale on which unit (``sku``, ``serial``) was
    handed over and not yet returned, if an order holds it: a sync conflict resolved by
    ``return`` takes the unit back through that sale (services/conflicts.py), refunding the
    customer by the tender they paid with (cash when the order holds no payment)."""
    o, ln, p = orepo.order_t.c, orepo.line_t.c, orepo.payment_t.c
    number = conn.execute(
        sa.select(o.number)
        .join(orepo.line_t, ln.order_id == o.id)
        .where(
            ln.serial == normalize_serial(serial),
            ln.sku == sku,
            ln.status == LineStatus.FULFILLED.value,
        )
        .order_by(ln.id.desc())
        .limit(1)
    ).scalar()
    if number is None:
        return None
    paid = conn.execute(
        sa.select(p.method)
        .join(orepo.order_t, o.id == p.order_id)
        .where(o.number == number, p.kind == "payment", p.amount > 0)
        .order_by(p.amount.desc(), p.id)
        .limit(1)
    ).scalar()
    methods = {m.value for m in PaymentMethod}
    return str(number), str(paid) if paid in methods else PaymentMethod.CASH.value


def find_sale(db: Database, text: str) -> OrderView:
    """The order named by its number, one of its invoice numbers, or the serial of a unit sold
    on it (the latest such sale)."""
    value = text.strip()
    if not value:
        raise BadRequest("give an order number, an invoice number or a serial")

    def work(conn: Connection) -> OrderView:
        number = _order_number_for(conn, value)
        if number is None:
            _say_what_it_is(conn, value)
            raise UnknownOrder(f"no order, invoice or sold unit matches '{clip(value)}'")
        return _view(conn, _find(conn, number))

    try:
        return db.read(work)
    except UnknownOrder as exc:
        if db.journal_sink is None:
            raise
        raise NotOnTerminal(f"{exc.message}{ON_TERMINAL}") from None


class NotOnTerminal(DomainError):
    """A store terminal holds no copy of the sale asked for (terminal/order_copies.py)."""

    code = "not_on_terminal"


#: What a store terminal says when it finds no sale: it holds its own sales and copies of
#: its store's other sales pulled while online, not the rest.
ON_TERMINAL = (
    " on this till: a sale made at another till or at central is returned here once the "
    "till holds its copy (sync while online and find it again), or take the return at central"
)


def _say_what_it_is(conn: Connection, value: str) -> None:
    """No sale matches: the scan resolver says what the text is instead, naming its product
    (a product's barcode, or a unit that was never sold, with its state and store)."""
    from serialpos.domain.errors import BadSerial
    from serialpos.domain.scan_resolution import Accepts, KnownUnit, Refusal, ScanContext
    from serialpos.services import scan_resolver

    outcome = scan_resolver.resolve_in(
        conn, value, ScanContext("", accepts=frozenset({Accepts.SERIAL}))
    )
    if isinstance(outcome, Refusal) and outcome.code == "bad_serial_format":
        raise BadSerial(outcome.message)
    if isinstance(outcome, KnownUnit):
        raise UnknownOrder(
            f"serial {clip(value)} is {outcome.unit.where}: no sale of it to take back"
        )


def lines_for_serials(view: OrderView, serials: list[str]) -> list[int]:
    """The fulfilled lines of ``view`` holding these serials (for hosts that name units)."""
    out = []
    for raw in serials:
        serial = normalize_serial(raw)
        match = [
            ln.line
            for ln in view.lines
            if ln.serial == serial and ln.status is LineStatus.FULFILLED
        ]
        if not match and (held := open_line_credit.line_left_open(view.order, raw, view.lines)):
            match = [held]  # left open at central by record_sale, its serial cleared
        if not match:
            raise BadRequest(
                f"serial {clip(raw)} was not sold on order {view.order} (or was already returned)",
                code="not_on_order",
            )
        out.append(match[0])
    return out


def return_units(
    db: Database,
    actor: Actor,
    order: str,
    *,
    lines: list[int],
    damaged: list[int] | tuple[int, ...] = (),
    refund_method: str = "cash",
    store: str | None = None,
) -> ReturnResult:
    """Take fulfilled lines back: their units return to stock at ``store`` (default: the
    order's store), or are written off when their line is in ``damaged``; a refund note is
    issued (kind Refund, referring to the original invoice) and the refund paid, both booked
    at ``store``, the store where the units are handed in (:func:`booked_at`)."""
    actor.require(Permission.SELL)
    method = PaymentMethod.parse(refund_method).value
    wanted = list(dict.fromkeys([*lines, *damaged]))
    broken = set(damaged)
    if not wanted:
        raise BadRequest("name the lines to return")

    def work(conn: Connection) -> ReturnResult:
        taken = take_back(conn, db, actor, order, wanted, broken, store)
        if taken.amount:
            _insert_payment(taken.ctx, "refund", method, -taken.amount, taken.refund_id)
        journal_return(taken, wanted, broken, method, store)
        return ReturnResult(
            _view(conn, _find(conn, order)), taken.number, taken.amount, taken.units, method
        )

    return db.write(work)


def journal_return(
    taken: TakenBack, wanted: list[int], broken: set[int], method: str | None, store: str | None
) -> None:
    """On a store terminal, the return reaches central as one journal entry in its own
    transaction: ``order_return`` by the lines' numbers (the ids differ at central), with the
    refund note's number, which central keeps (services/document_numbers.py). ``method``
    None: the return half of an exchange (``"exchange": true``, the refund kept as credit)."""
    ctx = taken.ctx
    if not journal_sink.journaling(ctx.db):
        return
    number_of = {
        r._mapping["id"]: r._mapping["number"] for r in orepo.order_lines(ctx.conn, ctx.id)
    }
    line: dict[str, object] = {
        "op": "order_return",
        "order": ctx.number,
        "line_numbers": [number_of[i] for i in wanted if i not in broken],
        "damaged_line_numbers": [number_of[i] for i in wanted if i in broken],
        **({"refund_method": method} if method is not None else {"exchange": True}),
        **({"store": store} if store else {}),
        "numbers": {"refund": taken.number},
    }
    journal_sink.record(ctx.db, ctx.conn, ctx.actor, line)


@dataclass(frozen=True)
class TakenBack:
    """Units taken back inside a transaction, their refund note issued, the refund not yet
    paid (a return pays it out; an exchange carries it to the new sale). ``ctx`` is the
    original order booked at the store the units were handed in (:func:`booked_at`): its
    payments go to that store's till and shift."""

    ctx: _Ctx
    refund_id: int
    number: str
    amount: Decimal
    units: tuple[tuple[str, str], ...]


def take_back(
    conn: Connection,
    db: Database,
    actor: Actor,
    order: str,
    wanted: list[int],
    broken: set[int],
    store: str | None,
) -> TakenBack:
    """Return the fulfilled lines ``wanted`` of ``order`` to stock at ``store`` (or write off
    those in ``broken``), each with its RETURN event, and issue the refund note at ``store``
    (default: the order's store)."""
    row = _find(conn, order, lock=True)
    ctx = _Ctx(conn, db, actor, row)
    not_taken.require_taken(conn, ctx.number)  # a till's sale central did not take
    here = store or ctx.store
    here_id = repo.store_id(db, conn, here)  # unknown store: refused before anything moves
    rows = {r._mapping["id"]: r for r in orepo.order_lines(conn, ctx.id)}
    chosen = []
    for line_id in wanted:
        r = rows.get(line_id)
        if r is None:
            raise BadRequest(f"order {ctx.number} has no line {line_id}", code="unknown_line")
        # A sold line, or one left open and paid at central (its money alone comes back).
        returnable = r._mapping["status"] == LineStatus.FULFILLED or (
            open_line_credit.taken_without_unit(r._mapping, lambda: _view(conn, row).totals.due)
        )
        if not returnable:
            raise BadRequest(
                f"line {r._mapping['number']} ({r._mapping['sku']}) is "
                f"{r._mapping['status']}, not sold: nothing to return",
                code="not_returnable",
            )
        chosen.append(r)
    chosen, broken = package_returns.with_parts(rows, chosen, broken, ctx.number)
    units: list[tuple[str, str]] = []
    for r in chosen:
        m = r._mapping
        if m["package_type"] == "exploded" or m["status"] == LineStatus.OPEN:
            continue  # a package opened at the sale (its components come back), or no unit
        action = Action.RETURN_DAMAGED if m["id"] in broken else Action.RETURN
        step = (
            ledger.Step(action, here, m["sku"], [m["serial"]])
            if m["serial"]
            else ledger.Step(action, here, m["sku"], quantity=m["quantity"])
        )
        result = ledger.move_in(
            conn,
            db,
            actor,
            step,
            ctx.doc(m["number"]),
            reason="damaged" if m["id"] in broken else None,
        )
        if not m["serial"] and action is Action.RETURN and not journal_sink.on_terminal(db):
            # A till's ledger holds its own store's sales only: central checks the entry.
            quantity_returns.refuse_order_return_beyond_sold(
                conn, m["product_id"], m["sku"], ctx.number, m["quantity"]
            )
        if m["serial"]:
            state = result.units[0].to_state if result.units else "untracked"
            units.append((m["serial"], state))
    inv = orepo.invoice_t.c
    originals = sorted({int(i) for r in chosen if (i := r._mapping["invoice_id"]) is not None})
    if any(r._mapping["invoice_id"] is None for r in chosen):
        # A line never handed over: its money was taken on the order's invoices.
        held = sa.select(inv.id).where(inv.order_id == ctx.id, inv.kind == "Invoice")
        originals = sorted({*originals, *conn.execute(held).scalars()})
    refers = ", ".join(
        conn.execute(sa.select(inv.number).where(inv.id.in_(originals)).order_by(inv.id)).scalars()
    )
    # A line left open and paid was never invoiced: its money is a deposit, given back as a
    # refund payment, not credited against sales (open_line_credit.py): off the note.
    invoiced = open_line_credit.invoiced_only(chosen)
    booked = booked_at(ctx, here, here_id)
    refund_id, number = issue_invoice(booked, invoiced, "Refund", refers_to=refers or None)
    amount = sum((_row_total(r) for r in chosen), ZERO)
    c = orepo.line_t.c
    conn.execute(
        sa.update(orepo.line_t)
        .where(c.id.in_([r._mapping["id"] for r in chosen]))
        .values(status=LineStatus.RETURNED.value, refund_invoice_id=refund_id)
    )
    left = [r for r in rows.values() if r._mapping["status"] == LineStatus.OPEN]
    if left and {r._mapping["id"] for r in left} <= {r._mapping["id"] for r in chosen}:
        _touch(conn, ctx.id, status=OrderStatus.FULFILLED.value)  # its last open line went
    else:
        _touch(conn, ctx.id)
    return TakenBack(booked, refund_id, number, amount, tuple(units))


def booked_at(ctx: _Ctx, store: str, store_id: int) -> _Ctx:
    """The order ``ctx`` as booked at ``store``, where its units are handed in: the same
    order (number, id, lines), but its refund note numbered in that store's series and its
    refund paid in that store's till shift. The order's own row keeps its store."""
    if store_id == ctx.store_id:
        return ctx
    moved = as_row({**ctx.row._mapping, "store_code": store, "store_id": store_id})
    return _Ctx(ctx.conn, ctx.db, ctx.actor, moved)
