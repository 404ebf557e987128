"""``order_amend``: an open order made equal to the state a store terminal sends after each
change at its counter (services/orders/amend.py says how), and the manager's approval of a
serial (``manager``, ``reason``, ``shared``) that ``order_set_serial``, an ``order_create``
line (``serial_override``) and an ``order_amend`` line carry.

A journal entry's approvals were checked at the till, whose PINs never leave it: central
checks that the manager named is still a manager here (services/apply/discount_fields.py
``_approver``), the rule it applies to a price override from a till. A host gives the
manager's ``pin`` with the name, as for a discount.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.orders import DeliveryMode, SaleType
from serialpos.services.apply.discount_fields import _approver, read_terms
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
from serialpos.services.context import Actor
from serialpos.services.customers import KeyedRecord
from serialpos.services.orders.views import Customer

#: Keys of ``order_amend`` (with the order discount's, services/apply/discount_fields.py).
KEYS = frozenset({"order", "type", "delivery", "customer", "lines"})
#: Keys ``order_set_serial`` takes for the manager's approval of its serial.
SERIAL_APPROVAL_KEYS = frozenset({"manager", "pin", "reason", "shared"})


@dataclass(frozen=True)
class SerialApproval:
    """The manager who accepted a serial the counter would refuse without them."""

    manager: Actor
    shared: bool


def _is_entry(f: Fields) -> bool:
    return f.value("journal") is not None


def _manager_of(db: Database, actor: Actor, name: str, pin: Any, trusted: bool) -> Actor:
    from serialpos.services.orders.serials import _manager

    if trusted:
        return _approver(db, actor, name)
    if pin is not None and not isinstance(pin, str):
        raise BadRequest(f"'pin' must be text, not {_json_type(pin)}")
    found = _manager(db, actor, name, pin)
    assert found is not None
    return found


def serial_approval(
    db: Database, actor: Actor, g: Fields, *, trusted: bool, where: str = ""
) -> SerialApproval | None:
    """The approval ``g`` carries (``manager``, ``reason``, ``shared``; a host's ``pin``), or
    None. ``trusted``: a store terminal's entry (no PIN: the till checked it)."""
    name = g.optional_text("manager", max_length=32)
    g.optional_text("reason", max_length=200)  # kept in the entry; the event names the manager
    shared = g.value("shared")
    if shared is not None and not isinstance(shared, bool):
        raise BadRequest(f"{where}'shared' must be true or false, not {_json_type(shared)}")
    if name is None:
        if shared:
            raise BadRequest(f"{where}a shared serial needs the approving 'manager'")
        return None
    return SerialApproval(_manager_of(db, actor, name, g.value("pin"), trusted), bool(shared))


#: An amended line's keys: a new line's, its number, the package it is part of, and its
#: share of the order discount as a till spread it.
AMEND_LINE_KEYS = (
    "number",
    *ORDER_LINE_KEYS,
    "part_of",
    "order_discount",
    "order_discount_percent",
)


def line_serial_approval(
    db: Database, actor: Actor, f: Fields, g: Fields, where: str
) -> SerialApproval | None:
    """An order line's ``serial_override`` object, if it has one."""
    value = g.value("serial_override")
    if value is None:
        return None
    approval = _object(value, f"{where}'serial_override'")
    keys = tuple(sorted(SERIAL_APPROVAL_KEYS))
    refuse_unknown_keys(approval, keys, f"{where.rstrip(': ')}.serial_override")
    return serial_approval(db, actor, Fields(approval), trusted=_is_entry(f), where=where)


def _customer(value: Any) -> KeyedRecord | int | Customer | None:
    """``customer`` of order_amend: a record by ``key`` (with its details), a record's id,
    the details typed on the order (no record), or null (none)."""
    from serialpos.domain.customers import CustomerFields

    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    given_object = _object(value, "'customer' (an object, a customer id or null)")
    refuse_unknown_keys(given_object, CUSTOMER_KEYS, "customer")
    c = Fields(given_object)
    if c.value("id") is not None:
        given = c.value("id")
        if isinstance(given, bool) or not isinstance(given, int):
            raise BadRequest(f"'customer.id' must be a whole number, not {_json_type(given)}")
        return given
    name = c.optional_text("name", max_length=100)
    phone = c.optional_text("phone", max_length=40)
    address = c.optional_text("address", max_length=200)
    if c.value("key") is not None:
        from serialpos.services.customer_sync import check_key

        if not name:
            raise BadRequest("'customer.key' goes with the record's 'name'")
        email = c.optional_text("email", max_length=120)
        return KeyedRecord(check_key(c.value("key")), CustomerFields(name, phone, email, address))
    return Customer(name, phone, address)


def _whole(g: Fields, key: str, where: str, *, default: int | None = None) -> int:
    value = g.value(key)
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{where}'{key}' must be a whole number, not {_json_type(value)}")
    return value


def _share(g: Fields, where: str, entry: bool) -> tuple[Any, Any] | None:
    """A line's share of the order discount as the till spread it (a till's entry only)."""
    from serialpos.domain.discounts import parse_discount_amount, parse_percent

    amount, percent = g.value("order_discount"), g.value("order_discount_percent")
    if not entry:
        if amount is not None or percent is not None:
            raise BadRequest(f"{where}'order_discount' is a store terminal's; give 'discount'")
        return None
    return (
        None if amount is None else parse_discount_amount(str(amount), f"{where}order_discount"),
        None if percent is None else parse_percent(str(percent), f"{where}order_discount_percent"),
    )


def _order_amend(db: Database, actor: Actor, f: Fields) -> Result:
    from serialpos.domain.discounts import parse_price
    from serialpos.services.apply.order_handlers import _order_head, _order_lines
    from serialpos.services.orders.amend import Approved, OrderState, StateLine, amend_order
    from serialpos.services.orders.discounts import LineChange

    entry = _is_entry(f)
    lines = []
    for n, item in enumerate(_list(f.value("lines") or [], "lines"), start=1):
        where = f"lines[{n}]: "
        line = _object(item, f"lines[{n}]")
        refuse_unknown_keys(line, AMEND_LINE_KEYS, f"lines[{n}]")
        g = Fields(line)
        status = g.optional_text("status") or "open"
        if status not in ("open", "removed"):
            raise BadRequest(f"{where}'status' must be open or removed, not {status!r}")
        serial = g.value("serial")
        if serial is not None and not isinstance(serial, str):
            raise BadRequest(f"{where}'serial' must be text, not {_json_type(serial)}")
        price = g.value("catalogue_price")
        if price is not None and not entry:
            raise BadRequest(f"{where}'catalogue_price' is a store terminal's; give 'price'")
        terms = read_terms(g, where, price=True)
        approved = None
        if terms is not None:
            manager = (
                _manager_of(db, actor, terms.manager, terms.pin, entry) if terms.manager else None
            )
            approved = Approved(LineChange(terms.reason, terms.price, terms.discount), manager)
        approval = line_serial_approval(db, actor, f, g, where)
        part_of = g.value("part_of")
        lines.append(
            StateLine(
                number=_whole(g, "number", where),
                sku=g.code("sku"),
                removed=status == "removed",
                quantity=_whole(g, "quantity", where, default=1),
                serial=serial or None,
                part_of=None if part_of is None else _whole(g, "part_of", where),
                catalogue_price=None
                if price is None
                else parse_price(str(price), f"{where}catalogue_price"),
                terms=approved,
                serial_manager=None if approval is None else approval.manager,
                serial_shared=approval is not None and approval.shared,
                order_share=_share(g, where, entry),
            )
        )
    order_terms = read_terms(f, "", price=False)
    whole = None
    if order_terms is not None and order_terms.discount is not None:
        manager = (
            _manager_of(db, actor, order_terms.manager, order_terms.pin, entry)
            if order_terms.manager
            else None
        )
        whole = (order_terms.discount, order_terms.reason, manager)
    # Absent ``type``/``delivery`` keep the order's (they used to reset it to a cash-and-carry
    # sale: a host amending a lay-by's lines turned it into a sale).
    kind, delivery = f.optional_text("type"), f.optional_text("delivery")
    state = OrderState(
        type=None if kind is None else SaleType.parse(kind),
        delivery=None if delivery is None else DeliveryMode.parse(delivery),
        customer=_customer(f.value("customer")),
        lines=tuple(lines),
        order_terms=whole,
    )
    view = amend_order(db, actor, f.code("order"), state)
    return {**_order_head(view), "lines": _order_lines(view, [ln.line for ln in view.lines])}
