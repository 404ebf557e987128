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
from serialpos.services import ledger, lookup, products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.order_void import Refund, refunds_for, void_order
from serialpos.services.orders.checkout import add_payment, fulfil
from serialpos.services.orders.header import open_order, park, void
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order
from serialpos.services.returns import return_units


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(
        db, admin, sku="PH", name="Phone", price=Decimal("100.00"), serial_mode="required"
    )
    products.create_product(db, admin, sku="CB", name="Cable", price=Decimal("9.50"))
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["P1", "P2"])
    return db


def ledger_unit_state(db: Database, sku: str, serial: str) -> str:
    (card,) = [c for c in lookup.lookup_serial(db, serial) if c.sku == sku]
    return str(card.state)


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
    view, _ = create_order(shop, admin, "S1", lines=[NewLine("CB")])
    fulfil(shop, admin, view.order, payments=[("cash", Decimal("50"))])
    with pytest.raises(DomainError) as refused:
        void(shop, admin, view.order)
    assert refused.value.code == "order_closed"
    assert [p.kind for p in get_order(shop, view.order).payments] == ["payment", "change"]


def test_voiding_a_partly_fulfilled_order_cancels_the_rest_and_refunds_the_overpay(
    shop: Database, admin: Actor
) -> None:
    """It was refused ("has fulfilled lines ... return the units instead"): the deposit over
    the lines never collected could not be refunded."""
    view, (phone, cable) = create_order(
        shop,
        admin,
        "S1",
        type="special_order",
        lines=[NewLine("PH", "P1"), NewLine("CB")],
    )
    fulfil(shop, admin, view.order, lines=[cable], payments=[("cash", Decimal("30"))])
    add_payment(shop, admin, view.order, "card", Decimal("20"))
    kept = get_order(shop, view.order).line_by_id(cable).total
    over = Decimal("50") - kept
    assert refunds_for(get_order(shop, view.order)) == (
        Refund("card", Decimal("20.00")),
        Refund("cash", over - 20),
    )
    done = void_order(shop, admin, view.order)
    assert done.order.status is OrderStatus.FULFILLED
    assert done.refunds == (Refund("card", Decimal("20.00")), Refund("cash", over - 20))
    assert done.message == (
        f"{view.order}: open lines cancelled, the fulfilled lines kept; "
        f"refunded card 20.00 and cash {over - 20:.2f}"
    )
    assert done.order.totals.paid == kept == done.order.totals.total
    assert [ln.line for ln in done.order.lines] == [cable]  # the phone's line removed
    assert ledger_unit_state(shop, "PH", "P1") == "in_stock"
    assert phone
    assert _violations(shop) == []


def test_a_layby_whose_rest_was_removed_and_kept_lines_returned_is_voided(
    shop: Database, admin: Actor
) -> None:
    """The walk: a lay-by paid 2000 on 2157.60, line 1 fulfilled, line 2 removed by
    ``order_amend`` (without ``type``: it turned the lay-by into a sale), line 1 returned:
    both voids refused, the order open with total 0.00 and paid 921.20 for ever."""
    view, (one, _two) = create_order(
        shop, admin, "S1", type="layby", lines=[NewLine("PH", "P1"), NewLine("PH", "P2")]
    )
    add_payment(shop, admin, view.order, "cash", Decimal("150.00"))
    fulfil(shop, admin, view.order, lines=[one])
    amended = apply_object(
        shop,
        admin,
        {
            "op": "order_amend",
            "order": view.order,
            "lines": [{"number": 2, "sku": "PH", "status": "removed", "serial": "P2"}],
        },
    )
    assert amended["ok"] and amended["type"] == "layby", amended
    line_total = get_order(shop, view.order).line_by_id(one).total
    assert _violations(shop) == [
        f"order_overpaid: order {view.order} holds {Decimal('150.00') - line_total:.2f} paid "
        f"beyond its total {line_total:.2f} with no open line: void it to refund that "
        "(the fulfilled lines are kept)"
    ]
    return_units(shop, admin, view.order, lines=[one])
    assert [v.split(":")[0] for v in _violations(shop)] == ["order_overpaid"]
    result = apply_object(shop, admin, {"op": "order_void", "order": view.order})
    assert result["ok"] and result["status"] == "voided" and result["paid"] == "0.00", result
    assert result["refunds"] == [
        {"method": "cash", "amount": f"{Decimal('150.00') - line_total:.2f}"}
    ]
    assert _violations(shop) == []


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
