"""A serial scanned at the counter fills an open line of its product that has no serial yet
when that product's serial is optional (services/counter_scan.py), as it does for a required
one: a drill's box barcode and then its serial label are one drill, not two.

Before, the box barcode added "TL-DRL18 178.80 ? S/N opt." and the serial label a second
line "✓ DRL18-A002 178.80": paid, two drills were sold where the customer took one, one of
them with no serial, and `db check` gave only notes. A kit's drill (a component line at
0.00) was never given its serial: the label added a full-price drill beside the kit."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.counter_scan import scan_at_counter
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import NewOrder, add_item


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(
        db, admin, sku="DRL", name="Drill", serial_mode="optional", price=Decimal("178.80")
    )
    products.create_product(
        db, admin, sku="BITS", name="Bits", serial_mode="disabled", price=Decimal("9")
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRL", serials=["D-1", "D-2"])
    return db


def _lines(view: object) -> list[tuple[str, str | None, Decimal]]:
    return [(ln.sku, ln.serial, ln.unit_price) for ln in view.lines]  # type: ignore[attr-defined]


def test_the_serial_label_after_the_box_barcode_is_the_same_drill(
    shop: Database, admin: Actor
) -> None:
    start = NewOrder("S1", "sale", "cash_and_carry")
    box = scan_at_counter(shop, admin, None, "DRL", waiting=None, start=start)
    assert box.added is not None and not box.added.prompt_serial  # optional: no prompt
    order = box.view.order if box.view else None
    assert order is not None
    label = scan_at_counter(shop, admin, order, "D-2", waiting=None, start=None)
    assert label.filled == box.added.line and label.added is None
    assert _lines(label.view) == [("DRL", "D-2", Decimal("178.80"))]
    # A second label with no drill left without its serial is a second drill.
    more = scan_at_counter(shop, admin, order, "D-1", waiting=None, start=None)
    assert more.added is not None
    assert _lines(more.view) == [
        ("DRL", "D-2", Decimal("178.80")),
        ("DRL", "D-1", Decimal("178.80")),
    ]


def test_a_kits_drill_takes_the_label_scanned_after_the_kit(shop: Database, admin: Actor) -> None:
    products.create_product(
        shop, admin, sku="KIT", name="Drill kit", serial_mode="disabled", price=Decimal("199")
    )
    p = repo.product_t.c
    with shop.engine.begin() as conn:
        ids = {sku: pid for sku, pid in conn.execute(sa.select(p.sku, p.id))}
        conn.execute(sa.text("UPDATE product SET package_type = 'exploded' WHERE sku = 'KIT'"))
        for part in ("DRL", "BITS"):
            conn.execute(
                sa.text(
                    "INSERT INTO product_component (package_id, component_id, quantity) "
                    "VALUES (:pkg, :part, 1)"
                ),
                {"pkg": ids["KIT"], "part": ids[part]},
            )
    order = open_order(shop, admin, "S1").order
    kit = add_item(shop, admin, order, sku="KIT")
    drill = next(ln.line for ln in kit.order.lines if ln.sku == "DRL")
    label = scan_at_counter(shop, admin, order, "D-1", waiting=None, start=None)
    assert label.filled == drill and label.added is None
    assert sorted(_lines(label.view)) == [
        ("BITS", None, Decimal("0.00")),
        ("DRL", "D-1", Decimal("0.00")),
        ("KIT", None, Decimal("199")),
    ]
