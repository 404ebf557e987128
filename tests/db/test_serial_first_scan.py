"""A counter sale whose first scan is the unit's serial label, on SQLite and PostgreSQL: one
transaction finds the product and the unit by that serial (one read), inserts the line
already holding the serial and reserves the unit; nothing is read or written twice, and a
refused unit leaves no line behind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from test_orders import IMEI, setup_catalogue

from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.states import Action
from serialpos.services import ledger, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.counter_scan import scan_at_counter
from serialpos.services.integrity import check_ledger
from serialpos.services.orders import NewOrder, add_item, fulfil, get_order


@pytest.fixture
def shop(db: Database, admin: Actor) -> Actor:
    setup_catalogue(db, admin)
    users.add_user(db, admin, "cam", "cashier", "1111")
    return users.actor_for(db, "cam", "till-1")


@contextmanager
def watched(db: Database) -> Iterator[dict[str, list[Any]]]:
    """The statements sent and the commits made inside the block."""
    seen: dict[str, list[Any]] = {"sql": [], "commits": []}

    def statement(_c: Any, _cur: Any, sql: str, *_rest: Any) -> None:
        seen["sql"].append(" ".join(sql.split()))

    def commit(_conn: Any) -> None:
        seen["commits"].append(1)

    sa.event.listen(db.engine, "before_cursor_execute", statement)
    sa.event.listen(db.engine, "commit", commit)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", statement)
        sa.event.remove(db.engine, "commit", commit)


def _writes(seen: dict[str, list[Any]], what: str) -> list[str]:
    """The statements that write ``what`` (alone, or in a CTE as PostgreSQL's may)."""
    return [s for s in seen["sql"] if what in s.upper()]


def _reads(seen: dict[str, list[Any]]) -> list[str]:
    """The statements that read (a SELECT, or PostgreSQL's CTE that reads and then writes a
    scan's line: no ledger claim, whose CTE starts with the unit's update)."""
    return [
        s
        for s in seen["sql"]
        if s.startswith("SELECT") or (s.startswith("WITH") and "UPDATE serial_unit" not in s)
    ]


def _unit_reads(seen: dict[str, list[Any]]) -> list[str]:
    return [s for s in _reads(seen) if "FROM serial_unit" in s]


def _product_reads(seen: dict[str, list[Any]]) -> list[str]:
    return [s for s in _reads(seen) if "product.sku" in s]


def test_a_serial_first_opens_the_order_with_the_line_in_one_commit(
    db: Database, shop: Actor
) -> None:
    start = NewOrder("S1")
    with watched(db) as seen:
        done = scan_at_counter(db, shop, None, IMEI[0], waiting=None, start=start)
    assert done.added is not None and not done.added.prompt_serial
    view = done.added.order
    assert [(ln.sku, ln.serial) for ln in view.lines] == [("PH1", IMEI[0])]
    assert view == get_order(db, view.order)
    assert len(seen["commits"]) == 1
    # The line is inserted holding its serial, in the order inserted in this transaction:
    # neither is updated after. The text is asked once, as a SKU or a serial: the unit with
    # its product (no product read by SKU before, nor by id after).
    assert _writes(seen, "UPDATE ORDER_LINE") == []
    assert _writes(seen, "UPDATE SALE_ORDER") == []
    assert len(_unit_reads(seen)) == 1
    assert len(_product_reads(seen)) == 1
    with db.engine.connect() as conn:
        state, line = conn.execute(
            sa.text("SELECT state, reserved_line_id FROM serial_unit WHERE serial = :s"),
            {"s": IMEI[0]},
        ).one()
    assert (state, line) == ("reserved", done.added.line)
    assert [f for f in check_ledger(db) if f.violation] == []


def test_a_serial_scanned_on_an_open_order_touches_the_order(db: Database, shop: Actor) -> None:
    first = add_item(db, shop, None, sku="CB1", start=NewOrder("S1"))
    order = first.order.order

    def updated_at() -> object:
        with db.engine.connect() as conn:
            row = orepo.order_row(conn, order)
            assert row is not None
            return row._mapping["updated_at"]

    before = updated_at()
    with watched(db) as seen:
        done = scan_at_counter(db, shop, order, IMEI[1], waiting=None, start=None)
    assert done.added is not None
    assert [ln.serial for ln in done.added.order.lines] == [None, IMEI[1]]
    assert done.added.order == get_order(db, order)
    assert _writes(seen, "UPDATE ORDER_LINE") == []
    assert len(_unit_reads(seen)) == 1 and len(_product_reads(seen)) == 1
    assert updated_at() > before  # type: ignore[operator]


def test_a_refused_unit_leaves_no_line_holding_its_serial(db: Database, shop: Actor) -> None:
    """The line is inserted with the serial before the unit's claim: a refusal rolls both
    back."""
    ledger.move(db, shop, Action.SELL, store="S1", sku="PH1", serials=[IMEI[2]])
    order = add_item(db, shop, None, sku="CB1", start=NewOrder("S1")).order.order
    with pytest.raises(DomainError):
        add_item(db, shop, order, sku="PH1", serial=IMEI[2])
    assert [ln.sku for ln in get_order(db, order).lines] == ["CB1"]
    with db.engine.connect() as conn:
        held = conn.execute(
            sa.text("SELECT count(*) FROM order_line WHERE serial = :s"), {"s": IMEI[2]}
        ).scalar()
    assert held == 0


def test_an_order_create_with_serials_writes_each_line_once(db: Database, shop: Actor) -> None:
    """A host's ``order_create`` with serials: each line inserted holding its serial."""
    with watched(db) as seen:
        made = apply_object(
            db,
            shop,
            {
                "op": "order_create",
                "store": "S1",
                "lines": [{"sku": "PH1", "serial": IMEI[0]}, {"sku": "LT1", "serial": "LT-A"}],
            },
        )
    assert made["ok"], made
    assert _writes(seen, "UPDATE ORDER_LINE") == []
    view = get_order(db, made["order"])
    assert [(ln.sku, ln.serial) for ln in view.lines] == [("PH1", IMEI[0]), ("LT1", "LT-A")]


def test_an_exact_sku_wins_over_a_serial_of_the_same_text(
    db: Database, shop: Actor, admin: Actor
) -> None:
    """One statement asks for both; the SKU still comes first (a unit of another product
    whose serial is that text is not taken)."""
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT1", serials=["CB1"])
    done = scan_at_counter(db, shop, None, "CB1", waiting=None, start=NewOrder("S1"))
    assert done.added is not None
    assert [(ln.sku, ln.serial) for ln in done.added.order.lines] == [("CB1", None)]
    laptop = scan_at_counter(db, shop, done.added.order.order, "LT-B", waiting=None, start=None)
    assert laptop.added is not None
    assert [(ln.sku, ln.serial) for ln in laptop.added.order.lines][-1] == ("LT1", "LT-B")


def test_a_serial_first_scan_is_three_statements_on_postgresql(
    db: Database, shop: Actor, db_url: str
) -> None:
    """PostgreSQL: the order with its number; the SKU or serial read with the line it adds
    (holding the serial); the unit's claim with its event. SQLite (no round trips) runs the
    counter, the order (with its store's settings), the read, the line, and the claim's four
    statements apart."""
    warm = scan_at_counter(db, shop, None, "LT-B", waiting=None, start=NewOrder("S1"))
    assert warm.added is not None  # the till's first move opens its ledger chain
    with watched(db) as seen:
        done = scan_at_counter(db, shop, None, IMEI[0], waiting=None, start=NewOrder("S1"))
    assert done.added is not None and done.added.order == get_order(db, done.added.order.order)
    expected = 3 if db_url.startswith("postgresql") else 8
    assert len(seen["sql"]) == expected, "\n".join(s[:90] for s in seen["sql"])


def test_an_exact_sku_of_a_tracked_product_wins_over_a_serial_of_that_text(
    db: Database, shop: Actor, admin: Actor
) -> None:
    """The line inserted with the read is the SKU's product's, waiting for its serial, not
    the line of the unit (of another product, in stock here) whose serial is that text."""
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT1", serials=["PH1"])
    held = scan_at_counter(db, shop, None, "PH1", waiting=None, start=NewOrder("S1")).held
    assert held is not None and held.sku == "PH1"  # the SKU's product, held for its serial
    # Written on the next action that is not its serial (here: the prompt escaped).
    done = scan_at_counter(db, shop, None, "PH1", waiting=None, start=NewOrder("S1"), held=held)
    assert done.committed is not None and done.held is not None  # and the next one held
    done = replace(done, added=done.committed)
    assert done.added is not None and done.added.prompt_serial
    assert [(ln.sku, ln.serial) for ln in done.added.order.lines] == [("PH1", None)]
    assert done.added.order == get_order(db, done.added.order.order)
    with db.engine.connect() as conn:
        state = conn.execute(
            sa.text("SELECT state FROM serial_unit WHERE serial = 'PH1'")
        ).scalar_one()
    assert state == "in_stock"


def test_a_serial_of_a_unit_at_another_store_adds_no_line(db: Database, shop: Actor) -> None:
    """The unit is at S2: nothing is inserted; the counter search names where it is."""
    with pytest.raises(DomainError) as refused:
        scan_at_counter(db, shop, None, IMEI[3], waiting=None, start=NewOrder("S1"))
    assert "S2" in refused.value.message
    with db.engine.connect() as conn:
        lines = conn.execute(sa.text("SELECT count(*) FROM order_line")).scalar_one()
    assert lines == 0


def test_a_product_first_sale_takes_its_statements_per_step(
    db: Database, shop: Actor, db_url: str
) -> None:
    """The SKU (its line held), its serial (the line with it), the tender: statements per
    step (round trips on PostgreSQL); the store's settings read with the order."""
    warm = scan_at_counter(db, shop, None, "LT-B", waiting=None, start=NewOrder("S1"))
    assert warm.added is not None  # the till's first move opens its ledger chain
    counts = []
    with watched(db) as seen:  # held (services/held_line.py): read, nothing written
        held = scan_at_counter(db, shop, None, "PH1", waiting=None, start=NewOrder("S1")).held
    counts.append(len(seen["sql"]))
    assert held is not None
    assert not [s for s in seen["sql"] if s.startswith(("INSERT", "UPDATE"))]
    with watched(db) as seen:  # the order, the line holding the serial, the unit's claim
        filled = scan_at_counter(
            db, shop, None, IMEI[0], waiting=None, start=NewOrder("S1"), held=held
        )
    counts.append(len(seen["sql"]))
    assert len(seen["commits"]) == 1
    assert filled.view is not None and filled.view == get_order(db, filled.view.order)
    order = filled.view.order
    with watched(db) as seen:
        done = fulfil(db, shop, order, payments=[("cash", filled.view.totals.due)])
    counts.append(len(seen["sql"]))
    assert done.order == get_order(db, order) and done.order.status.value == "fulfilled"
    # Before the held line (the add, the serial on its line, the tender): PostgreSQL 2 / 4 /
    # 4, SQLite 4 / 8 / 11, three commits. Now two commits: PostgreSQL 2 (the order opened
    # with the read, rolled back) / 5 / 4; SQLite 2 (read, nothing written) / 9 / 11. Then
    # the serial's step read its product and unit in one statement (sale_products.
    # sale_product_with_unit): PostgreSQL 2 / 4 / 4, SQLite 2 / 8 / 11.
    assert counts == ([2, 4, 4] if db_url.startswith("postgresql") else [2, 8, 11])
    assert [f for f in check_ledger(db) if f.violation] == []


def test_the_scan_statement_stays_short_enough_for_psycopg_to_keep() -> None:
    """psycopg converts a statement's text once and keeps it only up to 4,096 characters; a
    longer one is parsed again at every scan (0.15 ms of client CPU measured)."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
    from sqlalchemy.dialects import postgresql

    from serialpos.db import scan_sql

    text = str(scan_sql._SCANNED_WITH_LINE.statement.compile(dialect=postgresql.dialect()))
    assert len(text) <= MAX_CACHED_STATEMENT_LENGTH
