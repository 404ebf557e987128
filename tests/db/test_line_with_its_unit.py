"""A line added by SKU with its serial (a host's ``order_create`` line, the counter's held line
committed with its serial) reads its product and the product's unit with that serial in one
statement on SQLite (db/sale_products.sale_product_with_unit): the line's serial check then
reserves that unit without reading it again. Each answer must equal the order read afresh,
and every refusal the separate reads gave (an unknown serial, a unit at another store, a unit
sold, a serial of another product) must still be given, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sql_watch import statements
from test_orders import IMEI, setup_catalogue

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.services import users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.held_line import commit_held
from serialpos.services.integrity import check_ledger
from serialpos.services.orders import NewOrder, add_item, add_scan, fulfil, get_order, set_serial
from serialpos.services.orders.views import HeldLine

START = NewOrder("S1")


@pytest.fixture
def cam(db: Database, admin: Actor) -> Actor:
    setup_catalogue(db, admin)
    users.add_user(db, admin, "cam", "cashier", "1111")
    cam = users.actor_for(db, "cam", "till-1")
    # The till's first move ever also opens its ledger chain (a statement of its own, once).
    warm = add_scan(db, cam, None, "LT1", start=START)
    set_serial(db, cam, warm.order.order, warm.line, "LT-B")
    return cam


def _create(db: Database, cam: Actor, serial: str, sku: str = "PH1") -> dict[str, object]:
    line = {"sku": sku, "serial": serial}
    return apply_object(db, cam, {"op": "order_create", "store": "S1", "lines": [line]})


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_order_create_with_a_serial_reads_the_product_and_its_unit_in_one_statement(
    db: Database, cam: Actor
) -> None:
    with statements(db) as seen:
        made = _create(db, cam, IMEI[0])
    assert made["ok"], made
    text = "\n".join(" ".join(s.split())[:90] for s in seen)
    # The order's number and row, the product with its unit, the line, the reservation
    # (unit, chain head, event, stock level): 8 (the unit read on its own made 9).
    assert len(seen) == 8, text
    assert not any(s.lstrip().startswith("SELECT serial_unit.id") for s in seen), text
    view = get_order(db, str(made["order"]))
    assert [(ln.sku, ln.serial, ln.status.value) for ln in view.lines] == [("PH1", IMEI[0], "open")]
    assert made["lines"] == [  # type: ignore[index]
        {
            "line": view.lines[0].line,
            "number": 1,
            "sku": "PH1",
            "serial": IMEI[0],
            "quantity": 1,
            "status": "open",
            "unit_price": "499.99",
            "discount": "0.00",
            "total": str(view.lines[0].total),
        }
    ]
    done = apply_object(db, cam, {"op": "order_fulfil", "order": made["order"]})
    assert done["ok"], done
    assert [f for f in check_ledger(db) if f.violation] == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_held_line_committed_with_its_serial_reads_its_unit_with_the_product(
    db: Database, cam: Actor
) -> None:
    held = HeldLine("PH1", "Phone", Decimal("499.99"), 1, "PH1")  # as the scan held it
    with statements(db) as seen:
        added = commit_held(db, cam, None, held, START, serial=f" {IMEI[1]} ")
    text = "\n".join(" ".join(s.split())[:90] for s in seen)
    # The order's number and row, the product with its unit, the line, the reservation: 8.
    assert len(seen) == 8, text
    assert added.order == get_order(db, added.order.order)
    assert added.order.lines[0].serial == IMEI[1]
    assert [f for f in check_ledger(db) if f.violation] == []


@pytest.mark.parametrize(
    ("sku", "serial", "code"),
    [
        ("PH1", "356938035643817", "unknown_unit"),  # no unit has it
        ("PH1", IMEI[3], "not_in_stock"),  # PH1's unit at the other store
        ("LT1", IMEI[1], "duplicate_serial"),  # live under PH1: never under the laptop too
    ],
)
def test_the_refusals_stand_when_the_unit_comes_with_the_product(
    db: Database, cam: Actor, sku: str, serial: str, code: str
) -> None:
    refused = _create(db, cam, serial, sku)
    assert not refused["ok"], refused
    with pytest.raises(DomainError) as raised:
        add_item(db, cam, None, sku=sku, serial=serial, start=START)
    assert (refused["error"], raised.value.code) == (code, code), (refused, raised.value)
    assert [f for f in check_ledger(db) if f.violation] == []


def test_a_sold_unit_is_refused_when_read_with_its_product(db: Database, cam: Actor) -> None:
    made = _create(db, cam, IMEI[2])
    assert made["ok"], made
    fulfil(db, cam, str(made["order"]), settle_in="cash")
    again = _create(db, cam, IMEI[2])
    assert not again["ok"] and again["error"] == "already_sold", again
    with pytest.raises(DomainError) as raised:
        add_item(db, cam, None, sku="PH1", serial=IMEI[2], start=START)
    assert raised.value.code == "already_sold"
    assert [f for f in check_ledger(db) if f.violation] == []
