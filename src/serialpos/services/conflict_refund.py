"""The ``refund`` resolution of a till's sale that handed over nothing central can record
(issue 16, D5).

A till's offline sale whose every line handed over named a unit another till sold first (a
one-line sale of a TV sold at the other till too) cannot be recorded by ``record_sale``:
nothing of it left the store as central knows it, so there is no rest to record, and
``accept`` left the money the till took recorded nowhere at central. The till could not
record the refund either: its order is NOT TAKEN (``order_return`` refused ``not_taken``)
and fulfilled (``order_void`` refused ``order_closed``). The drawer held money no book
named, for good.

What a shop does with a paid sale it cannot deliver: it voids the sale and refunds the
customer. So ``refund`` records the till's order at central as the till made it (its number,
customer, prices, the cashier who made it, dated as the till made it) with **no unit**: every
line open, its serial cleared (central's unit stays the other customer's), the tenders taken
on it (less any change the till gave), then **voids** it as the manager, now: the void
refunds every tender by its method, as a void at a counter does (services/order_void.py). No
unit moves and no invoice stands (nothing was delivered; the till's invoice number is left
unused, as a voided sale's). Central's books then hold the money taken and the money given
back: the drawers and the sales reports balance, and the order reads voided and refunded.
The till takes central's rows of the order at its next sync (terminal/recorded_sales.py):
its order voided with the refund, its invoice of the sale gone, the refund paid out of its
open shift's drawer (where the manager pays the customer back).

A sale that handed over other lines is recorded by ``record_sale`` instead (the goods that
left are sold); its open line is then refunded as any paid line not delivered.

An exchange's new sale whose return a manager accepted (so central holds no refund note for
its credit, and ``record_sale`` of it is refused) is refunded the same way, without the
credit: its tenders are the difference the till took, which ``accept`` left in the till's
drawer and in no book of central's (:func:`exchange_sale`, :func:`check_followed`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.sale_not_recorded import FOLLOW_ERRORS, SALE_OPS
from serialpos.services.apply_ids import ApplyObject
from serialpos.services.context import Actor

Result = dict[str, Any]


def refund_plan(current: Mapping[str, Any]) -> tuple[Result, list[tuple[str, Decimal]]]:
    """(the ``order_create`` line recording conflict ``current``'s sale open without units,
    the tenders taken on it); a :class:`BadRequest` naming what to do instead for a conflict
    that is no such sale."""
    number = current.get("id")
    line = (current.get("entry") or {}).get("line") or {}
    exchange = exchange_sale(current)
    if current.get("error") in FOLLOW_ERRORS and not exchange:
        raise BadRequest(
            f"conflict {number} follows another conflict ({line.get('op', '?')}): refund "
            "settles a till's own sale; resolve it by record_sale or accept"
        )
    if line.get("op") == "sell":
        return _from_sell(line)
    if line.get("op") not in SALE_OPS or not isinstance(line.get("lines"), list):
        from serialpos.services.conflicts import ways

        raise BadRequest(
            f"conflict {number} is no sale of a till ({line.get('op', '?')}): refund voids a "
            f"till's sale and gives its money back; resolve it by {ways(current)}"
        )
    serial = current.get("serial")
    lines = line["lines"]
    named = {n for n, item in enumerate(lines, start=1) if serial and item.get("serial") == serial}
    fulfil = line.get("fulfil")
    chosen = list(range(1, len(lines) + 1)) if fulfil is True else list(fulfil or [])
    kept = [p for p in chosen if p not in named]
    if kept:
        raise BadRequest(
            f"conflict {number}'s sale handed over other lines ({', '.join(map(str, kept))}): "
            "resolve it by record_sale, which records them with the money and leaves the "
            "unit's line open and paid, then refund that line; nothing was resolved"
        )
    given = line.get("numbers")
    numbers = {"order": given["order"]} if isinstance(given, Mapping) and "order" in given else {}
    # An exchange's sale is recorded without the credit central never held: its tenders
    # are the difference the till took (its entry names no credit among them).
    dropped = ("id", "fulfil", "payments", "numbers", "exchange_of")
    order: Result = {k: v for k, v in line.items() if k not in dropped}
    order["lines"] = [{k: v for k, v in item.items() if k != "serial"} for item in lines]
    if numbers:
        order["numbers"] = numbers
    tenders = _tenders(line.get("payments"))
    if not tenders and line.get("payments") is None:
        # Fulfilled without payments: the till settled the whole in cash (as a host's
        # order_fulfil without payments does), so that is what it took.
        tenders = [("cash", WHOLE)]
    return order, tenders


def exchange_sale(current: Mapping[str, Any]) -> bool:
    """Whether conflict ``current`` is an exchange's new sale central refused for naming a
    refund note it does not hold (its return, a conflict of its own, was not recorded)."""
    line = (current.get("entry") or {}).get("line") or {}
    return (
        current.get("error") in FOLLOW_ERRORS
        and line.get("op") in SALE_OPS
        and isinstance(line.get("exchange_of"), str)
        and isinstance(line.get("lines"), list)
    )


def check_followed(current: Mapping[str, Any], followed: Mapping[str, Any] | None) -> None:
    """Refuse ``refund`` of an exchange's new sale while its return may still be recorded:
    the return open (resolve it first), or recorded (``record_sale``: its credit is
    central's now, so the sale is recorded by ``record_sale`` with it). Once the return was
    settled otherwise (``accept`` …) nothing else books the difference the till took: the
    till's drawer held it and central's books did not, for good."""
    if not exchange_sale(current) or followed is None:
        return
    number, other = current.get("id"), followed.get("id")
    if followed.get("status") != "resolved":
        raise BadRequest(
            f"conflict {number} follows conflict {other}, still open: resolve {other} first "
            "(record_sale records the return and its credit, then this sale by record_sale)"
        )
    if (followed.get("resolution") or {}).get("action") == "record_sale":
        raise BadRequest(
            f"conflict {number} follows conflict {other}, recorded by record_sale: its "
            "credit is central's, so resolve this sale by record_sale (nothing was resolved)"
        )


def check_returned(current: Mapping[str, Any], followers: Sequence[Mapping[str, Any]]) -> None:
    """Refuse ``refund`` of a sale the till took back itself: a return of it (a conflict
    following it) refunded the customer at the till already, or gave them exchange credit,
    so a refund of the sale pays them back a second time (the till's order held the
    payment and two refunds, its X report the sale's money refunded twice). The sale and
    its return are then both the till's: ``accept`` of each leaves them, netting to
    nothing, listed apart in the till's books."""
    taken_back = [
        f
        for f in followers
        if ((f.get("entry") or {}).get("line") or {}).get("op") == "order_return"
    ]
    if taken_back:
        other = taken_back[0].get("id")
        raise BadRequest(
            f"conflict {current.get('id')}'s sale was taken back at the till (conflict "
            f"{other}, its return): the customer was refunded or credited there, so refund "
            f"would pay them back twice; resolve {other} and this sale by accept (nothing "
            "was resolved)"
        )


def _from_sell(line: Mapping[str, Any]) -> tuple[Result, list[tuple[str, Decimal]]]:
    """A till's ``sell`` (a sale through ``serialpos apply`` on the till: its units handed
    over and settled whole in its ``payment``, cash by default) as the ``order_create`` that
    records it without units, each unit a line at the till's price; its tender is the
    order's total (:data:`WHOLE`)."""
    serials = line.get("serials") or ([line["serial"]] if line.get("serial") else [])
    count = len(serials) if serials else int(line.get("quantity") or 1)
    item: Result = {"sku": line.get("sku"), "quantity": 1 if serials else count}
    if line.get("catalogue_price") is not None:
        item["catalogue_price"] = line["catalogue_price"]
    given = line.get("numbers")
    order: Result = {
        "op": "order_create",
        "store": line.get("store"),
        "lines": [dict(item) for _ in range(len(serials))] if serials else [item],
    }
    if isinstance(given, Mapping) and "order" in given:
        order["numbers"] = {"order": given["order"]}
    if isinstance(line.get("journal"), Mapping):
        order["journal"] = line["journal"]
    method = line.get("payment") if isinstance(line.get("payment"), str) else "cash"
    return order, [(str(method), WHOLE)]


#: A tender of the order's whole total (a ``sell`` names no amount).
WHOLE = Decimal(-1)


def _tenders(given: Any) -> list[tuple[str, Decimal]]:
    out: list[tuple[str, Decimal]] = []
    for item in given if isinstance(given, list) else []:
        if not isinstance(item, Mapping):
            continue
        try:
            amount = Decimal(str(item.get("amount")))
        except InvalidOperation:
            continue
        if amount > 0 and isinstance(item.get("method"), str):
            out.append((str(item["method"]), amount))
    return out


def kept_by_till(tenders: list[tuple[str, Decimal]], total: Decimal) -> list[tuple[str, Decimal]]:
    """The tenders less the change the till gave: what was paid over ``total`` (the
    sale's) came back in cash at its counter, so the cash tendered last is cut first."""
    over = sum((a for _m, a in tenders), Decimal(0)) - total
    out = list(tenders)
    for at in range(len(out) - 1, -1, -1):
        if over <= 0:
            break
        method, amount = out[at]
        if method != "cash":
            continue
        cut = min(amount, over)
        out[at], over = (method, amount - cut), over - cut
    return [(m, a) for m, a in out if a > 0]


def refund_sale(
    current: Mapping[str, Any],
    as_cashier: Callable[[Result], Result],
    as_manager: Callable[[Result], Result],
) -> Result:
    """Record conflict ``current``'s sale open without units and paid (by ``as_cashier``:
    the till's cashier, dated as the till made it), then void it (``as_manager``: now),
    which refunds the tenders. The first refusal is answered; the caller rolls back."""
    order, tenders = refund_plan(current)
    made = as_cashier(order)
    if not made["ok"]:
        return made
    number = str(made.get("order") or order.get("numbers", {}).get("order"))
    try:
        total = Decimal(str(made.get("total")))
    except InvalidOperation:
        total = sum((a for _m, a in tenders), Decimal(0))
    whole = [(m, total) for m, a in tenders if a == WHOLE][:1]
    paid = whole or kept_by_till(tenders, total)
    if paid:
        pay = {
            "op": "order_pay",
            "order": number,
            "payments": [{"method": m, "amount": str(a)} for m, a in paid],
        }
        verdict = as_cashier(pay)
        if not verdict["ok"]:
            return verdict
    voided = as_manager({"op": "order_void", "order": number})
    return {**voided, "refunded": [{"method": m, "amount": str(a)} for m, a in paid]}


def refund_by(
    joined: Database,
    conn: Connection,
    current: Result,
    actor: Actor,
    apply_object: ApplyObject,
) -> Result:
    """The ``refund`` resolution's events, applied through ``joined`` (the resolution's
    transaction, its connection ``conn``): the till's sale
    recorded as its cashier's, dated as the till made it; the void and its refunds the
    resolving manager's, now; no shift of central's asked for either."""
    from serialpos.services import sale_dates
    from serialpos.services.conflict_sale import cashier
    from serialpos.services.shifts import checked_at_terminal

    line = (current.get("entry") or {}).get("line") or {}
    seller = cashier(conn, line, actor)
    when = sale_dates.of_entry(line)[0]

    def as_cashier(data: Result) -> Result:
        with sale_dates.by_till(when):
            return apply_object(joined, seller, data)

    # The money moved, and moves back, in the till's drawer, never central's: a store that
    # sells only in an open shift was checked at the till (services/shifts.py).
    with checked_at_terminal():
        return refund_sale(current, as_cashier, lambda data: apply_object(joined, actor, data))
