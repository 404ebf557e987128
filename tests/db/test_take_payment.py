"""Money handed over at the counter on an order that stays open (services/orders/checkout.py
``take_payment``), on SQLite and PostgreSQL: cash over the due is change, and the order and
the drawer record what was owed; ``add_payment`` (a host's ``order_pay``, a till's entry)
records what it is sent, as before."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from test_fulfilled_order_owes import _owing
from test_orders import clean, setup_catalogue

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.services import users
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import add_payment, take_payment
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order


@pytest.fixture
def layby(db: Database, admin: Actor) -> tuple[Actor, str]:
    """A cashier and a lay-by of one cable (9.50)."""
    setup_catalogue(db, admin)
    users.add_user(db, admin, "cam", "cashier", "1111")
    cam = users.actor_for(db, "cam", "till-1")
    order = open_order(db, cam, "S1", type="layby").order
    add_item(db, cam, order, sku="CB1")
    return cam, order


def _rows(db: Database, order: str) -> list[tuple[str, str, D]]:
    return [(p.kind, p.method, p.amount) for p in get_order(db, order).payments]


def test_cash_over_the_due_is_change_and_the_order_keeps_what_it_owed(
    db: Database, layby: tuple[Actor, str]
) -> None:
    cam, order = layby
    part = take_payment(db, cam, order, "cash", D("5.00"))
    assert (part.change, part.order.totals.paid) == (D("0.00"), D("5.00"))
    rest = take_payment(db, cam, order, "cash", D("20.00"))
    assert rest.change == D("15.50")
    assert rest.order.totals.paid == rest.order.totals.total == D("9.50")
    assert _rows(db, order) == [("payment", "cash", D("5.00")), ("payment", "cash", D("4.50"))]
    clean(db)


def test_a_card_over_the_due_and_money_on_an_order_owing_nothing_are_refused(
    db: Database, layby: tuple[Actor, str]
) -> None:
    cam, order = layby
    with pytest.raises(DomainError, match=r"card 20\.00 is more than the 9\.50 due"):
        take_payment(db, cam, order, "card", D("20.00"))
    take_payment(db, cam, order, "card", D("9.50"))
    with pytest.raises(DomainError, match=r"nothing is due on this order: 5\.00 not taken"):
        take_payment(db, cam, order, "cash", D("5.00"))
    assert _rows(db, order) == [("payment", "card", D("9.50"))]
    clean(db)


def test_add_payment_records_what_it_is_sent(db: Database, layby: tuple[Actor, str]) -> None:
    """A host's ``order_pay`` is not a counter: its amount is recorded as sent (a deposit
    over the total stays the host's to settle), as before."""
    cam, order = layby
    add_payment(db, cam, order, "cash", D("20.00"))
    assert _rows(db, order) == [("payment", "cash", D("20.00"))]


def test_a_fulfilled_order_that_owes_takes_cash_over_its_debt_as_change(db: Database) -> None:
    """The pay key on a fulfilled order owing money (a till's refunded void settled at
    central) goes through ``take_payment`` too: a note over the debt is change, where
    ``add_payment`` refuses it as more than owed."""
    shop, order = _owing(db)
    with pytest.raises(DomainError, match=r"owes 100\.00"):
        add_payment(db, shop[1], order, "cash", D("150.00"))
    taken = take_payment(db, shop[1], order, "cash", D("150.00"))
    assert taken.change == D("50.00")
    assert taken.order.totals.paid == taken.order.totals.total
    assert _rows(db, order)[-1] == ("payment", "cash", D("100.00"))
    clean(db)
