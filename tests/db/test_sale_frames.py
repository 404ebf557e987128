"""The pages each counter step's commit writes, bounded (issue 15: a sale's commits write its
tables' and indexes' pages, and each page is CPU and disk a step pays; the floor writes 2).

Read from the SQLite file (wal_frames.py: the frames of an emptied WAL after the step, each
page named by ``dbstat``) for one sale of each kind after warm ones: product first
(``scan_at_counter`` the SKU, then the serial, then ``fulfil`` with cash), the unit's serial
label scanned first (then the tender), and ``apply``'s ``order_create`` with the serial then
``order_fulfil``. Two bounds per step:

- the tables and indexes written: exact, so an index or a table added to a step fails here
  (before migration 0036: 8 / 15 / 26, 20 / 26, 20 / 26; after: 8 / 13 / 23, 18 / 23,
  18 / 23: the reservation index, the feed's event index and, on the tender, the invoice's
  date index gone);
- the frames: those b-trees plus a page split or two (a leaf that fills is written with its
  new sibling and parent), and nothing else, so a step rewriting rows it did not change
  fails too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from serialpos.db.engine import Database
from serialpos.db.wal_frames import frames_written
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.counter_scan import scan_at_counter
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.lines import NewOrder

on_sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
SERIALS = [f"W-{i}" for i in range(1, 31)]
#: Pages that belong to no table or index: the header page and the free list, written when
#: the file grows (a step that allocates a page), not by any row.
FILE_PAGES = {"", "sqlite_schema"}
#: Room for page splits beyond one page per b-tree (each split writes a sibling and the
#: parent: measured up to 4 pages of one index in a step at 100k units).
SPLITS = 6

#: The b-trees each step writes, as measured (the bench's stderr lists them by name).
#: Product first: held (nothing written, services/held_line.py), then the line with its
#: serial, then the tender (before the held line, 8 / 14 / 24: the add, then the serial).
#: Migration 0041: a new order no longer enters an index on its date (19 / 24 before).
PRODUCT_FIRST = (0, 18, 24)
SERIAL_FIRST = (18, 24)
APPLY = (18, 24)


def _product_first(db: Database, actor: Actor, serial: str) -> list[Callable[[], Any]]:
    state: dict[str, Any] = {}

    def add() -> None:  # held (services/held_line.py): nothing written
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

    return [add, record_serial, tender]


def _serial_first(db: Database, actor: Actor, serial: str) -> list[Callable[[], Any]]:
    state: dict[str, Any] = {}

    def add_with_serial() -> None:
        added = scan_at_counter(db, actor, None, serial, waiting=None, start=NewOrder("S1")).added
        assert added is not None and added.order.lines[-1].serial == serial
        state["order"], state["due"] = added.order.order, added.order.totals.due

    def tender() -> None:
        assert fulfil(db, actor, state["order"], payments=[("cash", state["due"])]).invoice

    return [add_with_serial, tender]


def _apply(db: Database, actor: Actor, serial: str) -> list[Callable[[], Any]]:
    made: dict[str, Any] = {}

    def create() -> None:
        line = {"sku": "DRL", "serial": serial}
        made.update(apply_object(db, actor, {"op": "order_create", "store": "S1", "lines": [line]}))
        assert made["ok"], made

    def fulfil_it() -> None:
        assert apply_object(db, actor, {"op": "order_fulfil", "order": made["order"]})["ok"]

    return [create, fulfil_it]


def _written(path: Path, steps: list[Callable[[], Any]]) -> list[Counter[str]]:
    return [frames_written(path, step) for step in steps]


@on_sqlite_only
def test_each_counter_step_writes_no_more_pages_than_measured(db: Database, admin: Actor) -> None:
    assert db.engine.url.database is not None
    path = Path(db.engine.url.database)
    products.create_product(
        db, admin, sku="DRL", name="Drill", serial_mode="required", price=Decimal("199.00")
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRL", serials=SERIALS)
    serials = iter(SERIALS)
    kinds = ((_product_first, PRODUCT_FIRST), (_serial_first, SERIAL_FIRST), (_apply, APPLY))
    for _ in range(3):  # warm: the order and invoice tables past their first pages
        for sale, _bound in kinds:
            for step in sale(db, admin, next(serials)):
                step()
    for sale, bounds in kinds:
        written = _written(path, sale(db, admin, next(serials)))
        trees = [len(c.keys() - FILE_PAGES) for c in written]
        frames = [sum(c.values()) for c in written]
        assert tuple(trees) == bounds, (sale.__name__, written)
        for step, (n, most) in enumerate(zip(frames, bounds, strict=True), 1):
            assert n <= most + len(FILE_PAGES) + SPLITS, (sale.__name__, step, written)
