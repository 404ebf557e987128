"""Discounts and price overrides on an open order: per line (an amount or a percent, or a new
unit price) and per order (an amount or a percent spread over its open lines), each with a
reason, and past the store's ``discount_limit_percent`` a manager's name and PIN.

The rules are in domain/discounts.py. Here: one transaction per change; the manager's PIN is
checked (as at the login, so wrong PINs count towards the lockout) before anything is
written, so a wrong PIN, a discount over 100% or a negative price changes nothing. What is
recorded: the reason, the cashier who gave it (``discount_by``), the manager who approved it
(``discount_approved_by``, also when one was given below the limit) and when.

An order discount is spread over the lines open when it is given; lines added later are at
their own price until the order discount is given again (a percent is kept per line, so a
line's quantity change keeps the percent right).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import line_money, repo, settings_sql
from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.discounts import (
    CENT,
    DEFAULT_LIMIT_PERCENT,
    LIMIT_SETTING,
    ZERO,
    Discount,
    DiscountKind,
    LineTerms,
    allocate,
    check_line_discount,
    check_price,
    check_reason,
    line_discount,
    over_limit,
    parse_limit,
)
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.domain.orders import LineStatus
from serialpos.services.context import Actor
from serialpos.services.orders import sale_journal
from serialpos.services.orders.reading import _editable, _find, _view
from serialpos.services.orders.serials import _manager
from serialpos.services.orders.views import OrderView
from serialpos.services.orders.work import _Ctx, _touch, _write

#: A line's (or an order's) discount terms cleared: the values an update sets to take a
#: discount off, here and where a till's order state is applied (services/orders/amend.py).
CLEARED_TERMS: dict[str, None] = dict.fromkeys(
    (
        "discount",
        "discount_percent",
        "discount_reason",
        "discount_by",
        "discount_approved_by",
        "discount_at",
    )
)


class ApprovalRequired(DomainError):
    """Past the store's limit without a manager's name and PIN."""

    code = "approval_required"


@dataclass(frozen=True)
class LineChange:
    """What to change on one line: a new unit price and/or its own discount, with the reason."""

    reason: str
    price: Decimal | None = None
    discount: Discount | None = None


def discount_limit(conn: Connection, db: Database, store: str) -> Decimal:
    """The store's ``discount_limit_percent`` (its own value over the chain's over 10)."""
    sid = repo.store_id(db, conn, store)
    for values in (settings_sql.setting_values(conn, sid), settings_sql.setting_values(conn, None)):
        if LIMIT_SETTING in values:
            return parse_limit(values[LIMIT_SETTING])
    return DEFAULT_LIMIT_PERCENT


def _base(price: Decimal, quantity: int) -> Decimal:
    return (price * quantity).quantize(CENT, ROUND_HALF_UP)


def _open_line(ctx: _Ctx, line: int) -> sa.Row[object]:
    row = orepo.line_row(ctx.conn, ctx.id, line)
    if row is None or row._mapping["status"] == LineStatus.REMOVED:
        raise BadRequest(f"order {ctx.number} has no line {line}", code="unknown_line")
    m = row._mapping
    if m["status"] != LineStatus.OPEN:
        raise BadRequest(
            f"line {m['number']} ({m['sku']}) is {m['status']}: its price can no longer change",
            code="line_closed",
        )
    if m["package_line"] is not None:
        raise BadRequest(
            f"line {m['number']} ({m['sku']}) is part of a package: discount the package line",
            code="line_closed",
        )
    return row


def _refuse_unapproved(what: str, limit: Decimal, manager: Actor | None) -> None:
    if manager is None:
        raise ApprovalRequired(
            f"{what} is past this store's discount limit of {limit.normalize():f}%: "
            "a manager's name and PIN are needed"
        )


def change_line_in(ctx: _Ctx, line: int, change: LineChange, manager: Actor | None) -> None:
    """Apply ``change`` to one open line inside the order's transaction."""
    reason = check_reason(change.reason)
    if change.price is not None:
        check_price(change.price)
    row = _open_line(ctx, line)
    m = row._mapping
    shelf = orepo.money(m["list_price"] if m["list_price"] is not None else m["unit_price"])
    price = change.price if change.price is not None else orepo.money(m["unit_price"])
    base = _base(price, m["quantity"])
    what = f"line {m['number']} ({m['sku']})"
    values: dict[str, object] = {}
    if change.discount is not None:
        off = check_line_discount(base, change.discount, f"{what} at {base:.2f}")
        percent = change.discount.kind is DiscountKind.PERCENT
        values["discount"] = None if percent else change.discount.value
        values["discount_percent"] = change.discount.value if percent else None
    else:
        current = line_money.row_terms(row)
        off = line_discount(base, LineTerms(current.discount, current.discount_percent))
        if off > base:
            raise BadRequest(
                f"{what}: at {price:.2f} its discount of {off:.2f} would be more than the line"
            )
    if change.price is not None:
        values["unit_price"] = price
        values["list_price"] = shelf if price != shelf else None
    limit = discount_limit(ctx.conn, ctx.db, ctx.store)
    if over_limit(_base(shelf, m["quantity"]), base - off, limit):
        _refuse_unapproved(
            f"{what} at {base - off:.2f} (shelf {_base(shelf, 1):.2f})", limit, manager
        )
    values.update(
        discount_reason=reason,
        discount_by=ctx.actor.user,
        discount_approved_by=None if manager is None else manager.user,
        discount_at=utcnow(),
    )
    ctx.conn.execute(sa.update(orepo.line_t).where(orepo.line_t.c.id == line).values(**values))


def change_line(
    db: Database,
    actor: Actor,
    order: str,
    line: int,
    change: LineChange,
    *,
    manager_user: str | None = None,
    manager_pin: str | None = None,
) -> OrderView:
    """Override a line's unit price and/or give it a discount, with a reason."""
    check_reason(change.reason)
    if change.price is not None:
        check_price(change.price)
    manager = _manager(db, actor, manager_user, manager_pin)

    def work(conn: Connection) -> OrderView:
        ctx = _Ctx(conn, db, actor, _editable(conn, order))
        change_line_in(ctx, line, change, manager)
        _touch(conn, ctx.id)
        sale_journal.record_amend(ctx)  # an order central knows learns its terms now
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def order_discount_in(ctx: _Ctx, discount: Discount, reason: str, manager: Actor | None) -> None:
    """Spread an order discount over the order's open lines inside its transaction."""
    text = check_reason(reason)
    rows = [
        r
        for r in orepo.order_lines(ctx.conn, ctx.id)
        if r._mapping["status"] == LineStatus.OPEN and r._mapping["package_line"] is None
    ]
    if not rows:
        raise BadRequest(f"order {ctx.number} has no open lines to discount")
    terms = [line_money.row_terms(r) for r in rows]
    bases = [_base(orepo.money(r._mapping["unit_price"]), r._mapping["quantity"]) for r in rows]
    left = [
        b - line_discount(b, LineTerms(t.discount, t.discount_percent))
        for b, t in zip(bases, terms, strict=True)
    ]
    percent = discount.kind is DiscountKind.PERCENT
    shares: Sequence[Decimal | None] = (
        [None] * len(rows) if percent else allocate(discount.value, left)
    )
    charged = ZERO
    for b, t, share in zip(bases, terms, shares, strict=True):
        new = LineTerms(
            t.discount,
            t.discount_percent,
            share,
            discount.value if percent else None,
        )
        charged += b - line_discount(b, new)
    # Each line's own discount was checked against the limit when given; the order discount
    # is checked on its own: what it takes off what the lines come to after theirs.
    before = sum(left, ZERO)
    limit = discount_limit(ctx.conn, ctx.db, ctx.store)
    if over_limit(before, charged, limit):
        _refuse_unapproved(
            f"a discount of {before - charged:.2f} on order {ctx.number} ({before:.2f})",
            limit,
            manager,
        )
    c = orepo.line_t.c
    for r, share in zip(rows, shares, strict=True):
        ctx.conn.execute(
            sa.update(orepo.line_t)
            .where(c.id == r._mapping["id"])
            .values(
                order_discount=share,
                order_discount_percent=discount.value if percent else None,
            )
        )
    _touch(
        ctx.conn,
        ctx.id,
        discount=None if percent else discount.value,
        discount_percent=discount.value if percent else None,
        discount_reason=text,
        discount_by=ctx.actor.user,
        discount_approved_by=None if manager is None else manager.user,
        discount_at=utcnow(),
    )


def discount_order(
    db: Database,
    actor: Actor,
    order: str,
    discount: Discount,
    reason: str,
    *,
    manager_user: str | None = None,
    manager_pin: str | None = None,
) -> OrderView:
    """Give the whole order a discount (amount or percent), spread over its open lines."""
    check_reason(reason)
    manager = _manager(db, actor, manager_user, manager_pin)

    def work(conn: Connection) -> OrderView:
        ctx = _Ctx(conn, db, actor, _editable(conn, order))
        order_discount_in(ctx, discount, reason, manager)
        sale_journal.record_amend(ctx)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def clear_discounts(db: Database, actor: Actor, order: str, line: int | None = None) -> OrderView:
    """Take back a line's own discount and price override (``line``), or the order discount
    (no line): the price returns to the shelf price. Needs no approval: it only adds money."""

    def work(conn: Connection) -> OrderView:
        ctx = _Ctx(conn, db, actor, _editable(conn, order))
        c = orepo.line_t.c
        if line is not None:
            row = _open_line(ctx, line)
            m = row._mapping
            shelf = m["list_price"] if m["list_price"] is not None else m["unit_price"]
            conn.execute(
                sa.update(orepo.line_t)
                .where(c.id == line)
                .values(
                    unit_price=shelf,
                    list_price=None,
                    **CLEARED_TERMS,
                )
            )
        else:
            conn.execute(
                sa.update(orepo.line_t)
                .where(c.order_id == ctx.id, c.status == LineStatus.OPEN.value)
                .values(order_discount=None, order_discount_percent=None)
            )
            _touch(
                conn,
                ctx.id,
                **CLEARED_TERMS,
            )
        _touch(conn, ctx.id)
        sale_journal.record_amend(ctx)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)
