"""A reservation belongs to one order line (issue 10, case 11), on SQLite and PostgreSQL.

Order A reserved a unit; the unit then went elsewhere and order B reserved it. Before, A's
fulfilment sold B's unit and voiding A released B's reservation: both now touch only the unit
reserved to their own lines, checked in the ledger's conditional update. A host ``sell`` no
longer takes a unit an order line holds, which is how such a stale line was made.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from serialpos.db import migrate, order_repo, repo, unit_sql
from serialpos.db.engine import Database
from serialpos.domain.errors import ReservationLost
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import void
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.reading import get_order


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="PH", name="Phone", serial_mode="optional")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["U1", "U2"])
    return db


def _unit(db: Database, serial: str) -> tuple[str, int | None]:
    u = repo.unit_t.c
    row = db.read(
        lambda conn: conn.execute(
            sa.select(u.state, u.reserved_line_id).where(u.serial == serial)
        ).one()
    )
    return row[0], row[1]


def _violations(db: Database) -> list[str]:
    return [f"{f.rule}: {f.detail}" for f in check_ledger(db) if f.violation]


def test_a_host_sell_does_not_take_a_unit_an_order_line_holds(shop: Database, admin: Actor) -> None:
    a, (line_a,) = create_order(shop, admin, "S1", lines=[NewLine("PH", "U1")])
    assert _unit(shop, "U1") == ("reserved", line_a)
    refused = apply_object(shop, admin, {"op": "sell", "store": "S1", "sku": "PH", "serial": "U1"})
    assert refused == {
        "ok": False,
        "error": "reserved",
        "message": f"serial U1 of PH is reserved on order {a.order} line 1: "
        "fulfil or void that order, or take the unit off its line, "
        "first",
    }
    assert _unit(shop, "U1") == ("reserved", line_a)
    done = fulfil(shop, admin, a.order, settle_in="cash")
    assert _unit(shop, "U1") == ("sold", None) and done.order.status.value == "fulfilled"
    assert _violations(shop) == []


def _stale(db: Database, admin: Actor) -> tuple[str, int, str, int]:
    """The state the old code left: A's open line lists U1, which is reserved to B's line."""
    a, (line_a,) = create_order(db, admin, "S1", lines=[NewLine("PH", "U1")])
    b, (line_b,) = create_order(db, admin, "S1", lines=[NewLine("PH")])
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(order_repo.line_t).where(order_repo.line_t.c.id == line_b).values(serial="U1")
        )
        conn.execute(
            sa.update(repo.unit_t)
            .where(repo.unit_t.c.serial == "U1")
            .values(reserved_line_id=line_b)
        )
    return a.order, line_a, b.order, line_b


def test_fulfilling_a_stale_line_is_refused_and_voiding_it_leaves_the_unit(
    shop: Database, admin: Actor
) -> None:
    a, _line_a, b, line_b = _stale(shop, admin)
    with pytest.raises(
        ReservationLost,
        match=f"serial U1 of PH is no longer reserved for this "
        f"order line \\(it is reserved on order {b} line "
        "1\\)",
    ):
        fulfil(shop, admin, a, settle_in="cash")
    assert _unit(shop, "U1") == ("reserved", line_b)
    assert get_order(shop, a).totals.paid == 0  # the refused fulfilment took nothing
    void(shop, admin, a)
    assert _unit(shop, "U1") == ("reserved", line_b)  # B keeps its reservation
    done = fulfil(shop, admin, b, settle_in="cash")
    assert done.order.lines[0].serial == "U1" and _unit(shop, "U1") == ("sold", None)
    assert [e.action for e in lookup.lookup_serial(shop, "U1")[0].events] == [
        "receive",
        "reserve",
        "sell",
    ]
    assert _violations(shop) == []


def test_the_conditional_update_checks_the_holding_line(shop: Database, admin: Actor) -> None:
    """Between our read and our update another line takes the unit without changing its
    version (as only a defect could): the claim still fails, because the line it was read
    with is part of the update's condition."""
    _a, line_a, _b, line_b = _stale(shop, admin)
    with shop.engine.begin() as conn:
        pid = repo.product_by_sku(conn, "PH").id
        unit = unit_sql.unit_by_serial(conn, pid, "U1")
        assert unit is not None and unit.reserved_line == line_b
        read_as_a = repo.UnitRow(unit.id, unit.state, unit.store_id, unit.version, line_a)
        assert not unit_sql.claim_unit(conn, read_as_a, "sold", unit.store_id, datetime(2026, 1, 1))
        assert unit_sql.claim_unit(conn, unit, "in_stock", unit.store_id, datetime(2026, 1, 1))


def test_migration_0011_gives_reserved_units_their_newest_open_line(db_url: str) -> None:
    db = Database(db_url)
    try:
        migrate.upgrade(db, "0010")
        at = datetime(2026, 1, 5, 9, 30)
        with db.engine.begin() as conn:
            for statement in (
                "INSERT INTO store (id, code, name, created_at) VALUES (1, 'S1', 'Main', :at)",
                "INSERT INTO product (id, sku, name, price, serial_mode, created_at, updated_at)"
                " VALUES (1, 'PH', 'Phone', 10, 'required', :at, :at)",
                "INSERT INTO serial_unit (id, product_id, serial, state, store_id, version, "
                "updated_at) VALUES (1, 1, 'U1', 'reserved', 1, 5, :at), "
                "(2, 1, 'U2', 'reserved', 1, 2, :at), (3, 1, 'U3', 'in_stock', 1, 1, :at)",
                "INSERT INTO sale_order (id, number, store_id, type, delivery, status, "
                "created_by, terminal, created_at, updated_at) VALUES "
                "(1, 'S1-1', 1, 'sale', 'cash_and_carry', 'open', 'ada', 't', :at, :at), "
                "(2, 'S1-2', 1, 'sale', 'cash_and_carry', 'parked', 'ada', 't', :at, :at)",
                "INSERT INTO order_line (id, order_id, number, product_id, sku, name, quantity,"
                " unit_price, tax_rate, serial, status) VALUES "
                "(1, 1, 1, 1, 'PH', 'Phone', 1, 10, 0, 'U1', 'open'), "
                "(2, 2, 1, 1, 'PH', 'Phone', 1, 10, 0, 'U1', 'open'), "
                "(3, 2, 2, 1, 'PH', 'Phone', 1, 10, 0, 'U3', 'open')",
            ):
                conn.execute(sa.text(statement), {"at": at})
        migrate.upgrade(db)
        u = repo.unit_t.c
        rows = db.read(
            lambda conn: conn.execute(sa.select(u.serial, u.reserved_line_id).order_by(u.id)).all()
        )
        # U1: the newer of the two lines listing it; U2: no line lists it; U3 is not reserved.
        assert [tuple(r) for r in rows] == [("U1", 2), ("U2", None), ("U3", None)]
    finally:
        db.dispose()
