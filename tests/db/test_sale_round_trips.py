"""On PostgreSQL a counter step's statements are its round trips: a first scan by SKU reads
its product and inserts its line (and, with a serial, reads the unit) in one statement, and
a serial step reads the order's lines and the unit it reserves in one. Each answer must equal
the order read afresh, and every path that statement leaves out (a product not sold one line
per unit, a package, a refused serial, an unknown SKU) must still behave as before."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sql_watch import statements as _statements
from test_orders import IMEI, setup_catalogue

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest, BadSerial, DomainError, UnknownProduct
from serialpos.services import products, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.orders import NewOrder, OrderView, add_scan, fulfil, get_order, set_serial

pytestmark = pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def shop(db: Database, admin: Actor) -> Actor:
    setup_catalogue(db, admin)
    users.add_user(db, admin, "cam", "cashier", "1111")
    return users.actor_for(db, "cam", "till-1")


def _first_move(db: Database, cam: Actor) -> None:
    """One reservation from the till first: its first move ever also opens its ledger chain
    (a statement of its own, once per terminal and store)."""
    warm = add_scan(db, cam, None, "LT1", start=NewOrder("S1"))
    set_serial(db, cam, warm.order.order, warm.line, "LT-B")


def same(answer: OrderView, db: Database) -> OrderView:
    assert answer == get_order(db, answer.order)
    return answer


def test_a_first_scan_by_sku_and_its_serial_take_two_and_four_statements(
    db: Database, shop: Actor
) -> None:
    cam = shop
    _first_move(db, cam)
    with _statements(db) as seen:
        first = add_scan(db, cam, None, "PH1", start=NewOrder("S1"))
    # The order with its number, then the product with its line.
    assert len(seen) == 2, "\n".join(" ".join(s.split())[:150] for s in seen)
    assert first.prompt_serial and first.line == same(first.order, db).lines[0].line
    line = first.order.lines[0]
    assert (line.sku, line.unit_price, line.serial) == ("PH1", Decimal("499.99"), None)
    with _statements(db) as seen:
        view = set_serial(db, cam, first.order.order, first.line, f"  {IMEI[0]} ")
    # The locked order, its lines with the unit, the claim, the line's serial.
    assert len(seen) == 4, "\n".join(" ".join(s.split())[:70] for s in seen)
    assert same(view, db).lines[0].serial == IMEI[0]
    done = fulfil(db, cam, view.order, payments=[("cash", view.totals.due)])
    assert same(done.order, db).status.value == "fulfilled"
    assert [f for f in check_ledger(db) if f.violation] == []


def test_a_first_scan_of_a_product_sold_by_quantity_or_a_package(
    db: Database, shop: Actor, admin: Actor
) -> None:
    """Neither goes in with the product's read: a cable's line may merge, a package opens."""
    cam = shop
    cable = add_scan(db, cam, None, "CB1", start=NewOrder("S1"))
    assert [(ln.sku, ln.quantity) for ln in same(cable.order, db).lines] == [("CB1", 1)]
    again = add_scan(db, cam, cable.order.order, "CB1")
    assert [(ln.sku, ln.quantity) for ln in same(again.order, db).lines] == [("CB1", 2)]
    products.create_product(
        db, admin, sku="KIT", name="Kit", price=Decimal("50.00"), serial_mode="required"
    )
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE product SET package_type = 'exploded' WHERE sku = 'KIT'")
        conn.exec_driver_sql(
            "INSERT INTO product_component (package_id, component_id, quantity) "
            "SELECT k.id, c.id, 2 FROM product k, product c WHERE k.sku = 'KIT' AND c.sku = 'CB1'"
        )
    kit = add_scan(db, cam, None, "KIT", start=NewOrder("S1"))
    assert [(ln.sku, ln.quantity) for ln in same(kit.order, db).lines] == [("KIT", 1), ("CB1", 2)]


def test_a_first_scan_of_an_unknown_sku_or_of_a_serial_in_stock(db: Database, shop: Actor) -> None:
    cam = shop
    with pytest.raises(UnknownProduct, match="nothing matches 'NOPE'"):
        add_scan(db, cam, None, "NOPE", start=NewOrder("S1"))
    assert get_order_count(db) == 0  # a scan that adds nothing opens no order
    by_serial = add_scan(db, cam, None, "LT-A", start=NewOrder("S1"))
    assert [(ln.sku, ln.serial) for ln in same(by_serial.order, db).lines] == [("LT1", "LT-A")]


def test_a_serial_step_keeps_its_refusals_and_their_order(db: Database, shop: Actor) -> None:
    cam = shop
    order = add_scan(db, cam, None, "LT1", start=NewOrder("S1")).order.order
    line = get_order(db, order).lines[0].line
    # An unknown line is named before a bad serial is looked at, as before.
    with pytest.raises(BadRequest, match="has no line"):
        set_serial(db, cam, order, line + 99, "LT\u200bA")
    with pytest.raises(BadSerial, match="invisible character"):
        set_serial(db, cam, order, line, "LT\u200bA")
    with pytest.raises(DomainError) as unknown:
        set_serial(db, cam, order, line, "LT-NEW")
    assert unknown.value.code == "unknown_unit"
    with pytest.raises(DomainError) as elsewhere:
        set_serial(db, cam, order, line, IMEI[3])  # PH1's unit, at S2, not this product's
    assert elsewhere.value.code == "duplicate_serial" and "PH1" in str(elsewhere.value)
    view = same(set_serial(db, cam, order, line, "LT-B"), db)
    assert view.lines[0].serial == "LT-B"
    view = same(set_serial(db, cam, order, line, "LT-A"), db)  # B released, A reserved
    assert view.lines[0].serial == "LT-A"
    assert [f for f in check_ledger(db) if f.violation] == []


def test_an_apply_sale_creates_its_order_in_three_statements(db: Database, shop: Actor) -> None:
    cam = shop
    _first_move(db, cam)
    with _statements(db) as seen:
        made = apply_object(
            db,
            cam,
            {"op": "order_create", "store": "S1", "lines": [{"sku": "PH1", "serial": IMEI[1]}]},
        )
    assert made["ok"], made
    # The order, the product with its line (holding its serial) and unit, the claim.
    assert len(seen) == 3, "\n".join(" ".join(s.split())[:70] for s in seen)
    view = get_order(db, made["order"])
    assert [(ln.sku, ln.serial, ln.unit_price) for ln in view.lines] == [
        ("PH1", IMEI[1], Decimal("499.99"))
    ]
    done = apply_object(db, cam, {"op": "order_fulfil", "order": made["order"]})
    assert done["ok"], done
    refused = apply_object(
        db,
        cam,
        {"op": "order_create", "store": "S1", "lines": [{"sku": "CB1", "serial": "X1"}]},
    )
    assert not refused["ok"] and refused["error"] == "not_serialized", refused
    unknown = apply_object(
        db,
        cam,
        {"op": "order_create", "store": "S1", "lines": [{"sku": "LT1", "serial": "LT-NEW"}]},
    )
    assert not unknown["ok"] and unknown["error"] == "unknown_unit", unknown
    assert get_order_count(db) == 2  # the refused orders left nothing behind
    assert [f for f in check_ledger(db) if f.violation] == []


def get_order_count(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM sale_order").scalar() or 0)
