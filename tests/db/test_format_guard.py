"""A serial format change that recorded units break (the walk: LT-ZEN14's format changed by
an import, "2 updated", then its laptop in stock could not be sold nor a sold one returned,
``bad_serial_format``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.product_import import import_products_text
from serialpos.services.returns import return_units

NEW_FORMAT = (
    "SKU,Name,Price,Serial Number Option,SerialFormat\nLT,Laptop,1199.00,Required,^XX[0-9]{8}$\n"
)


@pytest.fixture
def laptops(db: Database, admin: Actor) -> tuple[Database, str, int]:
    """Laptops ZB-1 to ZB-3 in stock at S1, ZB-3 sold on an order (its line returned later)."""
    products.create_product(
        db, admin, sku="LT", name="Laptop", price=Decimal("1199.00"), serial_mode="required"
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT", serials=["ZB-1", "ZB-2", "ZB-3"])
    view, (line,) = create_order(db, admin, "S1", lines=[NewLine("LT", "ZB-3")])
    fulfil(db, admin, view.order, payments=[("cash", Decimal("2000"))])
    return db, view.order, line


def test_a_format_the_recorded_units_break_is_refused(
    laptops: tuple[Database, str, int], admin: Actor
) -> None:
    db, _order, _line = laptops
    with pytest.raises(DomainError) as refused:
        import_products_text(db, admin, NEW_FORMAT)
    assert refused.value.code == "format_breaks_units"
    assert "LT: 3 recorded units would not match it (e.g. ZB-1, in stock)" in refused.value.message
    assert products.get_product(db, "LT").serial_format is None  # nothing changed


def test_forced_the_recorded_units_keep_moving_and_new_serials_are_judged(
    laptops: tuple[Database, str, int], admin: Actor
) -> None:
    db, order, line = laptops
    report = import_products_text(db, admin, NEW_FORMAT, force_format=True)
    assert report.updated == 1
    assert report.warnings == (
        "serial format set although LT: 3 recorded units would not match it (e.g. ZB-1, in stock)",
    )
    assert products.get_product(db, "LT").serial_format == "^XX[0-9]{8}$"
    # Recorded units: sold, returned, sent to another store, all as before.
    ledger.move(db, admin, Action.SELL, store="S1", sku="LT", serials=["ZB-1"])
    assert return_units(db, admin, order, lines=[line]).amount > 0
    ledger.move(
        db, admin, Action.TRANSFER_OUT, store="S1", sku="LT", serials=["ZB-2"], to_store="S2"
    )
    ledger.move(db, admin, Action.TRANSFER_IN, store="S2", sku="LT", serials=["ZB-2"])
    view, _ = create_order(db, admin, "S1", lines=[NewLine("LT", "ZB-3")])  # back on a sale
    assert view.lines[0].serial == "ZB-3"
    # A new serial is judged by the format.
    with pytest.raises(DomainError) as bad:
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT", serials=["ZB-4"])
    assert bad.value.code == "bad_serial_format"
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT", serials=["XX12345678"])
    assert [f for f in check_ledger(db) if f.violation] == []


def test_a_recorded_unit_is_never_refused_by_a_format_set_since(
    laptops: tuple[Database, str, int], admin: Actor
) -> None:
    """However the format came to change (an import before this guard, a chain's refresh):
    the units recorded under the old one still sell, come back and move."""
    import sqlalchemy as sa

    from serialpos.db import repo

    db, order, line = laptops
    with db.engine.begin() as conn:
        conn.execute(sa.update(repo.product_t).values(serial_format="^XX[0-9]{8}$"))
    ledger.move(db, admin, Action.SELL, store="S1", sku="LT", serials=["ZB-1"])
    return_units(db, admin, order, lines=[line])
    ledger.move(
        db, admin, Action.TRANSFER_OUT, store="S1", sku="LT", serials=["ZB-3"], to_store="S2"
    )
    with pytest.raises(DomainError) as bad:
        ledger.move(
            db, admin, Action.ADJUST_ADD, store="S1", sku="LT", serials=["ZB-9"], reason="found"
        )
    assert bad.value.code == "bad_serial_format"
