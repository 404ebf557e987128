"""A quantity sold on an order (a lay-by or special order fulfilled) is taken back once:
by its order's return or by a bare ``return``, never both.

Before: the order's return of 2 cables written off as damaged wrote no quantity, so a bare
``return`` of 2 more was accepted (2 sold, 4 taken back, 2 in stock from nothing); and
after a bare ``return`` of the order's 2, ``order_return`` put 2 more in stock. ``db check``
was clean both times (now ``quantity_returned_once``). Fails on the code before
(services/quantity_returns.py, returns.py).
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger


def run(db: Database, actor: Actor, **line: Any) -> dict[str, Any]:
    return apply_object(db, actor, line)


def on_hand(db: Database, sku: str) -> int:
    def read(conn: sa.Connection) -> int:
        p = repo.product_by_sku(conn, sku)
        return int(
            conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(repo.stock_t.c.quantity), 0)).where(
                    repo.stock_t.c.product_id == p.id
                )
            ).scalar_one()
        )

    return db.read(read)


@pytest.fixture
def layby(db: Database, admin: Actor) -> str:
    """A lay-by of 2 cables (of 20 received), paid and fulfilled."""
    products.create_product(db, admin, sku="CAB", name="Cable", price=D("5.00"))
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=20)
    made = run(db, admin, op="order_create", store="S1", type="layby",
               lines=[{"sku": "CAB", "quantity": 2}])  # fmt: skip
    order = str(made["order"])
    paid = run(db, admin, op="order_fulfil", order=order,
               payments=[{"method": "cash", "amount": "10.00"}])  # fmt: skip
    assert paid["ok"] and paid["status"] == "fulfilled", paid
    assert on_hand(db, "CAB") == 18
    return order


def test_a_bare_return_after_the_order_wrote_the_lines_off_is_refused(
    db: Database, admin: Actor, layby: str
) -> None:
    back = run(db, admin, op="order_return", order=layby, line_numbers=[1], damaged=True)
    assert back["ok"], back
    again = run(db, admin, op="return", store="S1", sku="CAB", quantity=2)
    assert (again["ok"], again["error"]) == (False, "invalid_state")
    assert again["message"].startswith(
        "CAB: 2 to take back but only 0 sold and not returned yet (all stores)"
    )
    assert on_hand(db, "CAB") == 18


def test_the_orders_return_after_a_bare_return_took_them_back_is_refused(
    db: Database, admin: Actor, layby: str
) -> None:
    assert run(db, admin, op="return", store="S1", sku="CAB", quantity=2)["ok"]
    again = run(db, admin, op="order_return", order=layby, line_numbers=[1])
    assert (again["ok"], again["error"]) == (False, "invalid_state")
    assert again["message"].startswith(
        f"CAB: 2 to take back on order {layby} but only 0 sold and not returned yet (all "
        "stores): a return without the order took them back already"
    )
    assert on_hand(db, "CAB") == 20
    # Written off on its order (no stock moves): the customer's money is refunded once.
    money = run(db, admin, op="order_return", order=layby, line_numbers=[1], damaged=True)
    assert money["ok"] and money["amount"] == "10.00", money
    assert on_hand(db, "CAB") == 20


def test_within_what_was_sold_both_still_go_through(db: Database, admin: Actor, layby: str) -> None:
    assert run(db, admin, op="return", store="S1", sku="CAB", quantity=1)["ok"]
    assert run(db, admin, op="order_return", order=layby, line_numbers=[1], damaged=True)["ok"]
    assert on_hand(db, "CAB") == 19


def test_db_check_sees_a_sale_taken_back_twice(db: Database, admin: Actor, layby: str) -> None:
    """What the old rules let through, made here by the ledger call a bare return is."""
    assert check_ledger(db) == []
    assert run(db, admin, op="order_return", order=layby, line_numbers=[1], damaged=True)["ok"]
    assert check_ledger(db) == []
    ledger.move(db, admin, Action.RETURN, store="S1", sku="CAB", quantity=2)
    found = [(f.rule, f.sku, f.detail) for f in check_ledger(db)]
    assert found == [
        (
            "quantity_returned_once",
            "CAB",
            "2 more taken back by quantity (returns, and order lines written off as damaged) "
            "than sold so: a sale taken back twice, by its order and without it",
        )
    ]
