"""``db check`` finds what slipped past (issue 10, deliver 5), on SQLite and PostgreSQL: a
clean shop with a live reservation and a refunded void checks clean; each corruption, made by
SQL as only a defect or a hand edit could, is named by its rule, through the service and the
CLI."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from serialpos.cli.app import app
from serialpos.db import order_repo, repo, unit_sql
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.checkout import add_payment
from serialpos.services.orders.header import void
from serialpos.services.orders.host import NewLine, create_order


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(
        db, admin, sku="PH", name="Phone", price=Decimal("10.00"), serial_mode="required"
    )
    products.create_product(db, admin, sku="TAB", name="Tablet", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["P1", "P2"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="TAB", serials=["T1"])
    held, _ = create_order(db, admin, "S1", lines=[NewLine("PH", "P1")])
    assert held.order == "S1-000001"
    voided, _ = create_order(db, admin, "S1", lines=[NewLine("PH", "P2")])
    add_payment(db, admin, voided.order, "cash", Decimal("5.00"))
    void(db, admin, voided.order)
    assert [f for f in check_ledger(db) if f.violation] == []
    return db


def _sql(db: Database, statement: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text(statement))


def _line_of(db: Database, order: str) -> int:
    o, ln = order_repo.order_t.c, order_repo.line_t.c
    return int(
        db.read(
            lambda conn: conn.execute(
                sa.select(ln.id)
                .join(order_repo.order_t, o.id == ln.order_id)
                .where(o.number == order)
            ).scalar_one()
        )
    )


CORRUPTIONS = [
    pytest.param(
        # The index of migration 0016 refuses a second live unit outright; one the migration
        # let through (marked 'before 0016') is what db check still has to name.
        "INSERT INTO serial_unit (product_id, serial, state, store_id, version, updated_at, "
        "shared_by) SELECT t.id, 'P1', 'in_transit', s.id, 1, CURRENT_TIMESTAMP, "
        "'before 0016' FROM product t, store s WHERE t.sku = 'TAB' AND s.code = 'S2'",
        "serial_live_twice",
        "S1",
        "PH",
        "serial P1 is live under 2 products: PH (reserved at S1) and TAB (in transit at S2)",
        id="serial_live_twice",
    ),
    pytest.param(
        "INSERT INTO order_payment (order_id, kind, method, amount, at, user_name) "
        "SELECT id, 'payment', 'card', 7.25, CURRENT_TIMESTAMP, 'ada' FROM sale_order "
        "WHERE number = 'S1-000002'",
        "voided_order_holds_money",
        "S1",
        "",
        "order S1-000002 is voided but holds 7.25 (card 7.25)",
        id="voided_order_holds_money",
    ),
    pytest.param(
        "UPDATE product SET serial_mode = 'disabled' WHERE sku = 'PH'",
        "units_only_for_serialized",
        "S1",
        "PH",
        "units of a product without serials: 1 in stock, 1 reserved",
        id="units_of_a_product_without_serials",
    ),
    pytest.param(
        "UPDATE order_line SET status = 'removed' WHERE serial = 'P1'",
        "reservation_on_closed_line",
        "S1",
        "PH",
        "serial P1 is reserved to order S1-000001 line 1, but that line is removed",
        id="reservation_on_a_removed_line",
    ),
    pytest.param(
        "UPDATE sale_order SET status = 'voided' WHERE number = 'S1-000001'",
        "reservation_on_closed_line",
        "S1",
        "PH",
        "serial P1 is reserved to order S1-000001 line 1, but that order is voided",
        id="reservation_on_a_voided_order",
    ),
    pytest.param(
        "UPDATE serial_unit SET reserved_line_id = NULL WHERE serial = 'P1'",
        "reserved_without_open_line",
        "S1",
        "PH",
        "serial P1 is reserved but no open order line holds it",
        id="reserved_without_line",
    ),
    pytest.param(
        "UPDATE order_line SET serial = 'P9' WHERE serial = 'P1'",
        "reserved_without_open_line",
        "S1",
        "PH",
        "serial P1 is reserved but no open order line holds it",
        id="holding_line_lists_another_serial",
    ),
]


@pytest.mark.parametrize(("corrupt", "rule", "store", "sku", "detail"), CORRUPTIONS)
def test_db_check_names_each_corruption(
    shop: Database, db_url: str, corrupt: str, rule: str, store: str, sku: str, detail: str
) -> None:
    _sql(shop, corrupt)
    found = [(f.rule, f.store, f.sku, f.detail) for f in check_ledger(shop) if f.violation]
    assert (rule, store, sku, detail) in found, found
    result = CliRunner().invoke(app, ["--db", db_url, "db", "check", "--json"])
    assert result.exit_code == 1, result.stdout
    assert f'"rule": "{rule}"' in result.stdout and detail in result.stdout


def test_a_unit_that_left_still_naming_a_line_is_found(shop: Database) -> None:
    line = _line_of(shop, "S1-000001")
    _sql(shop, f"UPDATE serial_unit SET reserved_line_id = {line} WHERE serial = 'T1'")
    found = [(f.rule, f.detail) for f in check_ledger(shop) if f.violation]
    assert found == [
        (
            "reservation_on_closed_line",
            f"serial T1 is in stock but still names order line {line} as holding it",
        )
    ]


def test_the_repo_unit_row_reads_the_holding_line(shop: Database) -> None:
    line = _line_of(shop, "S1-000001")

    def read(conn: sa.Connection) -> repo.UnitRow | None:
        return unit_sql.unit_by_serial(conn, repo.product_by_sku(conn, "PH").id, "P1")

    unit = shop.read(read)
    assert unit is not None and (unit.state, unit.reserved_line) == ("reserved", line)


def test_a_serial_a_manager_accepted_as_shared_is_clean(shop: Database, admin: Actor) -> None:
    """Two makers really using one string, accepted by a manager through the ledger (never for
    an IMEI): both units live, and db check has nothing to say about it."""
    ledger.move(shop, admin, Action.RECEIVE, store="S2", sku="TAB", serials=["P1"], shared_by=admin)
    assert [f for f in check_ledger(shop) if f.violation] == []
    # A duplicate nobody accepted (as migration 0016 marks those it found) is still named.
    _sql(
        shop,
        "UPDATE serial_unit SET shared_by = 'before 0016' WHERE serial = 'P1' "
        "AND product_id = (SELECT id FROM product WHERE sku = 'TAB')",
    )
    assert [f.rule for f in check_ledger(shop) if f.violation] == ["serial_live_twice"]
