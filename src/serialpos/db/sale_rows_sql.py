"""A run of plain sales' documents and units written in ONE statement on PostgreSQL (central's
set-based sales, services/entry_sale_rows.py): orders, invoices, order lines, invoice lines,
payments and the units sold, chained by a data-modifying ``WITH``.

Written table by table (db/array_insert.py), a push of sales cost six round trips here, each
its own execute in psycopg and its own statement in the server, and the ids each insert
returned went back out as arrays for the next one (an invoice's order, a line's order and
invoice, an invoice line's order line). Here each document finds the ids it refers to inside
the statement: an order and its invoice and payment are the run's n-th sale (the rows'
ordinality), a line names its sale's position (``entry``), an invoice line its sale and line
number. The rows, their ids (each table's inserted in the order given, so ids come from the
sequence in that order, as before), the units' update and what the server checks (foreign
keys at the statement's end, unique numbers, lengths) are the same; only the round trips go.

As in db/array_insert.py, a column whose rows all hold one value (the moment, the store, a
status) is sent once, not as an array, and the statement's text is built once for each such
shape and run prepared. The run's other round trips that could be shared are here too: its
stock levels with its outcomes, its order and invoice counters, its product with a setting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from serialpos.db import apply_outcomes, ledger_writes, order_settings, repo, sale_products
from serialpos.db import order_repo as orepo
from serialpos.db.array_insert import item_type, one_value
from serialpos.db.prepared import Prepared

_PG = postgresql.dialect()  # type: ignore[no-untyped-call]
_ENTRY = sa.Integer()

#: The tables of the chain, by their name in the statement (the ids a row refers to are
#: filled by the statement itself: an invoice's order, a line's order and invoice...).
_CHAIN: tuple[tuple[str, sa.Table], ...] = (
    ("o", orepo.order_t),
    ("i", orepo.invoice_t),
    ("l", orepo.line_t),
    ("il", orepo.invoice_line_t),
    ("p", orepo.payment_t),
)
#: Columns always sent as arrays: the keys the statement joins on.
_JOINED = {"o": ("number",), "i": ("number",), "l": ("entry",), "il": ("entry",), "p": ()}


def _sql_type(kind: sa.types.TypeEngine[Any]) -> str:
    return str(kind.compile(dialect=_PG))


class _Rows:
    """One table's rows as the statement takes them: the columns sent as arrays (one value a
    row) and those sent once (every row alike)."""

    def __init__(self, prefix: str, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
        self.prefix, self.table = prefix, table
        first = rows[0]
        columns = {k: [row[k] for row in rows] for k in first}
        joined = _JOINED[prefix]
        self.same = tuple(k for k, v in columns.items() if k not in joined and one_value(v))
        self.arrays = tuple(k for k in columns if k not in self.same)
        if not self.arrays:  # every row alike: one column still goes as an array (the count)
            self.arrays, self.same = self.same[:1], self.same[1:]
        self.params: dict[str, Any] = {f"{prefix}_a_{k}": columns[k] for k in self.arrays}
        self.params.update({f"{prefix}_v_{k}": first[k] for k in self.same})

    def _type(self, key: str) -> sa.types.TypeEngine[Any]:
        return _ENTRY if key == "entry" else item_type(self.table.c[key])

    def shape(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.arrays, self.same

    def binds(self) -> list[sa.BindParameter[Any]]:
        return [
            sa.bindparam(f"{self.prefix}_a_{k}", type_=postgresql.ARRAY(self._type(k)))
            for k in self.arrays
        ] + [sa.bindparam(f"{self.prefix}_v_{k}", type_=self._type(k)) for k in self.same]

    def ref(self, key: str) -> str:
        """The SQL for ``key``'s value in a row: the row's own, or the one sent once."""
        if key in self.arrays:
            return f"g.{key}"
        return f"CAST(:{self.prefix}_v_{key} AS {_sql_type(self._type(key))})"

    def given(self) -> str:
        arrays = ", ".join(
            f"CAST(:{self.prefix}_a_{k} AS {_sql_type(self._type(k))}[])" for k in self.arrays
        )
        return f"unnest({arrays}) WITH ORDINALITY AS g({', '.join(self.arrays)}, n)"

    def insert(self, made: str, joins: str, filled: Mapping[str, str], returning: str) -> str:
        keys = [k for k in [*self.arrays, *self.same] if k != "entry"]
        columns = ", ".join([*keys, *filled])
        values = ", ".join([*(self.ref(k) for k in keys), *filled.values()])
        return (
            f"{made} AS (INSERT INTO {self.table.name} ({columns}) SELECT {values} "
            f"FROM {self.given()} {joins} ORDER BY g.n RETURNING {returning})"
        )


def _at(name: str, made: str, prefix: str) -> str:
    """Each document made with its sale's position, found by its (unique) number."""
    return (
        f"{name} AS (SELECT m.id, g.n FROM {made} AS m JOIN unnest(CAST(:{prefix}_a_number AS "
        f"VARCHAR[])) WITH ORDINALITY AS g(number, n) ON m.number = g.number)"
    )


def _statement(parts: dict[str, _Rows]) -> Prepared:
    o, i, lines, il, p = (parts[k] for k in ("o", "i", "l", "il", "p"))
    sold = repo.unit_t.c
    with_ = [
        o.insert("orders_made", "", {}, "id, number"),
        _at("order_at", "orders_made", "o"),
        i.insert(
            "invoices_made", "JOIN order_at AS o ON o.n = g.n", {"order_id": "o.id"}, "id, number"
        ),
        _at("invoice_at", "invoices_made", "i"),
        lines.insert(
            "lines_made",
            f"JOIN order_at AS o ON o.n = {lines.ref('entry')} "
            f"JOIN invoice_at AS i ON i.n = {lines.ref('entry')}",
            {"order_id": "o.id", "invoice_id": "i.id"},
            "id, order_id, number",
        ),
        il.insert(
            "invoice_lines_made",
            f"JOIN order_at AS o ON o.n = {il.ref('entry')} "
            f"JOIN invoice_at AS i ON i.n = {il.ref('entry')} "
            f"JOIN lines_made AS l ON l.order_id = o.id AND l.number = {il.ref('position')}",
            {"invoice_id": "i.id", "order_line_id": "l.id"},
            "id",
        ),
        p.insert(
            "payments_made",
            "JOIN order_at AS o ON o.n = g.n JOIN invoice_at AS i ON i.n = g.n",
            {"order_id": "o.id", "invoice_id": "i.id"},
            "id",
        ),
        f"units_sold AS (UPDATE {repo.unit_t.name} SET {sold.state.name} = :unit_state, "
        f"{sold.version.name} = {sold.version.name} + 1, "
        f"{sold.updated_at.name} = CAST(:unit_now AS TIMESTAMP WITHOUT TIME ZONE), "
        f"{sold.reserved_line_id.name} = NULL "
        f"WHERE {sold.id.name} = ANY (CAST(:unit_ids AS INTEGER[])) RETURNING 1)",
    ]
    counts = ", ".join(
        f"(SELECT count(*) FROM {made})"
        for made in (
            "orders_made",
            "invoices_made",
            "lines_made",
            "invoice_lines_made",
            "payments_made",
            "units_sold",
        )
    )
    text = sa.text(f"WITH {', '.join(with_)} SELECT {counts}").bindparams(
        *(b for part in parts.values() for b in part.binds()),
        sa.bindparam("unit_state", type_=sa.String()),
        sa.bindparam("unit_now", type_=sold.updated_at.type),
        sa.bindparam("unit_ids", type_=postgresql.ARRAY(sa.Integer())),
    )
    return Prepared(text)


#: Statements built once per shape (which columns go as arrays).
_BUILT: dict[tuple[Any, ...], Prepared] = {}


def write_sales(
    conn: Connection,
    rows: Mapping[str, Sequence[Mapping[str, Any]]],
    unit_ids: list[int],
    unit_state: str,
    now: object,
) -> tuple[int, ...]:
    """PostgreSQL: insert a run's documents and sell its units in one statement. ``rows`` by
    table: ``o`` the orders and ``i`` their invoices and ``p`` their payments (the n-th of
    each is the n-th sale's; no ids), ``l`` the order lines and ``il`` the invoice lines
    (each with ``entry``, its sale's position from 1; an invoice line's ``position`` is its
    order line's number). The counts of rows made per table, then of units updated."""
    parts = {prefix: _Rows(prefix, table, rows[prefix]) for prefix, table in _CHAIN}
    shape = tuple(part.shape() for part in parts.values())
    stmt = _BUILT.get(shape)
    if stmt is None:
        stmt = _BUILT[shape] = _statement(parts)
    params: dict[str, Any] = {"unit_ids": unit_ids, "unit_state": unit_state, "unit_now": now}
    for part in parts.values():
        params.update(part.params)
    return tuple(int(c) for c in stmt.rows(conn, params)[0])


def _stock_and_outcomes() -> Prepared:
    """The stock levels a run's units leave (ledger_writes.bump_stock's bounded upsert, for every
    product and store of the run at once) and its entries' outcomes
    (apply_outcomes.RECORD_MANY) in one statement; the levels changed are returned."""
    stock_t, stock_c = repo.stock_t, repo.stock_t.c
    given = (
        sa.func.unnest(
            *(
                sa.bindparam(name, type_=postgresql.ARRAY(sa.Integer()))
                for name in ("stock_products", "stock_stores", "stock_deltas")
            )
        )
        .table_valued("product_id", "store_id", "quantity")
        .render_derived(name="given")
    )
    rows = sa.select(given.c.product_id, given.c.store_id, given.c.quantity)
    insert = postgresql.insert(stock_t).from_select(["product_id", "store_id", "quantity"], rows)
    upsert = ledger_writes.add_to_level(insert).returning(stock_c.product_id, stock_c.store_id)
    recorded = (
        sa.text(f"{apply_outcomes.RECORD_MANY.text} RETURNING 1")
        .bindparams(
            sa.bindparam("keys", type_=postgresql.ARRAY(sa.Text())),
            sa.bindparam("outcomes", type_=postgresql.ARRAY(sa.Text())),
        )
        .columns(sa.column("one", sa.Integer()))
        .cte("recorded")
    )
    return Prepared(upsert.add_cte(recorded))


_STOCK_AND_OUTCOMES = _stock_and_outcomes()


def stock_and_outcomes(
    conn: Connection, stock: Mapping[tuple[int, int], int], outcomes: Sequence[tuple[str, str]]
) -> set[tuple[int, int]]:
    """PostgreSQL: add each delta of ``stock`` ((product id, store id): delta, none zero,
    each checked with ``check_stock_level``) to its level, and store each (key, verdict) of
    ``outcomes``, in one statement; the (product id, store id) levels changed (one missing:
    the bounded update refused it, see ledger_writes.refuse_stock)."""
    params = {
        "stock_products": [k[0] for k in stock],
        "stock_stores": [k[1] for k in stock],
        "stock_deltas": list(stock.values()),
        "keys": [k for k, _ in outcomes],
        "outcomes": [text for _, text in outcomes],
    }
    return {(int(r[0]), int(r[1])) for r in _STOCK_AND_OUTCOMES.rows(conn, params)}


def _take_numbers() -> Prepared:
    """The document counters of one store moved on by several series' counts at once (each
    as entry_sale_rows' single-series upsert moves it), in the order given."""
    counter_t = orepo.counter_t
    given = (
        sa.func.unnest(
            sa.bindparam("kinds", type_=postgresql.ARRAY(sa.String())),
            sa.bindparam("counts", type_=postgresql.ARRAY(sa.Integer())),
        )
        .table_valued("kind", "count", with_ordinality="n")
        .render_derived(name="given")
    )
    rows = sa.select(
        sa.bindparam("store_id", type_=sa.Integer()), given.c.kind, given.c["count"]
    ).order_by(given.c.n)
    insert = postgresql.insert(counter_t).from_select(["store_id", "kind", "value"], rows)
    upsert: sa.Executable = insert.on_conflict_do_update(
        index_elements=[counter_t.c.store_id, counter_t.c.kind],
        set_={"value": counter_t.c.value + insert.excluded.value},
    ).returning(counter_t.c.kind, counter_t.c.value)
    return Prepared(upsert)


_TAKE_NUMBERS = _take_numbers()


def take_numbers(conn: Connection, store_id: int, counts: Mapping[str, int]) -> dict[str, int]:
    """PostgreSQL: take ``counts[kind]`` numbers of each kind from the store's counters in
    one statement (in the order given, so two runs lock them in the same order); the last
    number taken of each kind."""
    params = {"store_id": store_id, "kinds": list(counts), "counts": list(counts.values())}
    return {str(r[0]): int(r[1]) for r in _TAKE_NUMBERS.rows(conn, params)}


def _setting_value(table: sa.Table, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
    return (
        sa.select(table.c.value)
        .where(table.c.key == sa.bindparam("setting"), *where)
        .scalar_subquery()
    )


#: A product as a sale reads it (order_repo.SALE_PRODUCT_SELECT) with a setting's values
#: chain-wide and at a store: what unit_sql.move_context and sale_products.sale_product_by_sku read
#: for a run of sales, in one round trip instead of two.
_SALE_PLACE_SELECT = orepo.SALE_PRODUCT_SELECT.add_columns(
    _setting_value(repo.chain_setting_t).label("chain_setting"),
    _setting_value(
        repo.store_setting_t, repo.store_setting_t.c.store_id == sa.bindparam("store_id")
    ).label("store_setting"),
).where(sale_products.product_c.sku == sa.bindparam("sku"))
_SALE_PLACE = Prepared(_SALE_PLACE_SELECT)
#: On PostgreSQL also the chain's and the store's stored settings, kept for the transaction
#: (repo.keep_settings): a run of sales asks the chain's (prices include tax?) next, and
#: that read cost a round trip of its own per push.
_SALE_PLACE_PG = Prepared(
    _SALE_PLACE_SELECT.add_columns(*order_settings.with_settings(sa.bindparam("store_id")))
)


def sale_place(
    conn: Connection, sku: str, store_id: int, setting: str
) -> tuple[orepo.SaleProduct, str | None, str | None] | None:
    """The product with SKU ``sku`` as a sale reads it, and the values of ``setting``
    chain-wide and at the store (None: not set); None when no product has that SKU. On
    PostgreSQL the chain's and the store's settings are kept for the transaction too (they
    are read whether or not the product is found)."""
    params = {"sku": sku, "store_id": store_id, "setting": setting}
    if conn.dialect.name != "postgresql":
        row = _SALE_PLACE.first(conn, params)
    else:
        row = _SALE_PLACE_PG.first(conn, params)
        if row is not None:
            *row, chain, own = tuple(row)
            repo.keep_settings(conn, store_id, chain, own)
    if row is None:
        return None
    *product, chain_value, store_value = tuple(row)
    return sale_products.sale_product_of(tuple(product)), chain_value, store_value
