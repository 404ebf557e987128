"""Checkout: payments, fulfilment (selling the units) and the invoice. The payment rule (a sale
paid in full, a special order or lay-by covering what is fulfilled so far) is in the package
docstring.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import line_money, repo, sale_invoice_sql, tender_sql
from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import (
    BadRequest,
    BadValue,
    DomainError,
)
from serialpos.domain.orders import (
    DeliveryMode,
    LineForGate,
    LineStatus,
    OrderStatus,
    PaymentMethod,
    SaleType,
    cash_kept,
    check_change_in_cash,
    check_fulfilment_gate,
    closed_order_words,
    fulfilled_payment_refusal,
    parse_amount,
    totals,
)
from serialpos.domain.products import SERIAL_MODES
from serialpos.domain.states import Action
from serialpos.services import document_numbers, journal_sink, ledger, sale_dates, shifts
from serialpos.services.context import Actor
from serialpos.services.orders import sale_journal
from serialpos.services.orders.reading import _find, _view, as_row, line_mode
from serialpos.services.orders.views import (
    ZERO,
    FulfilResult,
    OrderClosed,
    OrderView,
    PaymentTaken,
)
from serialpos.services.orders.work import _Ctx, _row_total, _touch, _write
from serialpos.services.shift_store import refuse_cash_elsewhere
from serialpos.services.shifts import check_shift_not_required


def _amount(value: Decimal | str | int) -> Decimal:
    if isinstance(value, float):
        raise BadValue("give amounts as decimals, not floats")
    return parse_amount(str(value))


def _insert_payment(
    ctx: _Ctx, kind: str, method: str, amount: Decimal, invoice_id: int | None = None
) -> dict[str, object]:
    """Record a payment; returns the values written (a fulfilment answers with them)."""
    values: dict[str, object] = {
        "order_id": ctx.id,
        "kind": kind,
        "method": method,
        "amount": amount,
        "at": sale_dates.dated(utcnow()),
        "user_name": ctx.actor.user,
        "invoice_id": invoice_id,
    }
    # The till shift it moved in (found by the insert); refused without one where the store
    # requires it (the transaction, and so the payment, is then rolled back).
    terminal = ctx.actor.terminal
    values["shift_id"], elsewhere = sale_invoice_sql.insert_payment_in_shift(
        ctx.conn, values, ctx.store_id, terminal
    )
    if values["shift_id"] is None:
        check_shift_not_required(ctx.conn, ctx.store_id, terminal)
        # Cash from a drawer open at another store: refused (services/shift_store.py).
        refuse_cash_elsewhere(ctx.conn, ctx.store_id, terminal, method, elsewhere)
    return values


def _fulfilled(
    conn: Connection,
    ctx: _Ctx,
    all_rows: list[sa.Row[object]],
    earlier: list[sa.Row[object]],
    added: list[dict[str, object]],
    invoice_id: int,
    number: str,
    chosen_ids: set[int],
) -> dict[str, Any]:
    """The lines, payments and invoices of the order as this fulfilment leaves them, from
    what it read and wrote (for :func:`_view`): the chosen lines fulfilled on the invoice,
    every payment not yet on an invoice now on it. The order's earlier invoices are read
    only when a line or payment names one (as :func:`_view` would)."""
    fulfilled = LineStatus.FULFILLED.value
    lines = [
        as_row({**r._mapping, "status": fulfilled, "invoice_id": invoice_id})
        if r._mapping["id"] in chosen_ids
        else r
        for r in all_rows
    ]
    payments = [
        as_row(values | {"invoice_id": invoice_id})
        if values["invoice_id"] is None
        else as_row(values)
        for values in [dict(p._mapping) for p in earlier] + added
    ]
    named = any(r._mapping["invoice_id"] is not None for r in all_rows) or any(
        p.invoice_id is not None for p in earlier
    )
    invoices = orepo.invoices(conn, ctx.id) if named else {invoice_id: number}
    return {"lines": lines, "payments": payments, "invoices": invoices}


def _payable(conn: Connection, order: str, amount: Decimal) -> sa.Row[object]:
    """The order, locked, refused unless it takes a payment of ``amount``: an open or
    parked order takes any, a fulfilled one at most what it owes (domain/orders.py
    :func:`fulfilled_payment_refusal`: a till's refunded void can leave one owing). The same
    rule on a till and at central, so a till's payment central's order no longer owes is
    refused ``order_closed`` there: a conflict (services/conflict_codes.py), never lost."""
    row = _find(conn, order, lock=True)
    number, status = str(row._mapping["number"]), str(row._mapping["status"])
    if status != OrderStatus.FULFILLED:
        refused = closed_order_words(number, status)
    else:
        sums = _view(conn, row).totals
        refused = fulfilled_payment_refusal(number, sums.total, sums.paid, amount)
    if refused is not None:
        raise OrderClosed(refused)
    return row


def add_payment(db: Database, actor: Actor, order: str, method: str, amount: Decimal) -> OrderView:
    """Record ``amount`` paid on an order that stays open (or a fulfilled one that owes),
    as sent: a host's ``order_pay``, a till's journal entry. At the counter, where the
    money handed over may be more than is due: :func:`take_payment`."""
    return _add_payment(db, actor, order, method, amount, give_change=False).order


def take_payment(
    db: Database, actor: Actor, order: str, method: str, tendered: Decimal
) -> PaymentTaken:
    """Money handed over at the counter for an order that stays open: cash over what is
    still due is given back as change and the order records what it owed
    (domain/orders.py :func:`cash_kept`)."""
    return _add_payment(db, actor, order, method, tendered, give_change=True)


def _add_payment(
    db: Database, actor: Actor, order: str, method: str, amount: Decimal, *, give_change: bool
) -> PaymentTaken:
    how, value = PaymentMethod.parse(method), _amount(amount)

    def work(conn: Connection) -> PaymentTaken:
        kept, change = value, ZERO
        if give_change:
            sums = _view(conn, _find(conn, order, lock=True)).totals
            kept, change = cash_kept(sums.total - sums.paid, how.value, value)
        ctx = _Ctx(conn, db, actor, _payable(conn, order, kept))
        if not shifts.applying_terminal_entry():
            sums = _view(conn, ctx.row).totals
            check_change_in_cash(sums.total - sums.paid, [(how.value, kept)])
        _insert_payment(ctx, "payment", how.value, kept)
        _touch(conn, ctx.id)
        sale_journal.record_payment(ctx, how.value, kept)
        return PaymentTaken(_view(conn, ctx.row), change)

    return _write(db, actor, work)


def issue_invoice(
    ctx: _Ctx,
    rows: list[sa.Row[object]],
    kind: str,
    refers_to: str | None = None,
    change_due: Decimal = ZERO,
) -> tuple[int, str]:
    """Number and record an invoice (or refund note) with snapshot lines of ``rows``. A refund
    note has its own series, ``RF-<store>-…`` (issue 14): an invoice number is never spent on
    money paid out, so the invoice series has no gaps a tax office would ask about. Amounts
    are stored as positive numbers; the kind says which way the money went (reports and the
    printed note show a refund negative)."""
    conn = ctx.conn
    series = "refund" if kind == "Refund" else "invoice"
    number = document_numbers.mint(ctx.db, conn, series, ctx.store, ctx.store_id)
    amounts = [line_money.row_amounts(r) for r in rows]
    sums = totals(amounts)
    invoice_id = sale_invoice_sql.insert_invoice(
        conn,
        {
            "number": number,
            "store_id": ctx.store_id,
            "order_id": ctx.id,
            "kind": kind,
            "refers_to": refers_to,
            "issued_at": sale_dates.dated(utcnow()),
            "net": sums.net,
            "tax": sums.tax,
            "total": sums.total,
            "change_due": change_due,
            "created_by": ctx.actor.user,
        },
        [
            {
                "position": i,
                "order_line_id": r._mapping["id"],
                "sku": r._mapping["sku"],
                "description": r._mapping["name"],
                "quantity": r._mapping["quantity"],
                "unit_price": r._mapping["unit_price"],
                "tax_rate": r._mapping["tax_rate"],
                "net": a.net,
                "tax": a.tax,
                "total": a.gross,
                "serial": r._mapping["serial"],
            }
            for i, (r, a) in enumerate(zip(rows, amounts, strict=True), start=1)
        ],
    )
    return invoice_id, number


def _close_one_line(
    ctx: _Ctx,
    chosen: list[sa.Row[object]],
    taking: list[tuple[str, Decimal]],
    change: Decimal,
    status: str | None,
) -> tuple[int, str, list[dict[str, object]], int] | None:
    """PostgreSQL, one line: what :func:`issue_invoice`, the payments taken now and
    ``close_fulfilment`` write, with the first payment and the invoice's number in one
    statement (db/tender_sql.py); more payments and the change follow as before. Answers
    the invoice's id and number, the payments written and the lines fulfilled; None where
    it does not apply (SQLite, several lines, a number the journal entry carries)."""
    conn = ctx.conn
    if conn.dialect.name != "postgresql" or len(chosen) != 1:
        return None
    prefix = document_numbers.number_prefix(ctx.db, "invoice", ctx.store)
    if prefix is None:
        return None
    line = chosen[0]._mapping
    amounts = line_money.row_amounts(chosen[0])
    sums = totals([amounts])
    first = None
    if taking:
        method, amount = taking[0]
        first = {
            "order_id": ctx.id,
            "kind": "payment",
            "method": method,
            "amount": amount,
            "at": sale_dates.dated(utcnow()),
            "user_name": ctx.actor.user,
        }
    terminal = ctx.actor.terminal
    closed = tender_sql.close_one_line(
        conn,
        counter=(ctx.store_id, "invoice"),
        number_prefix=prefix,
        invoice={
            "store_id": ctx.store_id,
            "order_id": ctx.id,
            "kind": "Invoice",
            "refers_to": None,
            "issued_at": sale_dates.dated(utcnow()),
            "net": sums.net,
            "tax": sums.tax,
            "total": sums.total,
            "change_due": change,
            "created_by": ctx.actor.user,
        },
        line={
            "position": 1,
            "order_line_id": line["id"],
            "sku": line["sku"],
            "description": line["name"],
            "quantity": line["quantity"],
            "unit_price": line["unit_price"],
            "tax_rate": line["tax_rate"],
            "net": amounts.net,
            "tax": amounts.tax,
            "total": amounts.gross,
            "serial": line["serial"],
        },
        payment=first,
        shift=(ctx.store_id, terminal),
        order_id=ctx.id,
        now=utcnow(),
        status=status or OrderStatus.OPEN.value,
    )
    document_numbers.made_in_sql("invoice", closed.number)
    invoice_id = closed.invoice_id
    added: list[dict[str, object]] = []
    if first is not None:
        added.append({**first, "invoice_id": invoice_id, "shift_id": closed.shift_id})
        if closed.shift_id is None:  # refused where the store requires a shift
            check_shift_not_required(conn, ctx.store_id, terminal)
            refuse_cash_elsewhere(
                conn, ctx.store_id, terminal, str(first["method"]), closed.shift_elsewhere
            )
    added += [
        _insert_payment(ctx, "payment", method, amount, invoice_id) for method, amount in taking[1:]
    ]
    if change:
        added.append(_insert_payment(ctx, "change", PaymentMethod.CASH.value, -change, invoice_id))
    return invoice_id, closed.number, added, closed.fulfilled


def _check_delivery(row: sa.Row[object]) -> None:
    m = row._mapping
    if m["delivery"] != DeliveryMode.DELIVERY:
        return
    missing = [
        what
        for what, key in (
            ("name", "customer_name"),
            ("phone", "customer_phone"),
            ("address", "customer_address"),
        )
        if not m[key]
    ]
    if missing:
        raise BadRequest(
            f"a delivery needs the customer's {', '.join(missing)} before fulfilment",
            code="customer_required",
        )


def fulfil(
    db: Database,
    actor: Actor,
    order: str,
    *,
    lines: list[int] | None = None,
    payments: list[tuple[str, Decimal]] | None = None,
    settle_in: str | None = None,
    change_given: Decimal | None = None,
    change_beyond_drawer: bool = False,
) -> FulfilResult:
    """Hand over the given lines (default: every open line): sell their units, issue the
    invoice. ``payments`` are added first; ``settle_in`` (a payment method) pays whatever is
    still due that way (what a host's ``order_fulfil`` without payments does).

    ``change_given``: the change a store terminal's drawer gave with this fulfilment (its
    entry's ``change_due``), booked as it is, never change worked out here: the order may
    have taken money at central the till's copy did not know of (a layby's part payment at
    the head office while the till was offline), and the till took the balance its copy
    showed. Central booked the difference as change no drawer gave (cash, even for a card
    tender), and the customer's money paid twice was in no book. What the order then holds
    over its total is answered as ``paid_over``.

    Change more than this terminal's open shift expects its drawer to hold (an exchange's
    credit over the new sale: services/exchanges.py) is refused ``change_beyond_drawer``,
    naming the cash short, unless ``change_beyond_drawer`` says the cashier confirmed it."""
    given = [(PaymentMethod.parse(m).value, _amount(a)) for m, a in (payments or [])]
    settle = PaymentMethod.parse(settle_in).value if settle_in else None
    # On a store terminal whose offline rules would refuse this sale offline: is the link
    # up now? Asked before the transaction, never inside it (services/journal_sink.py).
    journal_sink.ahead_of_sale(db, actor, order)

    def work(conn: Connection) -> FulfilResult:
        row = _find(conn, order, lock=True)
        status = row._mapping["status"]
        if status == OrderStatus.PARKED:
            raise OrderClosed(f"order {row._mapping['number']} is parked; resume it first")
        if status != OrderStatus.OPEN:
            raise OrderClosed(f"order {row._mapping['number']} is {status}; nothing to fulfil")
        ctx = _Ctx(conn, db, actor, row)
        # The lines with the units their serials name: the ledger reads neither again.
        with_units = orepo.order_lines_with_units(conn, ctx.id)
        all_rows = [r for r, _unit in with_units]
        units = {r._mapping["id"]: unit for r, unit in with_units}
        open_rows = [r for r in all_rows if r._mapping["status"] == LineStatus.OPEN]
        if lines is None:
            chosen = open_rows
        else:
            by_id = {r._mapping["id"]: r for r in open_rows}
            wanted = list(dict.fromkeys(lines))
            unknown = [str(x) for x in wanted if x not in by_id]
            if unknown:
                raise BadRequest(
                    f"order {ctx.number} has no open line {', '.join(unknown)}", code="unknown_line"
                )
            pulled = [
                r._mapping["id"]
                for r in open_rows
                if r._mapping["package_line"] in wanted and r._mapping["id"] not in wanted
            ]
            chosen = [by_id[x] for x in [*wanted, *pulled]]
        if not chosen:
            raise BadRequest(f"order {ctx.number} has no open lines to fulfil")
        check_fulfilment_gate(
            LineForGate(r._mapping["number"], r._mapping["sku"], line_mode(r), r._mapping["serial"])
            for r in chosen
        )
        _check_delivery(row)
        earlier = orepo.payments_of(conn, row)
        # Payments taken now are recorded on the invoice once it is issued (below).
        taking = list(given)
        chosen_ids = {r._mapping["id"] for r in chosen}
        order_total = sum(
            (
                _row_total(r)
                for r in all_rows
                if r._mapping["status"] in (LineStatus.OPEN, LineStatus.FULFILLED)
            ),
            ZERO,
        )
        last = len(chosen) == len(open_rows)
        if row._mapping["type"] == SaleType.SALE or last:
            required = order_total
        else:
            required = sum(
                (
                    _row_total(r)
                    for r in all_rows
                    if r._mapping["status"] == LineStatus.FULFILLED
                    or r._mapping["id"] in chosen_ids
                ),
                ZERO,
            )
        paid_before = sum((orepo.money(p.amount) for p in earlier), ZERO)
        if not shifts.applying_terminal_entry():
            check_change_in_cash(order_total - paid_before, taking)
        paid = paid_before + sum((orepo.money(amount) for _method, amount in taking), ZERO)
        if paid < required and settle is not None:
            taking.append((settle, required - paid))
            paid = required
        if paid < required:
            what = "the order total" if required == order_total else "the lines fulfilled"
            raise BadRequest(
                f"{required - paid:.2f} still to pay: payments must cover {what} "
                f"({required:.2f}) before fulfilment",
                code="payment_due",
            )
        # The change of tenders over the order's total, given when they are tendered:
        # a cash sale paid over its total with a line left open (paid, not handed over
        # yet) owes the customer the rest now, as a sale handed over whole does. It used
        # to wait for the last open line, so the customer left without it and the drawer
        # held it. Net of the change given before (a ``change`` row is a payment, less):
        # never given twice.
        change = paid - order_total if paid > order_total else ZERO
        paid_over = ZERO
        if change_given is not None:
            paid_over = max(change - change_given, ZERO)
            change = change_given
        elif not change_beyond_drawer and not shifts.applying_terminal_entry():
            cash_in = sum((a for m, a in taking if m == PaymentMethod.CASH.value), ZERO)
            shifts.check_change_in_drawer(conn, ctx.store_id, actor.terminal, change, cash_in)
        for r in chosen:
            m = r._mapping
            if m["package_type"] == "exploded":
                continue  # the components are the goods handed over
            # A line sells the unit reserved to it, checked in the ledger's conditional update.
            step = (
                ledger.Step(Action.SELL, ctx.store, m["sku"], [m["serial"]], hold=m["id"])
                if m["serial"]
                else ledger.Step(Action.SELL, ctx.store, m["sku"], quantity=m["quantity"])
            )
            unit = units[m["id"]]
            known = None
            if m["serial"] and unit is not None and m["product_sku"] == m["sku"]:
                known = ledger.Known(
                    repo.ProductRow(
                        m["product_id"],
                        m["product_sku"],
                        m["product_name"],
                        SERIAL_MODES[m["serial_mode"]],
                        m["product_serial_format"],
                    ),
                    ctx.settings().serialized_inventory,
                    unit,
                )
            ledger.move_in(conn, db, actor, step, ctx.doc(m["number"]), known=known)
        status = OrderStatus.FULFILLED.value if last else None
        closed = _close_one_line(ctx, chosen, taking, change, status)
        if closed is not None:  # PostgreSQL, one line: the writes below in one statement
            invoice_id, number, added, done = closed
        else:
            invoice_id, number = issue_invoice(ctx, chosen, "Invoice", change_due=change)
            added = [
                _insert_payment(ctx, "payment", method, amount, invoice_id)
                for method, amount in taking
            ]
            if change:
                added.append(
                    _insert_payment(ctx, "change", PaymentMethod.CASH.value, -change, invoice_id)
                )
            # The lines fulfilled on the invoice, the earlier payments on it (those taken now
            # are on it already), the order's status (still open, as checked under its lock,
            # unless this was its last open line).
            done = sale_invoice_sql.close_fulfilment(
                conn,
                sorted(chosen_ids),
                invoice_id,
                ctx.id,
                utcnow(),
                status or OrderStatus.OPEN.value,
                attach_payments=any(p.invoice_id is None for p in earlier),
            )
        if done != len(chosen_ids):
            raise DomainError(
                "another terminal fulfilled these lines at the same moment", code="conflict"
            )
        # On a store terminal the sale reaches central as one journal entry, kept or lost
        # with the sale itself (services/orders/sale_journal.py).
        deposits = frozenset(int(p.id) for p in earlier if p.invoice_id is None)
        sale_journal.record_fulfilment(ctx, chosen, invoice_id, number, deposits)
        answer = _fulfilled(conn, ctx, all_rows, earlier, added, invoice_id, number, chosen_ids)
        view = _view(conn, row, status, **answer)
        return FulfilResult(view, number, change, paid_over)

    return _write(db, actor, work)
