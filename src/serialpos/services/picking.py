"""Pick lists and run sheets: what the stockroom fetches and what the driver delivers, read
from the orders in one transaction and handed to :mod:`serialpos.printing` as plain data.

Decisions:
- Who may print: a pick list needs ``RECEIVE`` (stockroom, manager, admin: whoever fetches
  stock); a run sheet needs ``REPORTS`` (manager, admin: whoever plans the deliveries). It
  carries customers' addresses and phones, so cashiers and stockroom staff do not print it.
- A pick list holds the open lines of OPEN orders (parked orders are set aside at the counter,
  fulfilled and voided ones have nothing left to fetch). A package opened at the sale is
  fetched as its components, so its own line (price only) is left out.
- Orders have no delivery date: the "day" of an order is the day it was opened (created_at),
  in this terminal's local time zone. A run sheet lists the store's orders in delivery mode
  "delivery" opened that day that are open or fulfilled (not parked, not voided), with their
  open and fulfilled lines.
- Named orders (``orders=``) must exist, be at the store and be open: a mistyped number is
  refused, never silently printed as an empty list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import line_money, repo, sale_products
from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest, BadValue
from serialpos.domain.orders import DeliveryMode, LineStatus, OrderStatus
from serialpos.domain.products import SerialMode
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.printing.common import Rendered
from serialpos.printing.picklist import PickLine, PickListDocument, walk_key, write_picklist
from serialpos.printing.runsheet import RunItem, RunSheetDocument, RunStop, write_runsheet
from serialpos.services.context import Actor
from serialpos.services.orders.reading import line_mode
from serialpos.services.orders.views import UnknownOrder

DAY_RULE = "An order's day is the day it was opened, in this terminal's time zone."


def parse_day(text: str) -> date:
    """``YYYY-MM-DD``, with the mistake named: ``2026-02-30`` is not a day."""
    value = text.strip()
    try:
        return date.fromisoformat(value) if len(value) == 10 else _no_day(value)
    except ValueError:
        return _no_day(value)


def _no_day(value: str) -> date:
    raise BadValue(f"'{clip(value)}' is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day as naive UTC times [start, end), the way created_at is stored."""

    def utc(moment: datetime) -> datetime:
        return moment.astimezone().astimezone(UTC).replace(tzinfo=None)

    return utc(datetime.combine(day, time())), utc(datetime.combine(day + timedelta(1), time()))


def _store_name(db: Database, conn: Connection, store: str) -> tuple[int, str]:
    sid = repo.store_id(db, conn, store)
    name = conn.execute(sa.select(repo.store_t.c.name).where(repo.store_t.c.id == sid)).scalar_one()
    return sid, str(name)


def _check_named(conn: Connection, store: str, numbers: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    for number in wanted:
        row = orepo.order_row(conn, number)
        if row is None:
            raise UnknownOrder(f"there is no order '{clip(number)}'")
        m = row._mapping
        if m["store_code"] != store:
            raise BadRequest(
                f"order {number} is at store {m['store_code']}, not {store}", code="other_store"
            )
        if m["status"] != OrderStatus.OPEN:
            raise BadRequest(
                f"order {number} is {m['status']}: only open orders are picked",
                code="order_not_open",
            )
    return wanted


def _pick_filters(named: list[str], on: date | None, mode: DeliveryMode | None) -> list[str]:
    words = []
    if named:
        words.append(f"order{'s' * (len(named) > 1)} {', '.join(named)}")
    else:
        words.append("all open orders")
    if on is not None:
        words.append(f"opened on {on:%Y-%m-%d}")
    if mode is not None:
        words.append(f"delivery mode {mode.label}")
    return words


def pick_list(
    db: Database,
    actor: Actor,
    store: str,
    *,
    orders: Sequence[str] = (),
    on: date | None = None,
    delivery: str | DeliveryMode | None = None,
    now: datetime | None = None,
) -> PickListDocument:
    """The open lines to fetch at ``store``, in walking order (bin, then SKU), optionally only
    of the named ``orders``, of orders opened on the day ``on``, of one ``delivery`` mode."""
    actor.require(Permission.RECEIVE)
    code = store.strip()
    mode = DeliveryMode.parse(delivery) if isinstance(delivery, str) else delivery

    def work(conn: Connection) -> PickListDocument:
        sid, name = _store_name(db, conn, code)
        named = _check_named(conn, code, orders)
        o, c, p = orepo.order_t.c, orepo.line_t.c, repo.product_t.c
        header = orepo.line_t.alias("package_header")
        query = (
            sa.select(
                o.number,
                c.number.label("line_number"),
                c.sku,
                c.name,
                c.quantity,
                c.serial,
                p.serial_mode,
                p.bin,
                header.c.number.label("package_number"),
            )
            .join(orepo.order_t, o.id == c.order_id)
            .join(repo.product_t, p.id == c.product_id)
            .outerjoin(header, header.c.id == c.package_line)
            .where(
                o.store_id == sid,
                o.status == OrderStatus.OPEN.value,
                c.status == LineStatus.OPEN.value,
                sa.func.coalesce(sale_products.PACKAGE_TYPE, "") != "exploded",
            )
        )
        if named:
            query = query.where(o.number.in_(named))
        if on is not None:
            start, end = day_bounds(on)
            query = query.where(o.created_at >= start, o.created_at < end)
        if mode is not None:
            query = query.where(o.delivery == mode.value)
        lines = [
            PickLine(
                r.number,
                r.line_number,
                r.sku,
                r.name,
                r.quantity,
                r.bin,
                r.serial,
                SerialMode(r.serial_mode),
                r.package_number,
            )
            for r in conn.execute(query)
        ]
        return PickListDocument(
            store_code=code,
            store_name=name,
            printed_at=now or datetime.now(),
            printed_by=actor.user,
            lines=tuple(sorted(lines, key=walk_key)),
            filters=tuple(_pick_filters(named, on, mode)),
        )

    return db.read(work)


def _status_words(status: str, invoices: list[str]) -> str:
    if status == OrderStatus.FULFILLED:
        return f"fulfilled on {', '.join(invoices)}"
    if invoices:
        return f"open: partly fulfilled on {', '.join(invoices)}"
    return "open: not yet fulfilled"


def _stop(conn: Connection, row: sa.Row[object]) -> RunStop:
    m = row._mapping
    kept = (LineStatus.OPEN, LineStatus.FULFILLED)
    rows = [r for r in orepo.order_lines(conn, m["id"]) if r._mapping["status"] in kept]
    numbers = {r._mapping["id"]: r._mapping["number"] for r in rows}
    items = tuple(
        RunItem(
            r._mapping["number"],
            r._mapping["sku"],
            r._mapping["name"],
            r._mapping["quantity"],
            r._mapping["serial"],
            line_mode(r),
            numbers.get(r._mapping["package_line"]),
        )
        for r in rows
    )
    total = sum((line_money.row_amounts(r).gross for r in rows), Decimal("0.00"))
    paid = sum((orepo.money(p.amount) for p in orepo.payments(conn, m["id"])), Decimal("0.00"))
    return RunStop(
        order=m["number"],
        status=_status_words(m["status"], orepo.invoice_numbers(conn, m["id"])),
        customer_name=m["customer_name"],
        customer_phone=m["customer_phone"],
        customer_address=m["customer_address"],
        items=items,
        to_collect=max(total - paid, Decimal("0.00")),
    )


def run_sheet(
    db: Database, actor: Actor, store: str, on: date, *, now: datetime | None = None
) -> RunSheetDocument:
    """The delivery orders of ``store`` for the day ``on`` (see the module's decisions), in
    the order they were opened."""
    actor.require(Permission.REPORTS)
    code = store.strip()

    def work(conn: Connection) -> RunSheetDocument:
        sid, name = _store_name(db, conn, code)
        start, end = day_bounds(on)
        o = orepo.order_t.c
        found = (
            conn.execute(
                sa.select(orepo.order_t.c.number)
                .where(
                    o.store_id == sid,
                    # A literal, not a bound value: the partial index of delivery orders
                    # (migration 0041) is used only when the query names its condition.
                    o.delivery == sa.literal_column(f"'{DeliveryMode.DELIVERY.value}'"),
                    o.status.in_((OrderStatus.OPEN.value, OrderStatus.FULFILLED.value)),
                    o.created_at >= start,
                    o.created_at < end,
                )
                .order_by(o.id)
            )
            .scalars()
            .all()
        )
        stops = []
        for number in found:
            row = orepo.order_row(conn, number)
            assert row is not None
            stops.append(_stop(conn, row))
        return RunSheetDocument(
            store_code=code,
            store_name=name,
            day=on,
            printed_at=now or datetime.now(),
            printed_by=actor.user,
            stops=tuple(stops),
            day_rule=DAY_RULE,
        )

    return db.read(work)


@dataclass(frozen=True)
class Printed:
    """What was written, for the one line the command prints."""

    path: Path
    pages: int
    lines: int  # pick lines, or items on the run sheet
    orders: int


def write_pick_list(
    db: Database,
    actor: Actor,
    path: str | Path,
    store: str,
    *,
    orders: Sequence[str] = (),
    on: date | None = None,
    delivery: str | DeliveryMode | None = None,
) -> Printed:
    """The pick list's PDF written atomically to ``path`` (a document saying "nothing to
    pick" when no line matches, so an older list under that name is never mistaken for
    today's)."""
    doc = pick_list(db, actor, store, orders=orders, on=on, delivery=delivery)
    rendered: Rendered = write_picklist(doc, path)
    return Printed(
        Path(path), rendered.pages, len(doc.lines), len({line.order for line in doc.lines})
    )


def write_run_sheet(db: Database, actor: Actor, path: str | Path, store: str, on: date) -> Printed:
    """The run sheet's PDF written atomically to ``path`` ("nothing to deliver" when the day
    has no delivery orders)."""
    doc = run_sheet(db, actor, store, on)
    rendered = write_runsheet(doc, path)
    return Printed(
        Path(path), rendered.pages, sum(len(stop.items) for stop in doc.stops), len(doc.stops)
    )
