"""``order_create`` discount keys: read from a line (``price``, ``discount``,
``discount_percent``, ``reason``, ``manager``, ``pin``) or from the order itself
(``discount``, ``discount_percent``, ``reason``, ``manager``, ``pin``), checked before the
order is made, and applied inside its transaction, so a discount over 100%, a negative price
or a wrong PIN refuses the whole line of input and makes no order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.domain.discounts import (
    Discount,
    DiscountKind,
    check_reason,
    parse_discount_amount,
    parse_percent,
    parse_price,
)
from serialpos.domain.errors import BadRequest
from serialpos.services.apply.fields import Fields, _json_type
from serialpos.services.context import Actor

#: Keys a line of ``order_create`` may carry for a discount or a price override.
LINE_KEYS = ("price", "discount", "discount_percent", "reason", "manager", "pin")
#: Keys ``order_create`` itself may carry for an order discount.
ORDER_KEYS = frozenset({"discount", "discount_percent", "reason", "manager", "pin"})


@dataclass(frozen=True)
class Terms:
    """A discount and/or price asked for, with its reason and approving manager."""

    where: str
    reason: str
    price: Decimal | None
    discount: Discount | None
    manager: str | None
    pin: str | None


def _number(f: Fields, key: str, where: str) -> str | None:
    value = f.value(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadRequest(f"{where}'{key}' must be a number or text, not {_json_type(value)}")
    return str(value)


def read_terms(f: Fields, where: str, *, price: bool) -> Terms | None:
    """The discount keys of one object (``where``: "lines[2]: " or ""), or None when it has
    none. Refused: both ``discount`` and ``discount_percent``; no reason; a bad number."""
    amount = _number(f, "discount", where)
    percent = _number(f, "discount_percent", where)
    new_price = _number(f, "price", where) if price else None
    if amount is None and percent is None and new_price is None:
        return None
    if amount is not None and percent is not None:
        raise BadRequest(f"{where}give 'discount' or 'discount_percent', not both")
    discount = None
    if percent is not None:
        discount = Discount(
            DiscountKind.PERCENT, parse_percent(percent, f"{where}discount_percent")
        )
    elif amount is not None:
        discount = Discount(DiscountKind.AMOUNT, parse_discount_amount(amount, f"{where}discount"))
    reason = check_reason(f.optional_text("reason", max_length=200))
    manager = f.optional_text("manager", max_length=32)
    pin = f.value("pin")
    if pin is not None and not isinstance(pin, str):
        raise BadRequest(f"{where}'pin' must be text, not {_json_type(pin)}")
    return Terms(
        where,
        reason,
        None if new_price is None else parse_price(new_price, f"{where}price"),
        discount,
        manager,
        pin,
    )


def applier(
    db: Database,
    actor: Actor,
    lines: list[Terms | None],
    order: Terms | None,
    *,
    trusted: bool = False,
) -> Callable[[Any, list[list[int]]], None] | None:
    """Check every manager's PIN now (before the order is made) and give back the step that
    applies the terms inside ``create_order``'s transaction. ``trusted``: a store terminal's
    journal entry, whose PINs the till checked (a PIN never leaves it): the manager named
    must still be one here."""
    from serialpos.services.orders.discounts import LineChange, change_line_in, order_discount_in
    from serialpos.services.orders.serials import _manager

    if order is None and all(t is None for t in lines):
        return None
    managers = {}
    for t in [*lines, order]:
        if t is not None and t.manager and (t.manager, t.pin) not in managers:
            managers[(t.manager, t.pin)] = (
                _approver(db, actor, t.manager)
                if trusted
                else _manager(db, actor, t.manager, t.pin)
            )

    def who(t: Terms) -> Actor | None:
        return managers.get((t.manager, t.pin)) if t.manager else None

    def apply_terms(ctx: Any, groups: list[list[int]]) -> None:
        for terms, ids in zip(lines, groups, strict=True):
            if terms is None:
                continue
            for line_id in ids:
                row = orepo.line_row(ctx.conn, ctx.id, line_id)
                if row is None or row._mapping["package_line"] is not None:
                    continue  # a package's components follow the package line
                change = LineChange(terms.reason, terms.price, terms.discount)
                change_line_in(ctx, line_id, change, who(terms))
        if order is not None and order.discount is not None:
            order_discount_in(ctx, order.discount, order.reason, who(order))

    return apply_terms


def _approver(db: Database, actor: Actor, user: str) -> Actor:
    """The manager a store terminal's entry names as approver, without a PIN."""
    from serialpos.domain.errors import PermissionDenied
    from serialpos.domain.users import Permission
    from serialpos.services.users import actor_for

    manager = actor_for(db, user, actor.terminal)
    try:
        manager.require(Permission.ADJUST)
    except PermissionDenied:
        raise PermissionDenied(
            f"{manager.user} is not a manager or admin; an override needs one"
        ) from None
    return manager
