"""Serial prefix search and the serial card's warranty and timeline, on units made through the
ledger and sold through the orders service, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.states import Action
from serialpos.domain.warranty import WarrantyKind, add_months
from serialpos.services import ledger, lookup, returns, serial_search
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order, set_customer
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order
from serialpos.services.orders.serials import set_serial
from serialpos.services.orders.views import Customer
from serialpos.services.product_import import import_products_text
from serialpos.services.serial_search import search_serials

CATALOGUE = (
    "SKU,Name,Price,Serial Number Option,WarrantyMonths\n"
    "PH1,Aurora phone,100.00,Required,24\n"
    "DR1,Drill,50.00,Required,\n"
    "CB1,Cable,5.00,Required,0\n"
)


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    import_products_text(db, admin, CATALOGUE)
    ledger.move(
        db,
        admin,
        Action.RECEIVE,
        store="S1",
        sku="PH1",
        serials=["AB1", "AB2", "ab3", "AB%_9", "ABC-1", "AC1"],
    )
    # Two makers' AB1, both live: only with a manager's word (issue 10's shared serial).
    ledger.move(
        db, admin, Action.RECEIVE, store="S2", sku="DR1", serials=["AB1", "ZZ1"], shared_by=admin
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CB1", serials=["CB-1"])
    return db


def sell(
    db: Database, actor: Actor, sku: str, serial: str, customer: Customer | None = None
) -> tuple[str, str]:
    order = open_order(db, actor, "S1").order
    if customer is not None:
        set_customer(db, actor, order, customer)
    add_item(db, actor, order, sku=sku)
    set_serial(db, actor, order, get_order(db, order).lines[-1].line, serial)
    return order, fulfil(db, actor, order, settle_in="cash").invoice


def serials(db: Database, prefix: str, limit: int = 50) -> list[tuple[str, str]]:
    return [(m.serial, m.sku) for m in search_serials(db, prefix, limit).matches]


def test_prefix_is_case_sensitive_and_literal(shop: Database) -> None:
    # In serial order (bytewise: "%" < "1" < "C"), then the order the units were recorded.
    assert serials(shop, "AB") == [
        ("AB%_9", "PH1"),
        ("AB1", "PH1"),
        ("AB1", "DR1"),
        ("AB2", "PH1"),
        ("ABC-1", "PH1"),
    ]
    assert serials(shop, "ab") == [("ab3", "PH1")]
    assert serials(shop, "AB%") == [("AB%_9", "PH1")]  # % is a character, not a wildcard
    assert serials(shop, "A_") == []
    assert serials(shop, "  ABC ") == [("ABC-1", "PH1")]  # trimmed like a typed serial
    assert serials(shop, "AB1") == [("AB1", "PH1"), ("AB1", "DR1")]
    assert serials(shop, "AB1x") == []
    assert serials(shop, "X" * 65) == []  # longer than a serial can be: nothing, no refusal
    assert serials(shop, "\U0010ffff") == []


def test_where_each_unit_is_now(shop: Database) -> None:
    by_key = {(m.serial, m.sku): m for m in search_serials(shop, "AB1").matches}
    assert (by_key[("AB1", "DR1")].state, by_key[("AB1", "DR1")].store) == ("in_stock", "S2")
    assert by_key[("AB1", "PH1")].store == "S1"
    assert by_key[("AB1", "PH1")].product_name == "Aurora phone"
    assert by_key[("AB1", "PH1")].invoice is None


def test_limit_and_truncation(shop: Database) -> None:
    result = search_serials(shop, "A", limit=3)
    assert [m.serial for m in result.matches] == ["AB%_9", "AB1", "AB1"]
    assert result.truncated and result.limit == 3
    whole = search_serials(shop, "A", limit=6)  # six units start with "A" ("ab3" does not)
    assert len(whole.matches) == 6 and not whole.truncated
    short = search_serials(shop, "A", limit=5)
    assert len(short.matches) == 5 and short.truncated
    assert not search_serials(shop, "A").truncated


@pytest.mark.parametrize(
    ("prefix", "limit", "words"),
    [
        ("", 50, "type the start of a serial"),
        ("   ", 50, "type the start of a serial"),
        ("AB\x1b[2J", 50, "contains control characters"),
        ("AB\ud800", 50, "not valid text"),
        ("AB", 0, "limit must be between 1 and 10000, not 0"),
        ("AB", 10_001, "limit must be between 1 and 10000, not 10001"),
    ],
)
def test_bad_prefix_or_limit_is_refused(
    shop: Database, prefix: str, limit: int, words: str
) -> None:
    with pytest.raises(BadRequest, match=words.replace("[", r"\[")) as refused:
        search_serials(shop, prefix, limit)
    assert "\x1b" not in str(refused.value)


def test_who_bought_it_when_and_on_which_invoice(shop: Database, admin: Actor) -> None:
    order, invoice = sell(shop, admin, "PH1", "AB2", Customer("Ann Buyer", "555-0101", None))
    (match,) = search_serials(shop, "AB2").matches
    assert (match.state, match.order, match.invoice, match.customer, match.line_status) == (
        "sold",
        order,
        invoice,
        "Ann Buyer",
        "fulfilled",
    )
    assert match.sold_at is not None
    assert lookup.local_date(match.sold_at) == date.today()
    # An open order reserving a unit is named, with no invoice and no sale date yet.
    held_order = open_order(shop, admin, "S1").order
    add_item(shop, admin, held_order, sku="PH1")
    line = get_order(shop, held_order).lines[0].line
    set_serial(shop, admin, held_order, line, "ABC-1")
    (held,) = search_serials(shop, "ABC").matches
    assert (held.state, held.order, held.invoice, held.sold_at, held.line_status) == (
        "reserved",
        held_order,
        None,
        None,
        "open",
    )


def test_warranty_through_a_real_sale(shop: Database, admin: Actor) -> None:
    (card,) = lookup.lookup_serial(shop, "AB2")
    assert card.warranty is not None and card.warranty.kind is WarrantyKind.NOT_SOLD
    assert card.warranty.words == "not sold (warranty starts at sale)"
    sell(shop, admin, "PH1", "AB2")
    today = date.today()
    ends = add_months(today, 24)
    (card,) = lookup.lookup_serial(shop, "AB2")
    assert card.warranty_months == 24
    assert card.warranty is not None
    assert card.warranty.words == (
        f"in warranty until {ends.isoformat()} ({(ends - today).days} days left)"
    )
    (later,) = lookup.lookup_serial(shop, "AB2", today=ends + timedelta(days=1))
    assert later.warranty is not None
    assert later.warranty.words == f"warranty ended {ends.isoformat()}"
    (last,) = lookup.lookup_serial(shop, "AB2", today=ends)
    assert last.warranty is not None and "(last day today)" in last.warranty.words


def test_warranty_not_set_zero_and_returned(shop: Database, admin: Actor) -> None:
    ledger.move(shop, admin, Action.RECEIVE, store="S1", sku="DR1", serials=["DR-9"])
    sell(shop, admin, "DR1", "DR-9")
    (drill,) = lookup.lookup_serial(shop, "DR-9")
    assert drill.warranty is not None
    assert drill.warranty.words == "no warranty period set for this product"
    sell(shop, admin, "CB1", "CB-1")
    (cable,) = lookup.lookup_serial(shop, "CB-1")
    assert cable.warranty is not None and cable.warranty.kind is WarrantyKind.NONE

    order, _invoice = sell(shop, admin, "PH1", "AC1")
    view = get_order(shop, order)
    returns.return_units(shop, admin, order, lines=[view.lines[0].line])
    (back,) = lookup.lookup_serial(shop, "AC1")
    assert back.state == "in_stock"
    assert back.warranty is not None
    assert back.warranty.words == (
        f"not sold: returned {date.today().isoformat()} (warranty starts at the next sale)"
    )
    sell(shop, admin, "PH1", "AC1")  # sold again: a whole warranty from the new sale
    (again,) = lookup.lookup_serial(shop, "AC1")
    assert again.warranty is not None and again.warranty.kind is WarrantyKind.ACTIVE
    assert [e.what for e in again.timeline] == [
        "received into stock at S1",
        "put on a customer order at S1 (reserved)",
        "sold at S1",
        "returned by the customer, back in stock at S1",
        "put on a customer order at S1 (reserved)",
        "sold at S1",
    ]
    assert again.timeline[2].document == f"order {order} line 1"
    assert again.timeline[0].who == "ada"


def test_timeline_of_a_transfer(shop: Database, admin: Actor) -> None:
    ledger.move(
        shop, admin, Action.TRANSFER_OUT, store="S2", sku="DR1", serials=["ZZ1"], to_store="S1"
    )
    (card,) = lookup.lookup_serial(shop, "ZZ1")
    assert [e.what for e in card.timeline][:2] == [
        "received into stock at S2",
        "sent out of S2 (in transit)",
    ]


def test_search_uses_an_index(shop: Database) -> None:
    """The range is served by an index in serial order on both databases (no full scan, no
    sort of every match)."""
    statement = serial_search._hits(shop.dialect, True)
    params = {"low": "AB", "high": "AC", "limit": 51}
    with shop.engine.connect() as conn:
        if shop.dialect == "sqlite":
            compiled = statement.compile(shop.engine)
            plan = " ".join(
                str(r[-1])
                for r in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {compiled}",
                    tuple(compiled.construct_params(params).values()),
                )
            )
            assert (
                "USING INDEX ix_serial_unit_serial" in plan
                or "USING COVERING INDEX ix_serial_unit_serial" in plan
            ), plan
            assert "USE TEMP B-TREE" not in plan.split("hits")[0], plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: force the choice
            compiled = statement.compile(shop.engine)
            plan = " ".join(
                r[0]
                for r in conn.exec_driver_sql(
                    f"EXPLAIN {compiled}", compiled.construct_params(params)
                )
            )
            assert "ix_serial_unit_serial_bytewise" in plan, plan


def test_migration_0009_downgrades(db: Database) -> None:
    from alembic import command

    cfg = migrate._config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
        conn.commit()
    assert migrate.current_revision(db) == "0008"
    names = {ix["name"] for ix in sa.inspect(db.engine).get_indexes("serial_unit")}
    assert "ix_serial_unit_serial_bytewise" not in names
    migrate.upgrade(db)
    names = {ix["name"] for ix in sa.inspect(db.engine).get_indexes("serial_unit")}
    assert ("ix_serial_unit_serial_bytewise" in names) == (db.dialect == "postgresql")
