"""The journal entry of a sale fulfilled on a store terminal (issue 16).

An order made at the counter of a store terminal stays local while it is open or parked:
nothing has left the store, and central has nothing to check. When it is fulfilled, the
same transaction journals one ``apply`` line that central applies as one transaction with
the same guards: the whole order (its number, store, type, delivery, customer, lines with
their serials, prices overridden and discounts with their reasons and approving manager) and
its fulfilment with the payments taken (``order_create`` with ``fulfil`` and ``payments``);
an exchange's sale names the refund note whose credit it carries (``exchange_of``).
An order central knows already (made by an ``apply`` line on the terminal, or fulfilled in
part before) is fulfilled there by number instead (``order_fulfil`` with ``line_numbers``).
Both carry the numbers the terminal gave (``numbers``), which central keeps. A serial set or
cleared on the line of an order central knows is journaled when it is set
(``order_set_serial`` by the line's number), so that fulfilment finds it there too; with
the manager's approval the serial needed at the till (``manager``, ``reason``, ``shared``;
never the PIN), read back from the ledger event the override wrote. Every other change at the
counter of such an order (a line added, removed or its quantity changed, a price override
or a discount, the order discount, the customer, the sale type) is journaled when it is
made as the order's whole state (``order_amend``, services/orders/amend.py), so central's
order equals the till's after each change, fulfilled later or left open.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from serialpos.db import journal
from serialpos.db import order_repo as orepo
from serialpos.domain.orders import EXCHANGE_CREDIT, LineStatus
from serialpos.domain.states import Action
from serialpos.services import handed_over, journal_sink
from serialpos.services.orders.views import DOCUMENT_TYPE
from serialpos.services.orders.work import _Ctx

Line = dict[str, Any]


def _text(value: object) -> str:
    return format(orepo.money(value), "f")


def _payments(ctx: _Ctx, invoice_id: int, sent: frozenset[int] = frozenset()) -> list[Line]:
    """The tenders this fulfilment settled (the change is worked out again at central),
    but those in ``sent`` (deposits central has by their own ``order_pay``). An exchange's
    credit is no tender: central puts it on the sale from the refund note named by
    ``exchange_of``."""
    return [
        {"method": p._mapping["method"], "amount": _text(p._mapping["amount"])}
        for p in orepo.payments(ctx.conn, ctx.id)
        if p._mapping["kind"] == "payment"
        and p._mapping["invoice_id"] == invoice_id
        and p._mapping["method"] != EXCHANGE_CREDIT
        and int(p._mapping["id"]) not in sent
    ]


def _change(ctx: _Ctx, invoice_id: int) -> Decimal:
    """The change this fulfilment gave (its ``change`` payments, less): central works it out
    again when it applies the sale, but a conflict says the money the till kept from it
    (tenders less change: domain/sale_not_recorded.py), which the tenders alone overstate."""
    return -sum(
        (
            orepo.money(p._mapping["amount"])
            for p in orepo.payments(ctx.conn, ctx.id)
            if p._mapping["kind"] == "change" and p._mapping["invoice_id"] == invoice_id
        ),
        Decimal("0.00"),
    )


def _terms(m: Any) -> Line:
    """A line's price override and discount, with its reason and approver (no PIN: the
    terminal checked it; central takes the approver from a journal entry)."""
    out: Line = {}
    if m["list_price"] is not None:
        out["price"] = _text(m["unit_price"])
    if m["discount_percent"] is not None:
        out["discount_percent"] = format(orepo.rate(m["discount_percent"]), "f")
    elif m["discount"] is not None:
        out["discount"] = _text(m["discount"])
    if out:
        out["reason"] = m["discount_reason"] or "price override"
        if m["discount_approved_by"]:
            out["manager"] = m["discount_approved_by"]
    return out


def _customer(conn: Any, m: Any) -> Line | None:
    """The order's customer: its record by key with all its details, email included (central
    takes the record by key, made there by the record's own ``customer_upsert`` entry), else
    the details typed on the order."""
    if m["customer_id"] is not None:
        from serialpos.services.customers import record_in

        r = record_in(conn, int(m["customer_id"]))
        if r.key is not None:
            details = {"phone": r.phone, "email": r.email, "address": r.address}
            return {"key": r.key, "name": r.name, **{k: v for k, v in details.items() if v}}
    found = {
        key: m[column]
        for key, column in (
            ("name", "customer_name"),
            ("phone", "customer_phone"),
            ("address", "customer_address"),
        )
        if m[column]
    }
    return found or None


def _order_terms(m: Any) -> Line:
    out: Line = {}
    if m["discount_percent"] is not None:
        out["discount_percent"] = format(orepo.rate(m["discount_percent"]), "f")
    elif m["discount"] is not None:
        out["discount"] = _text(m["discount"])
    if out:
        out["reason"] = m["discount_reason"] or "order discount"
        if m["discount_approved_by"]:
            out["manager"] = m["discount_approved_by"]
    return out


def record_fulfilment(
    ctx: _Ctx,
    chosen: list[sa.Row[object]],
    invoice_id: int,
    invoice: str,
    deposits: frozenset[int] = frozenset(),
) -> str | None:
    """Journal this fulfilment in its transaction, on a store terminal; the entry id.
    ``deposits``: the ids of the payments taken on the order before this fulfilment and
    not on an invoice yet, which it put on its invoice. On an order central knows each of
    them reached central by its own ``order_pay`` (:func:`record_payment`), so the
    ``order_fulfil`` leaves them out (central puts its copies on the invoice as the till
    did); an order only rung up here sends them with its ``order_create``."""
    if not journal_sink.journaling(ctx.db):
        return None
    conn, number = ctx.conn, ctx.number
    heads = [r._mapping for r in chosen if r._mapping["package_line"] is None]
    line: Line
    if journal.mentions(conn, number):
        line = {
            "op": "order_fulfil",
            "order": number,
            "line_numbers": [m["number"] for m in heads],
            "payments": _payments(ctx, invoice_id, deposits),
            "numbers": {"invoice": invoice},
            # the serials the customer took: central fulfils only lines holding the same
            "handed_over": handed_over.journaled((m["number"], m["serial"]) for m in heads),
            # the change this drawer gave, always: central books it as given, never its own
            # (services/orders/checkout.py ``change_given``)
            "change_due": _text(_change(ctx, invoice_id)),
        }
    else:
        order = ctx.row._mapping
        # Removed lines too (``status`` removed): central makes and removes them, so the
        # lines after them have the same numbers at both ends, named by later entries.
        rows = [
            r._mapping
            for r in orepo.order_lines(conn, ctx.id, include_removed=True)
            if r._mapping["package_line"] is None
        ]
        overrides = serial_overrides(conn, number)
        lines = [
            _removed_line(m)
            if m["status"] == LineStatus.REMOVED
            else {
                "sku": m["sku"],
                **({"serial": m["serial"]} if m["serial"] else {}),
                # the manager's approval the serial needed here (additive: central applies it)
                **(
                    {"serial_override": o}
                    if (o := _override(overrides, m["number"], m["serial"]))
                    else {}
                ),
                "quantity": m["quantity"],
                # the price the customer saw here: central sells at it (services/orders/host.py)
                "catalogue_price": _text(
                    m["list_price"] if m["list_price"] is not None else m["unit_price"]
                ),
                **_terms(m),
            }
            for m in rows
        ]
        open_rows = [m for m in rows if m["status"] != LineStatus.REMOVED]
        chosen_numbers = {m["number"] for m in heads}
        positions = [n for n, m in enumerate(rows, start=1) if m["number"] in chosen_numbers]
        line = {
            "op": "order_create",
            "store": ctx.store,
            "type": order["type"],
            "delivery": order["delivery"],
            **({"customer": c} if (c := _customer(conn, order)) else {}),
            **({"exchange_of": x} if (x := order.get("exchange_of")) else {}),
            "lines": lines,
            **_order_terms(order),
            "fulfil": True if len(positions) == len(open_rows) else positions,
            "payments": _payments(ctx, invoice_id),
            **({"change_due": _text(g)} if (g := _change(ctx, invoice_id)) else {}),
            "numbers": {"order": number, "invoice": invoice},
        }
    return journal_sink.record(ctx.db, conn, ctx.actor, line)


def _removed_line(m: Any) -> Line:
    """A line removed before the order reached central: its product and quantity, and the
    serial it keeps for the record (central reserves nothing for it)."""
    return {
        "sku": m["sku"],
        **({"serial": m["serial"]} if m["serial"] else {}),
        "quantity": m["quantity"],
        "status": LineStatus.REMOVED.value,
    }


def serial_overrides(conn: Any, number: str) -> dict[str, Line]:
    """The manager's approval of each line's serial on order ``number`` that needed one (a
    unit the ledger did not know, or a serial shared with another product), by the line's
    number: read from the ``adjust_add`` event the override wrote, which names the manager
    and the order's line (services/orders/serials.py). Never a PIN: the till checked it."""
    from serialpos.db import repo

    e, u = repo.event_t.c, repo.unit_t.c
    found = conn.execute(
        sa.select(e.document_line, e.serial, e.user_name, e.reason, u.shared_by)
        .select_from(repo.event_t)
        .join(repo.unit_t, u.id == e.unit_id, isouter=True)
        .where(
            e.document_type == DOCUMENT_TYPE,
            e.document_id == number,
            e.action == Action.ADJUST_ADD.value,
        )
        .order_by(e.id)
    )
    out: dict[str, Line] = {}
    for line, serial, manager, reason, shared in found:
        out[f"{line}:{serial}"] = {
            "manager": manager,
            **({"reason": reason} if reason else {}),
            **({"shared": True} if shared else {}),
        }
    return out


def _override(overrides: dict[str, Line], number: object, serial: object) -> Line | None:
    return overrides.get(f"{number}:{serial}") if serial else None


def record_serial(ctx: _Ctx, number: int, before: str | None, after: str | None) -> str | None:
    """Journal a serial set, changed or cleared on line ``number`` of an order central knows
    (made by an ``apply`` line here, or fulfilled in part), on a store terminal; the entry id.
    By the line's number, as central's line ids are not the terminal's. An order only rung up
    here is sent whole, serials and all, when it is fulfilled: nothing is journaled now."""
    if before == after or not journal_sink.journaling(ctx.db):
        return None
    if not journal.mentions(ctx.conn, ctx.number):
        return None
    line: Line = {
        "op": "order_set_serial",
        "order": ctx.number,
        "line_number": number,
        "serial": after,
    }
    approval = _override(serial_overrides(ctx.conn, ctx.number), number, after)
    if approval is not None:  # the manager's override the till accepted it with
        line |= approval
    return journal_sink.record(ctx.db, ctx.conn, ctx.actor, line)


def record_amend(ctx: _Ctx) -> str | None:
    """Journal the state of an order central knows after a change at the counter, in the
    change's transaction, on a store terminal; the entry id (None: nothing to journal, an
    order only rung up here is sent whole when it is fulfilled). The whole state rather
    than the change: central makes its order equal to it (services/orders/amend.py), so an
    entry applied twice, or after one central refused, still leaves the two equal."""
    if ctx.new_lines is not None or not journal_sink.journaling(ctx.db):
        return None  # an order opened in this transaction: central cannot know it yet
    # (The look-up reads the journal's lines: about 4 ms of CPU at 5,000 entries.)
    if not journal.mentions(ctx.conn, ctx.number):
        return None
    return journal_sink.record(ctx.db, ctx.conn, ctx.actor, order_state(ctx.conn, ctx.number))


def order_state(conn: Any, number: str) -> Line:
    """The ``order_amend`` line of order ``number`` as it stands: header, customer, the order
    discount and every open or removed line by its number (a package's parts naming their
    package line, ``part_of``) with its price terms and serial."""
    from serialpos.services.orders.reading import _find

    order = _find(conn, number)._mapping
    rows = orepo.order_lines(conn, int(order["id"]), include_removed=True)
    numbers = {r._mapping["id"]: r._mapping["number"] for r in rows}
    overrides = serial_overrides(conn, number)
    lines: list[Line] = []
    for r in rows:
        m = r._mapping
        if m["status"] not in (LineStatus.OPEN, LineStatus.REMOVED):
            continue  # fulfilled or returned: central has it by its own entry
        entry: Line = {"number": m["number"], "sku": m["sku"], "status": m["status"]}
        if m["package_line"] is not None:
            entry["part_of"] = numbers.get(m["package_line"])
        entry["quantity"] = m["quantity"]
        entry["serial"] = m["serial"]
        approval = _override(overrides, m["number"], m["serial"])
        if approval is not None:
            entry["serial_override"] = approval
        if m["package_line"] is None:
            shelf = m["list_price"] if m["list_price"] is not None else m["unit_price"]
            entry["catalogue_price"] = _text(shelf)
            entry |= _terms(m)
            share_percent = m["order_discount_percent"]
            if share_percent is not None:
                entry["order_discount_percent"] = format(orepo.rate(share_percent), "f")
            elif m["order_discount"] is not None:
                entry["order_discount"] = _text(m["order_discount"])
        lines.append(entry)
    return {
        "op": "order_amend",
        "order": number,
        "type": order["type"],
        "delivery": order["delivery"],
        "customer": _customer(conn, order),
        "lines": lines,
        **_order_terms(order),
    }


def record_payment(ctx: _Ctx, method: str, amount: object) -> str | None:
    """Journal a payment taken on an order central knows before it is fulfilled (a
    deposit), in its transaction, on a store terminal; the entry id. Central takes it on
    its order by ``order_pay``, so the money paid is the same at both ends while the order
    waits (and a void refunds the same); its fulfilment then leaves it out
    (:func:`record_fulfilment`). An order only rung up here sends its deposits with its
    ``order_create``: nothing is journaled now."""
    if not journal_sink.journaling(ctx.db) or not journal.mentions(ctx.conn, ctx.number):
        return None
    line: Line = {
        "op": "order_pay",
        "order": ctx.number,
        "payments": [{"method": method, "amount": _text(amount)}],
    }
    return journal_sink.record(ctx.db, ctx.conn, ctx.actor, line)


def record_status(ctx: _Ctx, parked: bool) -> str | None:
    """Journal an order central knows parked (or resumed) at the counter, in its
    transaction, on a store terminal; the entry id. As a state (``order_park`` with
    ``parked``): applied twice, or after a refused entry, it still leaves the two equal."""
    if not journal_sink.journaling(ctx.db) or not journal.mentions(ctx.conn, ctx.number):
        return None
    line: Line = {"op": "order_park", "order": ctx.number, "parked": parked}
    return journal_sink.record(ctx.db, ctx.conn, ctx.actor, line)
