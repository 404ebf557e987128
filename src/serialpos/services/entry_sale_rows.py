"""The rows of a run of plain sales central accepted (services/entry_sells.py decides which):
each table written with one statement for the whole run, exactly the rows, numbers and
events the one-by-one path (services/host_sale.py and the ledger) writes for each sale.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db import (
    apply_outcomes,
    array_insert,
    ledger_chain,
    ledger_writes,
    line_money,
    repo,
    sale_rows_sql,
)
from serialpos.db import order_repo as orepo
from serialpos.db.one_of import one_of
from serialpos.db.prepared import Prepared
from serialpos.db.tables import utcnow
from serialpos.domain.limits import check_stock_level
from serialpos.domain.orders import LineAmounts, LineStatus, OrderStatus, SaleType, Totals, totals
from serialpos.domain.states import Action, UnitState, on_hand_delta
from serialpos.services.entries import Result
from serialpos.services.entry_checks import Entry
from serialpos.services.orders.views import DOCUMENT_TYPE, ZERO


@dataclass(frozen=True)
class Sell:
    """A plain sale, its fields checked before any transaction."""

    entry: Entry
    store: str
    sku: str
    serials: list[str]
    method: str
    #: The numbers the terminal gave its documents, by series (document_numbers.check_given).
    numbers: Mapping[str, str] = field(default_factory=dict)
    #: The unit price the till charged (services/orders/till_price.py); None: not said.
    catalogue_price: Decimal | None = None


@dataclass
class Place:
    """A store and product as a run of sales there needs them, read once per run."""

    store_id: int
    product: orepo.SaleProduct
    tax_included: bool
    units: dict[str, repo.UnitRow] = field(default_factory=dict)


def _counter(insert: Any) -> Prepared:
    """orepo.next_number for ``count`` numbers at once: returns the last one taken."""
    counter_t = orepo.counter_t
    count = sa.bindparam("count", type_=sa.Integer())
    stmt = insert(counter_t).values(
        store_id=sa.bindparam("store_id"), kind=sa.bindparam("kind"), value=count
    )
    upsert: sa.Executable = stmt.on_conflict_do_update(
        index_elements=[counter_t.c.store_id, counter_t.c.kind],
        set_={"value": counter_t.c.value + count},
    ).returning(counter_t.c.value)
    return Prepared(upsert)


#: Built once per dialect and run prepared (a run takes its numbers in one statement).
_COUNTER = {"postgresql": _counter(postgresql.insert), "sqlite": _counter(sqlite.insert)}


def _numbers(conn: Connection, store_id: int, kind: str, count: int) -> list[int]:
    params = {"store_id": store_id, "kind": kind, "count": count}
    last = int(_COUNTER[conn.dialect.name].scalar(conn, params))
    return list(range(last - count + 1, last + 1))


class _LineRow:
    """An order line as line_money.row_amounts reads it (no discounts on a host sale)."""

    def __init__(self, mapping: Mapping[str, Any]) -> None:
        self._mapping = mapping


def _insert_numbered(
    conn: Connection, table: sa.Table, rows: list[dict[str, Any]], numbers: list[str]
) -> list[int]:
    """SQLite: insert ``rows`` (documents with these unique numbers, in this order); their
    ids in that order, read back by one select (its RETURNING answers one row per statement;
    PostgreSQL writes a run's documents in one statement, db/sale_rows_sql.py)."""
    number = table.c.number
    array_insert.insert_rows(conn, table, rows)
    made = conn.execute(sa.select(table.c.id, number).where(one_of(conn, number, numbers)))
    found = {str(r[1]): int(r[0]) for r in made}
    return [found[n] for n in numbers]


def _insert_lines(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """SQLite: insert the orders' lines; their ids in that order (found by order and line
    number, one select)."""
    line_t = orepo.line_t
    array_insert.insert_rows(conn, line_t, rows)
    orders = sorted({int(row["order_id"]) for row in rows})
    made = conn.execute(
        sa.select(line_t.c.id, line_t.c.order_id, line_t.c.number).where(
            one_of(conn, line_t.c.order_id, orders)
        )
    )
    found = {(int(r[1]), int(r[2])): int(r[0]) for r in made}
    return [found[row["order_id"], row["number"]] for row in rows]


def write(
    conn: Connection, sells: list[Sell], places: list[Place], shifts: list[int | None]
) -> list[Result]:
    """Write the accepted sales, one statement per table; their verdicts, in order."""
    if not sells:
        return []
    now = utcnow()
    # Each sale's documents dated by the till's time of the act (services/sale_dates.py);
    # the units and the ledger events by central's.
    dated = [s.entry.made_at or now for s in sells]
    by_store: dict[int, list[int]] = {}
    for n, place in enumerate(places):
        assert place is not None
        by_store.setdefault(place.store_id, []).append(n)
    order_numbers = [s.numbers.get("order", "") for s in sells]
    invoice_numbers = [s.numbers.get("invoice", "") for s in sells]
    for store_id, ns in by_store.items():
        code = sells[ns[0]].store
        # Central's own numbers for the documents the terminal gave none (a number kept
        # takes nothing from the counter: document_numbers.mint).
        series = (("order", order_numbers, ""), ("invoice", invoice_numbers, "INV-"))
        wanting = {kind: [n for n in ns if not numbers[n]] for kind, numbers, _p in series}
        if conn.dialect.name == "postgresql" and all(wanting.values()):
            # Both counters in one statement, the order's first as before.
            lasts = sale_rows_sql.take_numbers(
                conn, store_id, {kind: len(wanting[kind]) for kind, _n, _p in series}
            )
            minted = {
                kind: list(range(lasts[kind] - len(wanting[kind]) + 1, lasts[kind] + 1))
                for kind, _n, _p in series
            }
        else:
            minted = {
                kind: _numbers(conn, store_id, kind, len(wanting[kind]))
                for kind, _n, _p in series
                if wanting[kind]
            }
        for kind, numbers, prefix in series:
            for n, k in zip(wanting[kind], minted.get(kind, ()), strict=True):
                numbers[n] = f"{prefix}{code}-{k:06d}"
    # Orders, fulfilled as the one-by-one path leaves them.
    orders = [
        {
            "number": order_numbers[n],
            "store_id": places[n].store_id,
            "type": SaleType.SALE.value,
            "delivery": "cash_and_carry",
            "status": OrderStatus.FULFILLED.value,
            "created_by": s.entry.actor.user,
            "terminal": s.entry.actor.terminal,
            "created_at": dated[n],
            "updated_at": now,
            "customer_name": None,
            "customer_phone": None,
            "customer_address": None,
            "customer_id": None,
        }
        for n, s in enumerate(sells)
    ]
    # The lines' amounts, then the invoices that total them.
    lines: list[list[dict[str, Any]]] = []
    amounts: list[list[LineAmounts]] = []
    # A place's lines differ only by serial: amounts once a place, totals once a unit count.
    alike: dict[int, LineAmounts] = {}
    sums_of: dict[tuple[int, int], Totals] = {}
    sums: list[Totals] = []
    for n, sell in enumerate(sells):
        place = places[n]
        product = place.product
        rows = [
            {
                "number": k,
                "product_id": product.id,
                "sku": product.sku,
                "name": product.name,
                "quantity": 1,
                "unit_price": product.price,
                "tax_rate": product.tax_rate,
                "tax_included": place.tax_included,
                "serial": serial,
                "status": LineStatus.FULFILLED.value,
                "package_line": None,
            }
            for k, serial in enumerate(sell.serials, start=1)
        ]
        lines.append(rows)
        one = alike.get(id(place))
        if one is None:
            one = alike[id(place)] = line_money.row_amounts(cast(sa.Row[object], _LineRow(rows[0])))
        amounts.append([one] * len(rows))
        key = (id(place), len(rows))
        if key not in sums_of:
            sums_of[key] = totals(amounts[-1])
        sums.append(sums_of[key])
    invoices = [
        {
            "number": invoice_numbers[n],
            "store_id": places[n].store_id,
            "kind": "Invoice",
            "refers_to": None,
            "issued_at": dated[n],
            "net": sums[n].net,
            "tax": sums[n].tax,
            "total": sums[n].total,
            "change_due": ZERO,
            "created_by": s.entry.actor.user,
        }
        for n, s in enumerate(sells)
    ]
    flat = [(n, row) for n, rows in enumerate(lines) for row in rows]
    invoice_lines = [
        {
            "position": row["number"],
            "sku": row["sku"],
            "description": row["name"],
            "quantity": row["quantity"],
            "unit_price": row["unit_price"],
            "tax_rate": row["tax_rate"],
            "net": a.net,
            "tax": a.tax,
            "total": a.gross,
            "serial": row["serial"],
        }
        for (_n, row), a in zip(flat, (a for per in amounts for a in per), strict=True)
    ]
    payments = [
        {
            "kind": "payment",
            "method": s.method,
            "amount": sums[n].total,
            "at": dated[n],
            "user_name": s.entry.actor.user,
            "shift_id": shifts[n],
        }
        for n, s in enumerate(sells)
    ]
    unit_ids = [places[n].units[serial].id for n, s in enumerate(sells) for serial in s.serials]
    sold = UnitState.SOLD.value
    if conn.dialect.name == "postgresql":
        # One statement for the documents and the units (db/sale_rows_sql.py).
        made = sale_rows_sql.write_sales(
            conn,
            {
                "o": orders,
                "i": invoices,
                "l": [row | {"entry": n + 1} for n, row in flat],
                "il": [
                    row | {"entry": n + 1} for (n, _r), row in zip(flat, invoice_lines, strict=True)
                ],
                "p": payments,
            },
            unit_ids,
            sold,
            now,
        )
        updated = made[-1]
    else:
        order_ids = _insert_numbered(conn, orepo.order_t, orders, order_numbers)
        for row, order_id in zip(invoices, order_ids, strict=True):
            row["order_id"] = order_id
        invoice_ids = _insert_numbered(conn, orepo.invoice_t, invoices, invoice_numbers)
        line_ids = _insert_lines(
            conn,
            [row | {"order_id": order_ids[n], "invoice_id": invoice_ids[n]} for n, row in flat],
        )
        array_insert.insert_rows(
            conn,
            orepo.invoice_line_t,
            [
                row | {"invoice_id": invoice_ids[n], "order_line_id": line_id}
                for (n, _r), row, line_id in zip(flat, invoice_lines, line_ids, strict=True)
            ],
        )
        array_insert.insert_rows(
            conn,
            orepo.payment_t,
            [
                row | {"order_id": order_ids[n], "invoice_id": invoice_ids[n]}
                for n, row in enumerate(payments)
            ],
        )
        updated = conn.execute(
            _sell_units(one_of(conn, repo.unit_t.c.id, unit_ids)), {"state": sold, "now": now}
        ).rowcount
    if updated != len(unit_ids):  # locked above: cannot happen, and must not pass
        raise RuntimeError(f"{updated} of {len(unit_ids)} units sold were updated")
    return _move_units(conn, sells, places, order_numbers, invoice_numbers, now)


def _sell_units(unit_is: sa.ColumnElement[bool]) -> sa.Update:
    unit_c = repo.unit_t.c
    return (
        sa.update(repo.unit_t)
        .where(unit_is)
        .values(
            state=sa.bindparam("state"),
            version=unit_c.version + 1,
            updated_at=sa.bindparam("now", type_=unit_c.updated_at.type),
            reserved_line_id=sa.null(),
        )
    )


#: The fields of a sale's events that differ from one event to the next (the rest are shared).
_EVENT_COLUMNS = (
    *("user_name", "terminal", "store_id", "product_id", "unit_id", "serial"),
    *("from_state", "quantity", "document_id"),
)


def _insert_events(
    conn: Connection, shared: dict[str, object], columns: dict[str, list[Any]]
) -> None:
    """PostgreSQL: the events hash-chained and inserted. A push's events are one chain
    (its terminal at its store): hashed from the head as last known and inserted in the
    statement that moves the head from it, one round trip; if the head was not that (another
    worker moved it, or a rolled-back savepoint), nothing was written and the head is read,
    the events hashed again and inserted after it, as before."""
    guess = ledger_chain.stamp_columns_on_guess(conn, shared, columns)
    if guess is not None:
        stamped, move = guess
        moved = array_insert.insert_columns_after(
            conn,
            repo.event_t,
            shared,
            columns | stamped,
            ledger_chain.MOVE_HEAD_GATE,
            move.params(),
        )
        ledger_chain.settle_guess(conn, move, moved)
        if moved:
            return
    columns.update(ledger_chain.stamp_columns(conn, shared, columns))
    array_insert.insert_columns(conn, repo.event_t, shared, columns)


def _move_units(
    conn: Connection,
    sells: list[Sell],
    places: list[Place],
    order_numbers: list[str],
    invoice_numbers: list[str],
    now: object,
) -> list[Result]:
    """The units' events (hash-chained, one insert), the stock they leave, and each entry's
    outcome stored under its id; the verdicts. The events go by column, hashed column-wise
    (ledger_chain.stamp_columns: the same digests as one by one)."""
    shared: dict[str, object] = {
        "at": now,
        "action": Action.SELL.value,
        "to_state": UnitState.SOLD.value,
        "document_type": DOCUMENT_TYPE,
        "document_line": None,
        "reason": None,
    }
    #: One list per varying field, in _EVENT_COLUMNS' order.
    lists: list[list[Any]] = [[] for _ in _EVENT_COLUMNS]
    users, terminals, stores, products, units, serials, froms, quantities, documents = lists
    stock: dict[tuple[int, int], int] = {}
    verdicts: list[Result] = []
    sold = UnitState.SOLD.value
    for n, sell in enumerate(sells):
        place = places[n]
        moves = []
        quantity = 0
        for serial in sell.serials:
            unit = place.units[serial]
            delta = on_hand_delta(UnitState(unit.state), UnitState.SOLD)
            users.append(sell.entry.actor.user)
            terminals.append(sell.entry.actor.terminal)
            stores.append(place.store_id)
            products.append(place.product.id)
            units.append(unit.id)
            serials.append(serial)
            froms.append(unit.state)
            quantities.append(delta)
            documents.append(order_numbers[n])
            key = (place.product.id, place.store_id)
            stock[key] = stock.get(key, 0) + delta
            quantity += delta
            moves.append({"serial": serial, "from": unit.state, "to": sold})
        verdicts.append(
            {
                "ok": True,
                "op": "sell",
                "store": sell.store,
                "sku": place.product.sku,
                "order": order_numbers[n],
                "invoice": invoice_numbers[n],
                "quantity": quantity,
                "units": moves,
            }
        )
    columns = dict(zip(_EVENT_COLUMNS, lists, strict=True))
    if conn.dialect.name == "postgresql":
        _insert_events(conn, shared, columns)
    else:
        ledger_writes.add_events(
            conn,
            [
                shared | dict(zip(columns, row, strict=True))
                for row in zip(*columns.values(), strict=True)
            ],
        )
    outcomes = [
        (s.entry.key, json.dumps({k: v for k, v in r.items() if k != "ok"}, ensure_ascii=False))
        for s, r in zip(sells, verdicts, strict=True)
    ]
    if conn.dialect.name == "postgresql":
        # The levels and the outcomes in one statement (db/sale_rows_sql.py).
        changes = {key: delta for key, delta in stock.items() if delta}
        for delta in changes.values():
            check_stock_level(delta, "quantity change")
        bumped = sale_rows_sql.stock_and_outcomes(conn, changes, outcomes)
        for (product_id, store_id), delta in changes.items():
            if (product_id, store_id) not in bumped:  # the bounded update refused it
                ledger_writes.refuse_stock(conn, product_id, store_id, delta)
        return verdicts
    for (product_id, store_id), delta in stock.items():
        ledger_writes.bump_stock(conn, product_id, store_id, delta)
    apply_outcomes.record_many(conn, outcomes)
    return verdicts
