"""``apply`` handlers for sale orders: create a whole order, set a line's serial, fulfil, void and
return, each answering with the order's head and lines so a host can follow the order.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from serialpos.db.engine import Database
from serialpos.domain.customers import CustomerFields
from serialpos.domain.discounts import parse_price
from serialpos.domain.errors import BadRequest
from serialpos.domain.limits import parse_money
from serialpos.domain.text import clip
from serialpos.services import handed_over
from serialpos.services.apply.discount_fields import applier, read_terms
from serialpos.services.apply.fields import (
    CUSTOMER_KEYS,
    ORDER_LINE_KEYS,
    Fields,
    Result,
    _json_type,
    _list,
    _object,
    refuse_unknown_keys,
)
from serialpos.services.apply.order_amend import line_serial_approval, serial_approval
from serialpos.services.context import Actor
from serialpos.services.customers import KeyedRecord
from serialpos.services.orders.views import Customer

log = logging.getLogger(__name__)


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
            "unit_price": str(by_id[i].unit_price),
            "discount": str(by_id[i].discount),
            "total": str(by_id[i].total),
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
    """A whole order; with ``fulfil`` (true, or the positions of the lines to hand over) it
    is fulfilled in the same transaction with ``payments`` (a store terminal's sale)."""
    from serialpos.services.orders.host import NewLine, create_order

    customer, record = _customer_of(f.value("customer"))
    new_lines = []
    terms = []
    for n, item in enumerate(_list(f.value("lines") or [], "lines"), start=1):
        line = _object(item, f"lines[{n}]")
        refuse_unknown_keys(line, ORDER_LINE_KEYS, f"lines[{n}]")
        g = Fields(line)
        serial = g.value("serial")
        if serial is not None and not isinstance(serial, str):
            raise BadRequest(f"lines[{n}]: 'serial' must be text, not {_json_type(serial)}")
        approval = line_serial_approval(db, actor, f, g, f"lines[{n}]: ")
        new_lines.append(
            NewLine(
                g.code("sku"),
                serial or None,
                g.quantity() or 1,
                _catalogue_price(f, g, n),
                serial_manager=None if approval is None else approval.manager,
                serial_shared=approval is not None and approval.shared,
                removed=_removed(f, g, n),
            )
        )
        terms.append(read_terms(g, f"lines[{n}]: ", price=True))
    order_terms = read_terms(f, "", price=False)
    _change_at_till(f)
    exchange_of = f.optional_text("exchange_of", max_length=48)
    positions = _positions(f.value("fulfil"), len(new_lines))
    if positions is not None and f.value("fulfil") is True:  # every line: every open one
        positions = [p for p in positions if not new_lines[p - 1].removed]
    elif positions is not None and any(new_lines[p - 1].removed for p in positions):
        raise BadRequest("'fulfil' names a removed line: only open lines are handed over")
    payments = _payments(f)
    if positions is None and payments is not None:
        raise BadRequest("'payments' goes with 'fulfil': an open order takes payments later")
    # A journal entry's approvals were checked at the till (its PIN never leaves it).
    apply_terms = applier(db, actor, terms, order_terms, trusted=_is_entry(f))
    groups: list[list[int]] = []

    def then(ctx: Any, made: list[list[int]]) -> bool:
        """Keeps the line ids per input line; says whether it wrote (discount terms)."""
        groups.extend(made)
        wrote = False
        if apply_terms is not None:
            apply_terms(ctx, made)
            wrote = True
        if exchange_of is not None:  # an exchange's sale: the refund note's credit pays first
            from serialpos.services.exchanges import carry_credit

            carry_credit(ctx, exchange_of)
            wrote = True
        return wrote

    def work(conn: Any) -> Result:
        from serialpos.db.joined import JoinedDatabase

        joined = JoinedDatabase(db, conn) if positions is not None else db
        view, made = create_order(
            joined,
            actor,
            f.code("store"),
            f.optional_text("type") or "sale",
            f.optional_text("delivery") or "cash_and_carry",
            customer,
            new_lines,
            record=record,
            then=then,
        )
        head = {**_order_head(view), "lines": _order_lines(view, made)}
        if positions is None:
            return head
        return _fulfilled(joined, actor, view.order, _pick(groups, positions), payments)

    if positions is None:
        return work(None)
    return db.write(work)


def _is_entry(f: Fields) -> bool:
    return f.value("journal") is not None


def _removed(f: Fields, g: Fields, n: int) -> bool:
    """A line's ``status``: ``removed`` for a line a store terminal took off the order before
    it reached central (made and removed at once, so the lines after it keep the till's
    numbers: services/orders/host.py ``NewLine.removed``); else ``open``, the default."""
    status = g.optional_text("status")
    if status is None or status == "open":
        return False
    if status != "removed":
        raise BadRequest(f"lines[{n}]: 'status' must be open or removed, not {clip(status)!r}")
    if not _is_entry(f):
        raise BadRequest(f"lines[{n}]: a removed line is a store terminal's; leave it out")
    return True


def _catalogue_price(f: Fields, g: Fields, n: int) -> Any:
    """A line's ``catalogue_price``: the price a store terminal's catalogue gave when it sold
    (services/orders/host.py ``_priced``). A host prices a line with ``price`` instead."""
    value = g.value("catalogue_price")
    if value is None:
        return None
    if not _is_entry(f):
        raise BadRequest(
            f"lines[{n}]: 'catalogue_price' is a store terminal's; give a new price as 'price'"
        )
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadRequest(f"lines[{n}]: 'catalogue_price' must be a number or text")
    return parse_price(str(value), f"lines[{n}].catalogue_price")


def _change_at_till(f: Fields) -> Decimal | None:
    """Check a sale's or a fulfilment's ``change_due``: the change a store terminal gave at
    its counter, which its entry carries so a conflict can say the money the till kept
    (tenders less change: domain/sale_not_recorded.py); a host's line may not carry it. A
    sale's change central works out again from the same tenders and prices; a fulfilment's
    is booked as the till gave it (services/orders/checkout.py ``change_given``)."""
    value = f.value("change_due")
    if value is None:
        return None
    if not _is_entry(f):
        raise BadRequest("'change_due' is a store terminal's (the change its till gave)")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadRequest("'change_due' must be a number or text")
    given: Decimal = parse_price(str(value), "change_due")
    return given


def _positions(value: Any, count: int) -> list[int] | None:
    """``fulfil`` of order_create: None (leave the order open), every line, or positions."""
    if value is None or value is False:
        return None
    if value is True:
        return list(range(1, count + 1))
    wanted = _list(value, "fulfil")
    if any(isinstance(x, bool) or not isinstance(x, int) or not 1 <= x <= count for x in wanted):
        raise BadRequest(f"'fulfil' must be true or positions of 'lines' (1 to {count})")
    return wanted


def _pick(groups: list[list[int]], positions: list[int]) -> list[int]:
    return [line for p in positions for line in groups[p - 1]]


def _payments(f: Fields, key: str = "payments") -> list[tuple[str, Any]] | None:
    """The ``[{method, amount}]`` of ``key`` (a line's tenders; ``order_refund``'s refunds)."""
    if f.value(key) is None:
        return None
    payments = []
    for n, item in enumerate(_list(f.value(key), key), start=1):
        tender = _object(item, f"{key}[{n}]")
        refuse_unknown_keys(tender, ("method", "amount"), f"{key}[{n}]")
        g = Fields(tender)
        amount = g.value("amount")
        if isinstance(amount, bool) or not isinstance(amount, int | float | str):
            raise BadRequest(f"{key}[{n}]: 'amount' must be a number or text")
        # Bounded here, as for every amount (1e30, 1e999999, 28 digits are bad_value).
        value = parse_money(str(amount), f"{key}[{n}].amount")
        payments.append((g.code("method"), value))
    return payments


def _fulfilled(
    db: Database,
    actor: Actor,
    order: str,
    lines: list[int] | None,
    payments: list[tuple[str, Any]] | None,
    change_given: Decimal | None = None,
) -> Result:
    from serialpos.services.orders.checkout import fulfil

    done = fulfil(
        db,
        actor,
        order,
        lines=lines,
        payments=payments,
        settle_in=None if payments is not None else "cash",
        change_given=change_given,
        # The host's own till decided its change; no console is there to ask the cashier
        # about the drawer (services/shifts.py ``check_change_in_drawer``).
        change_beyond_drawer=True,
    )
    sold = [ln.line for ln in done.order.lines if ln.invoice == done.invoice]
    out: Result = {
        **_order_head(done.order),
        "invoice": done.invoice,
        "change_due": str(done.change_due),
        "lines": _order_lines(done.order, sold),
    }
    if done.paid_over > 0:
        said = paid_over_words(order, done.paid_over)
        log.warning("%s", said)
        out["warnings"] = [said]
    return out


def paid_over_words(order: str, over: Decimal) -> str:
    """The warning of a till's fulfilment that left central's order holding more than its
    total (services/orders/checkout.py ``change_given``)."""
    return (
        f"order {order} holds {over:.2f} over its total: central took payments on it that "
        f"the till's copy did not know of, and the till took the whole balance its copy "
        f"showed; the customer paid {over:.2f} twice: give it back at central (apply "
        f"order_refund)"
    )


def _customer_of(
    value: Any,
) -> tuple[Customer | None, int | CustomerFields | KeyedRecord | None]:
    """``customer`` of order_create: a record's id (``12`` or ``{"id": 12}``), or details
    (``name``, ``phone``, ``email``, ``address``) found as a record holding exactly them or
    added as one; with ``key`` (a store terminal's sale), the record holding that key, or a new
    one under it. Returns (the order's typed copy, the record) — one of them None."""
    if value is None:
        return None, None
    if isinstance(value, int) and not isinstance(value, bool):
        return None, value
    given_object = _object(value, "'customer' (an object or a customer id)")
    refuse_unknown_keys(given_object, CUSTOMER_KEYS, "customer")
    c = Fields(given_object)
    if c.value("id") is not None:
        given = c.value("id")
        if isinstance(given, bool) or not isinstance(given, int):
            raise BadRequest(f"'customer.id' must be a whole number, not {_json_type(given)}")
        return None, given
    details = CustomerFields(
        c.optional_text("name", max_length=100) or "",
        c.optional_text("phone", max_length=40),
        c.optional_text("email", max_length=120),
        c.optional_text("address", max_length=200),
    )
    if c.value("key") is not None:
        from serialpos.services.customer_sync import check_key

        if not details.name:
            raise BadRequest("'customer.key' goes with the record's 'name'")
        return None, KeyedRecord(check_key(c.value("key")), details)
    if not details.name:
        # No name, no record: the details are the order's own copy, as before records.
        return Customer(None, details.phone, details.address), None
    return None, details


def _line_id(f: Fields) -> int:
    value = f.value("line")
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"'line' must be the line id (a whole number), not {_json_type(value)}")
    return value


def _line_of(db: Database, f: Fields) -> int:
    """The line ``order_set_serial`` names: by id (``line``, as a host names it), or by its
    number on the order (``line_number``, as a store terminal's entry names it: line ids
    differ between the terminal and central, numbers do not)."""
    if f.value("line_number") is None:
        return _line_id(f)
    if f.value("line") is not None:
        raise BadRequest("give 'line' or 'line_number', not both")
    number = f.value("line_number")
    if isinstance(number, bool) or not isinstance(number, int):
        raise BadRequest(
            "'line_number' must be the line's number on the order (a whole number), "
            f"not {_json_type(number)}"
        )
    [line] = _ids_of(db, f.code("order"), [number])
    return line


def _order_set_serial(db: Database, actor: Actor, f: Fields) -> Result:
    from serialpos.services.orders.serials import set_serial

    serial = f.value("serial")
    if serial is not None and not isinstance(serial, str):
        raise BadRequest(f"'serial' must be text, not {_json_type(serial)}")
    line = _line_of(db, f)
    # The manager's approval the serial needed (a till's entry names them: no PIN).
    approval = serial_approval(db, actor, f, trusted=_is_entry(f))
    view = set_serial(
        db,
        actor,
        f.code("order"),
        line,
        serial or None,
        approved_by=None if approval is None else approval.manager,
        shared=approval is not None and approval.shared,
    )
    return {**_order_head(view), "lines": _order_lines(view, [line])}


def _order_fulfil(db: Database, actor: Actor, f: Fields) -> Result:
    lines = None
    if f.value("lines") is not None:
        lines = _list(f.value("lines"), "lines")
        if any(isinstance(x, bool) or not isinstance(x, int) for x in lines):
            raise BadRequest("'lines' must be a list of line ids (whole numbers)")
    numbers = _line_numbers(f, "line_numbers")
    if numbers is not None:
        if lines is not None:
            raise BadRequest("give 'lines' or 'line_numbers', not both")
        lines = _ids_of(db, f.code("order"), numbers)
    if f.value("handed_over") is not None:  # a till's: the serials it gave the customer
        handed_over.check(db, f.code("order"), f.value("handed_over"))
    change = _change_at_till(f)
    return _fulfilled(db, actor, f.code("order"), lines, _payments(f), change)


def _line_numbers(f: Fields, key: str) -> list[int] | None:
    """Lines named by their number on the order (as printed; the same at a store terminal
    and central, where line ids differ)."""
    if f.value(key) is None:
        return None
    numbers = _list(f.value(key), key)
    if any(isinstance(x, bool) or not isinstance(x, int) for x in numbers):
        raise BadRequest(f"'{key}' must be a list of line numbers (whole numbers)")
    return numbers


def _ids_of(db: Database, order: str, numbers: list[int]) -> list[int]:
    from serialpos.services.orders.reading import get_order

    view = get_order(db, order)
    by_number = {ln.number: ln.line for ln in view.lines}
    unknown = [str(n) for n in numbers if n not in by_number]
    if unknown:
        raise BadRequest(
            f"order {view.order} has no line number {', '.join(unknown)}", code="unknown_line"
        )
    return [by_number[n] for n in numbers]


def _order_void(db: Database, actor: Actor, f: Fields) -> Result:
    """Void an order; what was paid on it is refunded per tender (``refunds``), an exchange
    credit given back to its refund note (``credit_back``)."""
    from serialpos.services.order_void import void_order

    done = void_order(db, actor, f.code("order"))
    back = done.credit_back
    return {
        **_order_head(done.order),
        "refunds": [{"method": r.method, "amount": str(r.amount)} for r in done.refunds],
        # An exchange sale's credit goes back to its refund note, not to the customer.
        **(
            {"credit_back": {"refund_note": back.refund_note, "amount": str(back.amount)}}
            if back is not None
            else {}
        ),
    }


def _order_return(db: Database, actor: Actor, f: Fields) -> Result:
    from serialpos.services import returns
    from serialpos.services.orders.reading import get_order

    numbers = _line_numbers(f, "line_numbers")
    broken = _line_numbers(f, "damaged_line_numbers")
    serials = f.serial_list("serials") or []
    if not serials and numbers is None and broken is None:
        raise BadRequest("'serials' names the units to return")
    damaged_value = f.value("damaged")
    view = get_order(db, f.code("order"))
    lines = returns.lines_for_serials(view, serials) if serials else []
    if numbers is not None or broken is not None:
        if serials:
            raise BadRequest("give 'serials' or 'line_numbers', not both")
        lines = _ids_of(db, view.order, numbers or [])
        damaged = _ids_of(db, view.order, broken or [])
        if damaged_value is True:  # every line returned is damaged
            if broken is not None:
                raise BadRequest("give 'damaged': true or 'damaged_line_numbers', not both")
            damaged = lines
        elif damaged_value is not None and damaged_value is not False:
            raise BadRequest(
                "with 'line_numbers', 'damaged' is true or false: name the damaged lines in "
                "'damaged_line_numbers'"
            )
    elif damaged_value is True:
        damaged = lines
    elif damaged_value is None or damaged_value is False:
        damaged = []
    else:
        named = f.serial_list("damaged") or []
        unknown = [s for s in named if s.strip() not in {x.strip() for x in serials}]
        if unknown:
            raise BadRequest(f"'damaged' names {clip(unknown[0])}, which is not in 'serials'")
        damaged = returns.lines_for_serials(view, named)
    exchange = f.value("exchange")
    if exchange is not None and not isinstance(exchange, bool):
        raise BadRequest(f"'exchange' must be true or false, not {_json_type(exchange)}")
    if exchange:
        # The return half of an exchange: the refund is kept as credit for the sale whose
        # order_create names this refund note in 'exchange_of' (a store terminal's exchange).
        if f.value("refund_method") is not None:
            raise BadRequest("an exchange keeps the refund as credit: give no 'refund_method'")
        from serialpos.services.exchanges import return_for_credit

        result = return_for_credit(
            db, actor, view.order, lines=lines, damaged=damaged, store=f.optional_text("store")
        )
    else:
        result = returns.return_units(
            db,
            actor,
            view.order,
            lines=lines,
            damaged=damaged,
            refund_method=f.optional_text("refund_method") or "cash",
            store=f.optional_text("store"),
        )
    return {
        **_order_head(result.order),
        "refund_invoice": result.refund_invoice,
        "amount": str(result.amount),
        "units": [{"serial": s, "state": st} for s, st in result.units],
    }
