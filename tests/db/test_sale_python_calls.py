"""The Python a counter sale runs, counted (issue 15: a sale's CPU is mostly its Python).

Each step of a one-unit sale, product first (``scan_at_counter`` the SKU: its line held, nothing
written; then the serial: the line with it; then ``fulfil`` with cash), and the same sale through
``apply``, counted as Python function calls (``sys.setprofile``'s "call" events: deterministic,
unlike CPU time on a shared machine) after a few warm sales. Before the room counter's cuts (a
statement's ``Done`` made without an ``__init__``, its bind values without ``typing.cast``, the
transaction's caches found without SQLAlchemy's property chain, a row's mapping made without
``cached_property``'s lock, an enum parsed by its value map, the view's discount and customer checks
without generators, the store's settings looked up by their stored texts alone), counted on
bench/counter_sale_bench.py's database: 236 / 289 / 395 calls and 865 for the ``apply`` sale (Python
3.11); after: 191 / 244 / 336 and 743, then 182 / 241 / 330 and 728. The bounds leave a little room
for a version of a library, not for the old paths to come back (this test fails on the code before
those cuts).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal
from types import FrameType
from typing import Any

import pytest

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.counter_scan import scan_at_counter
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.lines import NewOrder

on_sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
SERIALS = [f"D-{i}" for i in range(1, 21)]


def _calls(call: Callable[[], Any]) -> int:
    count = 0

    def seen(_frame: FrameType, event: str, _arg: object) -> None:
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(seen)
    try:
        call()
    finally:
        sys.setprofile(None)
    return count


def _sale(db: Database, actor: Actor, serial: str) -> list[int]:
    """One product-first counter sale of ``serial``: the Python calls of each step."""
    state: dict[str, Any] = {}

    def add() -> None:  # held (services/held_line.py): read, nothing written
        held = scan_at_counter(db, actor, None, "DRL", waiting=None, start=NewOrder("S1")).held
        assert held is not None
        state["held"] = held

    def record_serial() -> None:  # the order, the line holding its serial, the unit's claim
        done = scan_at_counter(
            db, actor, None, serial, waiting=None, start=NewOrder("S1"), held=state["held"]
        )
        assert done.added is not None and done.view is not None
        state["order"], state["due"] = done.view.order, done.view.totals.due

    def tender() -> None:
        assert fulfil(db, actor, state["order"], payments=[("cash", state["due"])]).invoice

    return [_calls(add), _calls(record_serial), _calls(tender)]


def _apply_sale(db: Database, actor: Actor, serial: str) -> None:
    line = {"sku": "DRL", "serial": serial}
    made = apply_object(db, actor, {"op": "order_create", "store": "S1", "lines": [line]})
    assert made["ok"], made
    assert apply_object(db, actor, {"op": "order_fulfil", "order": made["order"]})["ok"]


@on_sqlite_only
def test_a_counter_sale_runs_no_more_python_than_measured(db: Database, admin: Actor) -> None:
    products.create_product(
        db, admin, sku="DRL", name="Drill", serial_mode="required", price=Decimal("199.00")
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRL", serials=SERIALS)
    serials = iter(SERIALS)
    for _ in range(4):  # warm: compiled statements, row classes, settings parsed
        _sale(db, admin, next(serials))
        _apply_sale(db, admin, next(serials))
    add, record_serial, tender = _sale(db, admin, next(serials))
    apply_sale = _calls(lambda: _apply_sale(db, admin, next(serials)))
    # Product first, the line held (services/held_line.py): the product's read (73 measured),
    # then the line with its serial (285), then the tender. Before: the add (<= 190) and the
    # serial on its line (<= 250): the sale's bound as before, its steps' as measured now.
    assert add <= 80, add
    assert record_serial <= 295, record_serial
    assert tender <= 345, tender
    assert add + record_serial + tender <= 190 + 250 + 345
    assert apply_sale <= 760, apply_sale
