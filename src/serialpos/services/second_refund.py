"""The ``refund`` resolution of a till's second return of one unit (issue 16).

Two tills of a store take the same sold unit back offline, each paying the refund out of its
own drawer on a refund note of its own. Central takes the first return it gets; the second
(``order_return`` refused ``not_returnable`` / ``not_on_order``: the line was returned
meanwhile) is a conflict. ``accept`` was its only resolution, so the second refund, real
money out of that till's drawer, stayed in the till's shift and in no book of central's:
central's drawer figures and the till's disagreed for good, and the till's copy of the order
kept a refund note central never held.

What a retailer does when a customer was paid back twice for one unit: the second payout is
booked as what it is, money given out with no goods back, owed by the customer (a loss until
it is recovered). It is **not a second return**: the unit came back once, and the sale was
credited once (the first refund note), so counting the line again would report the sale
reversed twice. So ``refund`` on such a conflict books at central, in the resolution's
transaction (:func:`book`):

- the till's refund note, under the till's number (printed on the customer's slip), at the
  store the till took the unit back at, referring to the order's invoice, **listing no
  line** (a refund note of money only, as services/open_line_credit.py gives back a paid
  line never delivered);
- its refund payment, by the method the till paid it (cash unless the entry names
  another), of the gross of the lines the till took back (central's rows of the same lines
  the till's copy priced), dated as the till made it, by its cashier, in no shift of
  central's (the money left the till's drawer, whose shift rule the till checked).

The order's lines stay as the first return left them; its payments then net below nothing:
the customer owes that money back, which the order says until it is recovered. The till
takes central's rows of the order at its next sync round (terminal/recorded_sales.py), its
refund keeping its shift, so both ends hold the same order and the same money.

An exchange's return (its refund kept as credit, no money paid out) and a conflict whose
lines central does not hold returned are refused, naming what works.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.orders import LineStatus
from serialpos.domain.second_refund_words import is_second_return
from serialpos.domain.serials import normalize_serial
from serialpos.services.context import Actor

Result = dict[str, Any]


#: The events of central's that took the unit back first (``first_event.action``).
TAKEN_BACK = frozenset({"return", "return_damaged"})


def _line(current: Mapping[str, Any]) -> Mapping[str, Any]:
    line = (current.get("entry") or {}).get("line") or {}
    return line if isinstance(line, Mapping) else {}


def second_return(current: Mapping[str, Any]) -> bool:
    """Whether conflict ``current`` is a till's return of lines central had returned
    meanwhile (the same unit taken back at two tills): ``refund`` then books its money."""
    return is_second_return(current)


def check(current: Mapping[str, Any]) -> None:
    """Refuse ``refund`` of second return ``current`` when the till paid no money out
    (an exchange kept it as credit), when central did not take the unit back first through
    the same order (the event that stands, ``first_event``: a line left open or removed
    there is no second return), or when it names no refund note of its own; nothing
    written. :func:`book` checks central's lines again in its transaction."""
    line, number = _line(current), current.get("id")
    if line.get("exchange") is True:
        raise BadRequest(
            f"conflict {number} is the return half of an exchange: the till paid no money "
            "out (its refund was kept as credit on the new sale), so there is no refund to "
            "book; resolve it by accept (nothing was resolved)"
        )
    first = current.get("first_event") or {}
    if first.get("action") not in TAKEN_BACK or first.get("document") != line.get("order"):
        # Not taken back first through this order (a line central left open, removed …):
        # no refund note at central holds the goods, so this refund is no second one.
        raise BadRequest(
            f"conflict {number}: central did not take {current.get('serial') or 'the unit'} "
            f"back through order {line.get('order')} first, so the till's refund is no "
            "second refund of one unit: resolve it by accept (nothing was resolved)"
        )
    if not _note(line):
        raise BadRequest(
            f"conflict {number}'s return names no refund note of the till's: resolve it by "
            "accept (nothing was resolved)"
        )


def _note(line: Mapping[str, Any]) -> str | None:
    numbers = line.get("numbers")
    note = numbers.get("refund") if isinstance(numbers, Mapping) else None
    return note if isinstance(note, str) and note else None


def _named(rows: list[sa.Row[Any]], line: Mapping[str, Any]) -> list[sa.Row[Any]] | None:
    """The rows of the order's lines the return names (by number, or by serial: a returned
    line holding it), None when one named is not there."""
    wanted = {
        int(n)
        for key in ("line_numbers", "damaged_line_numbers")
        for n in (line.get(key) or [])
        if isinstance(n, int) and not isinstance(n, bool)
    }
    serials = [str(normalize_serial(s)) for s in (line.get("serials") or []) if isinstance(s, str)]
    if not (wanted or serials):
        return None
    chosen = [r for r in rows if r._mapping["number"] in wanted]
    if len(chosen) != len(wanted):
        return None
    for serial in serials:
        taken = {r._mapping["id"] for r in chosen}
        held = [r for r in rows if r._mapping["serial"] == serial and r._mapping["id"] not in taken]
        # The returned line first: the one the first return took back.
        held.sort(key=lambda r: r._mapping["status"] != LineStatus.RETURNED)
        if not held:
            return None
        chosen.append(held[0])
    return chosen


def book(conn: Connection, db: Database, current: Mapping[str, Any], resolver: Actor) -> Result:
    """Book second return ``current``'s refund at central (module doc), in ``conn``'s
    transaction; refused (a :class:`BadRequest`, nothing kept) when central does not hold
    every line it names returned."""
    from serialpos.services import document_numbers, sale_dates
    from serialpos.services.conflict_sale import cashier
    from serialpos.services.orders.checkout import _insert_payment, issue_invoice
    from serialpos.services.orders.reading import _find
    from serialpos.services.orders.views import ZERO
    from serialpos.services.orders.work import _Ctx, _row_total, _touch
    from serialpos.services.returns import booked_at
    from serialpos.services.shifts import checked_at_terminal

    check(current)
    line, number = _line(current), current.get("id")
    note = str(_note(line))
    order = str(line.get("order") or "")
    row = _find(conn, order, lock=True)
    seller = cashier(conn, line, resolver)
    # The money left the till's drawer: the payment is found in no shift of the resolver's
    # (central's console may have one open) but the till's, which central holds none of.
    till = replace(seller, terminal=str(current.get("terminal") or resolver.terminal))
    ctx = _Ctx(conn, db, till, row)
    rows = list(orepo.order_lines(conn, ctx.id))
    chosen = _named(rows, line)
    if chosen is None:
        raise BadRequest(
            f"conflict {number}: order {order} at central holds no line the till's return "
            "names: resolve it by accept (nothing was resolved)"
        )
    open_ = [r for r in chosen if r._mapping["status"] != LineStatus.RETURNED]
    if open_:
        m = open_[0]._mapping
        raise BadRequest(
            f"conflict {number}: line {m['number']} ({m['sku']}) of {order} is {m['status']} "
            "at central, not returned by another refund: refund books a second refund of a "
            "unit returned already; resolve it by accept (nothing was resolved)"
        )
    amount = sum((_row_total(r) for r in chosen), ZERO)
    store = str(line.get("store") or ctx.store)
    booked = booked_at(ctx, store, repo.store_id(db, conn, store))
    inv = orepo.invoice_t.c
    refers = ", ".join(
        conn.execute(
            sa.select(inv.number)
            .where(inv.order_id == ctx.id, inv.kind == "Invoice")
            .order_by(inv.id)
        ).scalars()
    )
    method = str(line.get("refund_method") or "cash")
    when = sale_dates.of_entry(line)[0]
    with document_numbers.keep({"refund": note}), sale_dates.by_till(when), checked_at_terminal():
        # No line on the note: the goods came back once, on the first refund note.
        refund_id, issued = issue_invoice(booked, [], "Refund", refers_to=refers or None)
        if amount:
            _insert_payment(booked, "refund", method, -amount, refund_id)
    _touch(conn, ctx.id)
    return {
        "ok": True,
        "order": ctx.number,
        "refund_invoice": issued,
        "amount": f"{amount:.2f}",
        "method": method,
    }
