"""Voiding an order refunds what was paid on it (issue 10, case 6), on SQLite and PostgreSQL.

Before, F9 5 Enter then F7 y left the cash payment on the voided order and a lay-by deposit
vanished the same way. Now each tender comes back as a refund payment of its method, in the
void's own transaction, and a voided order holds no money.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.orders import OrderStatus, refunds_on_void
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.order_void import Refund, refunds_for, void_order
from serialpos.services.orders.checkout import add_payment, fulfil
from serialpos.services.orders.header import open_order, park, void
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(
        db, admin, sku="PH", name="Phone", price=Decimal("100.00"), serial_mode="required"
    )
    products.create_product(db, admin, sku="CB", name="Cable", price=Decimal("9.50"))
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["P1", "P2"])
    return db


def _violations(db: Database) -> list[str]:
    return [f"{f.rule}: {f.detail}" for f in check_ledger(db) if f.violation]


def test_voiding_a_paid_sale_refunds_each_tender(shop: Database, admin: Actor) -> None:
    view, _ = create_order(shop, admin, "S1", lines=[NewLine("PH", "P1"), NewLine("CB")])
    add_payment(shop, admin, view.order, "cash", Decimal("5.00"))
    add_payment(shop, admin, view.order, "card", Decimal("20.00"))
    add_payment(shop, admin, view.order, "cash", Decimal("2.50"))
    before = get_order(shop, view.order)
    assert refunds_for(before) == (
        Refund("cash", Decimal("7.50")),
        Refund("card", Decimal("20.00")),
    )

    done = void_order(shop, admin, view.order)
    assert done.message == f"{view.order} voided; refunded cash 7.50 and card 20.00"
    assert done.order.status is OrderStatus.VOIDED
    assert done.order.totals.paid == Decimal("0.00")
    assert [(p.kind, p.method, p.amount) for p in done.order.payments[3:]] == [
        ("refund", "cash", Decimal("-7.50")),
        ("refund", "card", Decimal("-20.00")),
    ]
    assert _violations(shop) == []


def test_a_layby_deposit_is_refunded_and_an_unpaid_void_refunds_nothing(
    shop: Database, admin: Actor
) -> None:
    layby, _ = create_order(shop, admin, "S1", type="layby", lines=[NewLine("PH", "P2")])
    add_payment(shop, admin, layby.order, "card", Decimal("30.00"))
    park(shop, admin, layby.order)
    result = apply_object(shop, admin, {"op": "order_void", "order": layby.order})
    assert result["ok"] and result["status"] == "voided" and result["paid"] == "0.00"
    assert result["refunds"] == [{"method": "card", "amount": "30.00"}]

    unpaid = open_order(shop, admin, "S1").order
    add_item(shop, admin, unpaid, sku="CB")
    done = void_order(shop, admin, unpaid)
    assert done.refunds == () and done.message == f"{unpaid} voided"
    assert [p.kind for p in done.order.payments] == []
    assert _violations(shop) == []


def test_a_refused_void_refunds_nothing(shop: Database, admin: Actor) -> None:
    view, (phone, cable) = create_order(
        shop,
        admin,
        "S1",
        type="special_order",
        lines=[NewLine("PH", "P1"), NewLine("CB")],
    )
    fulfil(shop, admin, view.order, lines=[cable], payments=[("cash", Decimal("50"))])
    with pytest.raises(DomainError) as refused:
        void(shop, admin, view.order)
    assert refused.value.code == "order_closed"
    assert [p.kind for p in get_order(shop, view.order).payments] == ["payment"]
    assert phone


def test_refunds_on_void_nets_each_method() -> None:
    d = Decimal
    assert refunds_on_void(
        [
            ("card", d("10")),
            ("cash", d("5")),
            ("cash", d("-5")),
            ("other", d("1")),
            ("card", d("2")),
        ]
    ) == (("card", d("12")), ("other", d("1")))
    assert refunds_on_void([]) == ()
