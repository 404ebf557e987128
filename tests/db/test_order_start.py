"""The first line opens the order (issue 10, case 7), on SQLite and PostgreSQL: a scan that
matches nothing on an empty sale leaves no empty order and uses up no order number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest, UnknownProduct
from serialpos.services import products
from serialpos.services.context import Actor
from serialpos.services.orders.lines import NewOrder, add_item, add_scan
from serialpos.services.orders.reading import list_orders


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(
        db, admin, sku="CB", name="Cable", price=Decimal("9.50"), barcodes=("4006381333931",)
    )
    return db


def test_an_unmatched_scan_opens_no_order(shop: Database, admin: Actor) -> None:
    start = NewOrder("S1", "layby", "pickup")
    for text in ("NOTAPRODUCT1", "NOTAPRODUCT2"):
        with pytest.raises(UnknownProduct, match=f"nothing matches '{text}'"):
            add_scan(shop, admin, None, text, start=start)
    with pytest.raises(UnknownProduct):
        add_item(shop, admin, None, barcode="9780201379624", start=start)
    assert list_orders(shop, "S1") == []
    first = add_scan(shop, admin, None, "CB", start=start)
    # The first order made has the first number: the refused scans used none up.
    assert first.order.order == "S1-000001"
    assert (first.order.type.value, first.order.delivery.value) == ("layby", "pickup")
    assert [ln.sku for ln in first.order.lines] == ["CB"]
    second = add_item(shop, admin, None, barcode="4006381333931", start=NewOrder("S1"))
    assert second.order.order == "S1-000002" and second.order.type.value == "sale"
    more = add_scan(shop, admin, first.order.order, "CB")
    assert more.order.order == "S1-000001" and more.order.lines[0].quantity == 2
    assert [o.order for o in list_orders(shop, "S1")] == ["S1-000002", "S1-000001"]
    with pytest.raises(BadRequest, match="name the order"):
        add_scan(shop, admin, None, "CB")
