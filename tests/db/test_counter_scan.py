"""The sale field's decision (services/counter_scan.py), on SQLite and PostgreSQL: the waiting
line's serial first; refused as not this product's serial, an item (a bare serial finds its own
product); not an item either, the waiting line's refusal, with the line and text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.counter_scan import WaitingLineRefused, scan_at_counter
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import NewOrder, add_item


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    for sku in ("DRL", "SAW"):
        products.create_product(
            db, admin, sku=sku, name=sku.title(), serial_mode="required", price=Decimal("5")
        )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRL", serials=["D-1", "D-2"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="SAW", serials=["S-1"])
    return db


def test_waiting_line_then_item_then_the_lines_refusal(shop: Database, admin: Actor) -> None:
    order = open_order(shop, admin, "S1").order
    line = int(add_item(shop, admin, order, sku="DRL").line)
    done = scan_at_counter(shop, admin, order, "D-1", waiting=line, start=None)
    assert done.filled == line and done.added is None
    assert [(ln.sku, ln.serial) for ln in done.view.lines] == [("DRL", "D-1")]
    line2 = int(add_item(shop, admin, order, sku="DRL").line)
    # A saw's serial is no drill's: it adds its own product's line, the drill still waits.
    saw = scan_at_counter(shop, admin, order, "S-1", waiting=line2, start=None)
    assert saw.filled is None and saw.added is not None
    assert [(ln.sku, ln.serial) for ln in saw.view.lines] == [
        ("DRL", "D-1"),
        ("DRL", None),
        ("SAW", "S-1"),
    ]
    with pytest.raises(WaitingLineRefused) as refused:  # no item either
        scan_at_counter(shop, admin, order, "NEW-9", waiting=line2, start=None)
    assert refused.value.code == "unknown_unit"
    assert (refused.value.waiting_line, refused.value.scanned_text) == (line2, "NEW-9")
    assert "NEW-9" in refused.value.message


def test_no_order_yet_opens_one_only_when_a_line_lands(shop: Database, admin: Actor) -> None:
    start = NewOrder("S1", "sale", "cash_and_carry")
    with pytest.raises(Exception, match="NOTAPRODUCT1"):
        scan_at_counter(shop, admin, None, "NOTAPRODUCT1", waiting=None, start=start)
    done = scan_at_counter(shop, admin, None, "D-2", waiting=None, start=start)
    assert done.added is not None
    assert [(ln.sku, ln.serial) for ln in done.view.lines] == [("DRL", "D-2")]


def test_a_serial_fills_the_line_of_its_product_waiting_for_one(
    shop: Database, admin: Actor
) -> None:
    """A special order reopened later: its drill line waits for a serial, nothing is the
    'last added' line. The drill's serial fills that line; it never adds a second drill."""
    order = open_order(shop, admin, "S1").order
    saw = int(add_item(shop, admin, order, sku="SAW").line)
    drill = int(add_item(shop, admin, order, sku="DRL").line)
    done = scan_at_counter(shop, admin, order, "D-1", waiting=None, start=None)
    assert done.filled == drill and done.added is None
    assert [(ln.sku, ln.serial) for ln in done.view.lines] == [("SAW", None), ("DRL", "D-1")]
    # The saw's line is the one on screen; a second drill serial has no line waiting: added.
    more = scan_at_counter(shop, admin, order, "D-2", waiting=saw, start=None)
    assert more.filled is None and more.added is not None
    assert [(ln.sku, ln.serial) for ln in more.view.lines] == [
        ("SAW", None),
        ("DRL", "D-1"),
        ("DRL", "D-2"),
    ]
    # The saw's serial fills the saw's line, waiting or not on screen.
    filled = scan_at_counter(shop, admin, order, "S-1", waiting=None, start=None)
    assert filled.filled == saw
    assert [ln.serial for ln in filled.view.lines] == ["S-1", "D-1", "D-2"]


def test_the_first_waiting_line_of_the_product_is_filled(shop: Database, admin: Actor) -> None:
    order = open_order(shop, admin, "S1").order
    first = int(add_item(shop, admin, order, sku="DRL").line)
    int(add_item(shop, admin, order, sku="DRL").line)
    done = scan_at_counter(shop, admin, order, "D-2", waiting=None, start=None)
    assert done.filled == first
    assert [ln.serial for ln in done.view.lines] == ["D-2", None]
