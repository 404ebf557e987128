"""The resolutions that book a till's fulfilment of its layby central closed meanwhile
(issue 16).

The customer collected the layby at the till while its link was down: the till took the
balance into its drawer and handed the unit over. Central meanwhile fulfilled the same layby
or voided it, so the till's ``order_fulfil`` is a conflict ``order_closed``
(services/conflict_codes.py) and the till keeps its fulfilment as made. ``accept`` left the
balance in no book at central; after central's void central also held in stock the unit the
customer took away. What a retailer's books need differs by what central did:

* central **voided** the order (its deposit refunded there), then the till handed the unit
  over: the unit left the store with the till's customer, so the sale happened.
  ``record_sale`` (the till's sale recorded at central, as for a sale's conflict:
  services/conflict_sale.py) fulfils central's order as the till did: each unit sold by a
  ledger event (a guarded transition from in stock at the order's store; a unit central
  sold, reserved, moved or wrote off meanwhile refuses the resolution, naming where it is,
  nothing changed), the invoice under the till's number (printed on its receipt), the
  till's tenders and the change it gave booked as the till's cashier, dated as the till
  took them, in no shift of central's (the money is in the till's drawer). The order is
  fulfilled and holds the till's tenders and the deposit central took and refunded, so it
  owes that deposit: what the customer owes, said on the order (a fulfilled order takes a
  payment up to what it owes) and in the resolution's answer (``owes``).
* central **fulfilled** the order (the customer collected it at central, or another till):
  the customer paid the balance twice and one unit exists, the one central's sale names.
  ``refund`` (money handed back, as for a deposit on an order central voided:
  services/conflict_closed_money.py) books the till's tenders and its change as taken (the
  till's cashier, dated as the till took them) and what the till kept refunded by method
  (the resolving manager, now), rows in no shift and on no invoice; central's sale, its
  invoice and its unit stand untouched. The customer is paid back out of the till's drawer,
  where the money is.

Either way the till then takes central's rows of its order (terminal/recorded_sales.py,
db/closed_order_sql.py): the same status, lines, invoices and payments by method at both
ends; after ``refund`` central's refund is paid out of the till's open shift and the till's
own invoice of the fulfilment stays, not counted (services/not_taken.py), as central's is
the sale. The resolution is refused while central's order is in the other state (the
other resolution is the one offered).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import closed_money_sql, repo, sale_invoice_sql
from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.closed_money import entry_line
from serialpos.domain.closed_money import is_closed_fulfil as is_closed_fulfil
from serialpos.domain.errors import BadRequest
from serialpos.domain.orders import LineStatus, OrderStatus, PaymentMethod
from serialpos.domain.states import Action, UnitState
from serialpos.services.context import Actor

if TYPE_CHECKING:
    from serialpos.services.conflict_closed_money import ClosedOrder

Result = dict[str, Any]
ZERO = Decimal("0.00")


def _money(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def tenders(line: Mapping[str, Any]) -> list[tuple[str, Decimal]]:
    """The positive (method, amount) tenders a till's ``order_fulfil`` took."""
    out: list[tuple[str, Decimal]] = []
    given = line.get("payments")
    for item in given if isinstance(given, list) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("method"), str):
            continue
        amount = _money(item.get("amount"))
        if amount is not None and amount > 0:
            out.append((str(item["method"]), amount))
    return out


def change_given(line: Mapping[str, Any]) -> Decimal:
    """The change the till's drawer gave with its fulfilment (its entry's ``change_due``)."""
    found = _money(line.get("change_due") or "0")
    return found if found is not None and found > 0 else ZERO


def kept(line: Mapping[str, Any]) -> list[tuple[str, Decimal]]:
    """What the till's drawer kept of its fulfilment by method: its tenders less the change
    it gave (cash), what ``refund`` pays back."""
    by_method: dict[str, Decimal] = {}
    for method, amount in tenders(line):
        by_method[method] = by_method.get(method, ZERO) + amount
    cash = PaymentMethod.CASH.value
    if cash in by_method:
        by_method[cash] = max(by_method[cash] - change_given(line), ZERO)
    return [(m, a) for m, a in sorted(by_method.items()) if a > 0]


def line_numbers(line: Mapping[str, Any]) -> list[int] | None:
    """The order's lines the till handed over by number (None: every open line)."""
    given = line.get("line_numbers")
    if isinstance(given, list) and given:
        return [n for n in given if isinstance(n, int) and not isinstance(n, bool)]
    return None


def units_now(conn: Connection, number: str) -> list[tuple[int, str, str | None, str]]:
    """(line number, sku, serial, where its unit is at central in words or "") of order
    ``number``'s open lines: ``""`` when the unit is in stock at the order's store (the
    sale may take it), else why not ("sold at S1 (event …)", "reserved on order …")."""
    row = orepo.order_row(conn, number)
    if row is None:
        return []
    store_id = int(row._mapping["store_id"])
    codes = repo.store_codes(conn)
    out: list[tuple[int, str, str | None, str]] = []
    for r, unit in orepo.order_lines_with_units(conn, int(row._mapping["id"])):
        m = r._mapping
        if m["status"] != LineStatus.OPEN:
            continue
        where = ""
        if m["serial"] and unit is not None:
            state = UnitState(unit.state)
            at = codes.get(unit.store_id, "?")
            if state is UnitState.RESERVED:
                where = orepo.holder_text(conn, unit.reserved_line)
            elif state is not UnitState.IN_STOCK or unit.store_id != store_id:
                where = f"{state.label} at {at}"
                sold_on = _sold_on(conn, unit.id) if state is UnitState.SOLD else None
                if sold_on:
                    where += f" (sold on {sold_on})"
        out.append((int(m["number"]), str(m["sku"]), m["serial"], where))
    return out


def _sold_on(conn: Connection, unit_id: int) -> str | None:
    ev = repo.event_t.c
    found = conn.execute(
        sa.select(ev.document_id)
        .where(ev.unit_id == unit_id, ev.action == Action.SELL.value)
        .order_by(ev.id.desc())
        .limit(1)
    ).scalar()
    return None if found is None else str(found)


def check(
    current: Mapping[str, Any],
    action: str,
    status: str | None,
    units: list[tuple[int, str, str | None, str]],
) -> None:
    """Refuse ``action`` (``record_sale`` or ``refund``) of closed-fulfil conflict
    ``current`` before anything is written, saying what works instead (module doc).
    ``status``: central's order's status now (None: no such order); ``units``: its open
    lines' units (:func:`units_now`)."""
    line = entry_line(current)
    number, order = current.get("id"), line.get("order")
    nothing = "nothing was resolved"
    if status is None:
        raise BadRequest(
            f"conflict {number} names {order}, which central holds no order of: resolve it "
            f"by accept (settle with the customer); {nothing}"
        )
    if action == "refund":
        if status != OrderStatus.FULFILLED.value:
            raise BadRequest(
                f"conflict {number}: central holds {order} {status}, not fulfilled: the "
                "till's customer took the unit, so refund would pay back a sale that stands; "
                f"resolve it by record_sale (the sale booked at central) or accept; {nothing}"
            )
        if not kept(line):
            raise BadRequest(
                f"conflict {number}'s fulfilment of {order} kept no money in the till's "
                f"drawer: nothing to refund; resolve it by accept; {nothing}"
            )
        return
    if status != OrderStatus.VOIDED.value:
        raise BadRequest(
            f"conflict {number}: central holds {order} {status}: its customer collected it "
            "there, so the till's unit is the one central sold; resolve it by refund (the "
            f"till's money paid back out of its drawer) or accept; {nothing}"
        )
    wanted = line_numbers(line)
    chosen = [u for u in units if wanted is None or u[0] in wanted]
    open_numbers = {u[0] for u in units}
    if not chosen or (wanted is not None and set(wanted) != open_numbers):
        raise BadRequest(
            f"conflict {number}: the till handed over lines {_numbers(wanted)} of {order}, "
            f"central's lines open on it are {_numbers(sorted(open_numbers))}: record_sale "
            f"books a fulfilment of the whole order; resolve it by accept; {nothing}"
        )
    given = line.get("handed_over")
    if given is not None:
        from serialpos.services.handed_over import differences, serials_of

        try:
            changed = differences(serials_of(given), {n: serial for n, _sku, serial, _w in chosen})
        except BadRequest:
            changed = ["its handed_over names no lines"]
        if changed:
            # Central's line holds another unit than the customer took: selling central's
            # would sell the wrong one (the ``serial_changed`` case, settled by accept).
            raise BadRequest(
                f"conflict {number}: {'; '.join(changed)} (central's {order}): record_sale "
                f"sells the units the till handed over; resolve it by accept; {nothing}"
            )
    gone = [f"{serial} is {where}" for _n, _sku, serial, where in chosen if where]
    if gone:
        raise BadRequest(
            f"conflict {number}: {'; '.join(gone)} at central, not in stock for the till's "
            f"sale of {order}: bring it back first, or resolve by accept; {nothing}"
        )


def _numbers(given: list[int] | None) -> str:
    return ", ".join(map(str, given)) if given else "none"


def record(db: Database, conn: Connection, current: Mapping[str, Any], actor: Actor) -> Result:
    """``record_sale`` of closed-fulfil conflict ``current`` in the resolution's
    transaction (module doc): central's voided order fulfilled as the till fulfilled it.
    ``db``: the database joined to ``conn``. The verdict, with what the order ``owes``."""
    from serialpos.services import document_numbers, ledger, sale_dates
    from serialpos.services.conflict_sale import cashier
    from serialpos.services.orders.checkout import issue_invoice
    from serialpos.services.orders.reading import _find, _view
    from serialpos.services.orders.work import _Ctx

    line = entry_line(current)
    number = str(line.get("order"))
    found = closed_money_sql.locked_order(conn, number)
    check(current, "record_sale", None if found is None else found[1], units_now(conn, number))
    seller = cashier(conn, line, actor)
    when = sale_dates.of_entry(line)[0] or utcnow()
    ctx = _Ctx(conn, db, seller, _find(conn, number, lock=True))
    rows = [r for r, _u in orepo.order_lines_with_units(conn, ctx.id)]
    chosen = [r for r in rows if r._mapping["status"] == LineStatus.OPEN]
    for r in chosen:
        m = r._mapping
        if m["package_type"] == "exploded":
            continue  # the components are the goods handed over
        step = (
            ledger.Step(Action.SELL, ctx.store, m["sku"], [m["serial"]])
            if m["serial"]
            else ledger.Step(Action.SELL, ctx.store, m["sku"], quantity=m["quantity"])
        )
        ledger.move_in(conn, db, seller, step, ctx.doc(m["number"]))
    change = change_given(line)
    given = line.get("numbers") if isinstance(line.get("numbers"), Mapping) else {}
    invoice = given.get("invoice") if isinstance(given, Mapping) else None
    numbers = document_numbers.check_given(
        {"invoice": invoice} if isinstance(invoice, str) else {},
        str(current.get("terminal")),
        ctx.store,
    )
    with sale_dates.by_till(when), document_numbers.keep(numbers):
        invoice_id, invoice_number = issue_invoice(ctx, chosen, "Invoice", change_due=change)
    for method, amount in tenders(line):
        closed_money_sql.book(
            conn, ctx.id, "payment", method, amount, at=when, user=seller.user, invoice=invoice_id
        )
    if change:
        closed_money_sql.book(
            conn, ctx.id, "change", "cash", -change, at=when, user=seller.user, invoice=invoice_id
        )
    # Earlier payments (the deposit, central's refund of it on the void) go on the invoice,
    # as a fulfilment puts a layby's deposits on it; the order is fulfilled.
    sale_invoice_sql.close_fulfilment(
        conn,
        [int(r._mapping["id"]) for r in chosen],
        invoice_id,
        ctx.id,
        utcnow(),
        OrderStatus.FULFILLED.value,
    )
    sums = _view(conn, _find(conn, number)).totals
    owes = max(sums.total - sums.paid, ZERO)
    return {"ok": True, "order": number, "invoice": invoice_number, "owes": f"{owes:.2f}"}


def refund(conn: Connection, current: Mapping[str, Any], actor: Actor) -> Result:
    """``refund`` of closed-fulfil conflict ``current`` in the resolution's transaction
    (module doc): the till's tenders booked on central's fulfilled order as taken and what
    its drawer kept refunded. The verdict, with what was ``refunded``."""
    from serialpos.services import sale_dates
    from serialpos.services.conflict_sale import cashier

    line = entry_line(current)
    number = str(line.get("order"))
    found = closed_money_sql.locked_order(conn, number)
    check(current, "refund", None if found is None else found[1], [])
    assert found is not None  # check refused it otherwise
    order_id = found[0]
    seller = cashier(conn, line, actor)
    when = sale_dates.of_entry(line)[0] or utcnow()
    for method, amount in tenders(line):
        closed_money_sql.book(conn, order_id, "payment", method, amount, at=when, user=seller.user)
    change = change_given(line)
    if change:
        closed_money_sql.book(conn, order_id, "change", "cash", -change, at=when, user=seller.user)
    back = kept(line)
    now = utcnow()
    for method, amount in back:
        closed_money_sql.book(conn, order_id, "refund", method, -amount, at=now, user=actor.user)
    return {
        "ok": True,
        "order": number,
        "refunded": [{"method": m, "amount": str(a)} for m, a in back],
    }


def fulfil_status(conn: Connection, current: Mapping[str, Any]) -> ClosedOrder | None:
    """Central's order an open closed-fulfil conflict names now, as ``precheck`` takes it
    (services/conflict_closed_money.py ``ClosedOrder``: its status and its open lines'
    units); None for any other conflict or no such order."""
    if current.get("status") != "open" or not is_closed_fulfil(current):
        return None
    number = str(entry_line(current).get("order"))
    status = closed_money_sql.order_status(conn, number)
    if status is None:
        return None
    from serialpos.services.conflict_closed_money import ClosedOrder

    return ClosedOrder(status, units=tuple(units_now(conn, number)))
