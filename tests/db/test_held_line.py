"""A counter sale's held line (services/held_line.py, services/counter_scan.py), on SQLite and
PostgreSQL: a product scanned first whose serial is required writes nothing (no order, no
line); its serial next commits the line holding it in one transaction; anything else commits
the held line without its serial first, and the entry then goes as before."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
import sqlalchemy as sa

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.counter_scan import WaitingLineRefused, scan_at_counter
from serialpos.services.held_line import HeldLine, commit_held
from serialpos.services.orders import get_order, list_orders
from serialpos.services.orders.lines import NewOrder
from serialpos.services.settings import set_setting

START = NewOrder("S1", "sale", "cash_and_carry")


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    for sku, mode in (("DRL", "required"), ("SAW", "required"), ("TAPE", "optional")):
        products.create_product(
            db, admin, sku=sku, name=sku.title(), serial_mode=mode, price=Decimal("5")
        )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRL", serials=["D-1", "D-2"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="SAW", serials=["S-1"])
    return db


@contextmanager
def commits(db: Database) -> Iterator[list[int]]:
    """The commits inside the block that wrote something (a read transaction commits too):
    a ``commit`` listener on the engine, after a statement that inserts, updates or deletes."""
    seen: list[int] = []
    wrote: list[str] = []

    def statement(_conn: object, _cursor: object, sql: str, *_rest: object) -> None:
        text = " ".join(sql.upper().split())
        first = text.split(" ", 1)[0] if text else ""
        # (PostgreSQL's CTEs insert or update inside a WITH; a locked read says FOR UPDATE)
        if first in ("INSERT", "UPDATE", "DELETE") or (
            first == "WITH" and (" INSERT INTO " in text or re.search(r"UPDATE \w+ SET", text))
        ):
            wrote.append(sql)

    def count(_conn: object) -> None:
        if wrote:
            seen.append(len(wrote))
            wrote.clear()

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(engine, "commit", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "commit", count)
        sa.event.remove(engine, "before_cursor_execute", statement)


def orders_now(db: Database) -> int:
    return len(list_orders(db, "S1"))


def test_the_product_is_held_and_its_serial_commits_line_and_serial_at_once(
    shop: Database, admin: Actor
) -> None:
    with commits(shop) as made:
        held = scan_at_counter(shop, admin, None, "DRL", waiting=None, start=START)
    assert made == [] and orders_now(shop) == 0  # nothing written: no order opened
    assert held.held is not None and held.added is None and held.view is None
    assert (held.held.sku, held.held.number, held.held.scanned) == ("DRL", 1, "DRL")
    with commits(shop) as made:
        done = scan_at_counter(shop, admin, None, "D-1", waiting=None, start=START, held=held.held)
    assert len(made) == 1  # the order, the line and its serial: one commit
    assert done.added is not None and done.held is None and done.committed is None
    assert [(ln.sku, ln.serial) for ln in done.added.order.lines] == [("DRL", "D-1")]
    assert orders_now(shop) == 1


def test_another_product_commits_the_held_line_first(shop: Database, admin: Actor) -> None:
    held = scan_at_counter(shop, admin, None, "DRL", waiting=None, start=START).held
    assert held is not None
    # The saw is held in its turn; the drill's line is written waiting, as an add left it.
    with commits(shop) as made:
        saw = scan_at_counter(shop, admin, None, "SAW", waiting=None, start=START, held=held)
    assert len(made) == 1
    assert saw.committed is not None and saw.held is not None and saw.held.sku == "SAW"
    assert saw.view is not None and saw.held.number == 2
    assert [(ln.sku, ln.serial) for ln in saw.view.lines] == [("DRL", None)]
    order = saw.view.order
    # An item that holds nothing: the saw's line first, then the tape.
    tape = scan_at_counter(shop, admin, order, "TAPE", waiting=None, start=None, held=saw.held)
    assert tape.added is not None and tape.committed is not None
    assert [(ln.sku, ln.serial) for ln in tape.view.lines] == [  # type: ignore[union-attr]
        ("DRL", None),
        ("SAW", None),
        ("TAPE", None),
    ]
    # The drill's serial now fills the drill's waiting line, as before.
    filled = scan_at_counter(shop, admin, order, "D-2", waiting=None, start=None)
    assert filled.filled is not None


def test_a_serial_of_another_product_commits_the_held_line_and_adds_its_own(
    shop: Database, admin: Actor
) -> None:
    held = scan_at_counter(shop, admin, None, "DRL", waiting=None, start=START).held
    assert held is not None
    done = scan_at_counter(shop, admin, None, "S-1", waiting=None, start=START, held=held)
    assert done.committed is not None and done.added is not None
    assert [(ln.sku, ln.serial) for ln in done.view.lines] == [  # type: ignore[union-attr]
        ("DRL", None),
        ("SAW", "S-1"),
    ]


def test_an_unknown_unit_commits_the_held_line_and_comes_back_as_its_refusal(
    shop: Database, admin: Actor
) -> None:
    held = scan_at_counter(shop, admin, None, "DRL", waiting=None, start=START).held
    assert held is not None
    done = scan_at_counter(shop, admin, None, "NEW-9", waiting=None, start=START, held=held)
    assert done.committed is not None and isinstance(done.refusal, WaitingLineRefused)
    assert done.refusal.code == "unknown_unit"
    assert (done.refusal.waiting_line, done.refusal.scanned_text) == (
        int(done.committed.line),
        "NEW-9",
    )
    assert done.view is not None
    assert [(ln.sku, ln.serial) for ln in get_order(shop, done.view.order).lines] == [("DRL", None)]


def test_a_sold_units_serial_is_refused_as_set_serial_refuses_it(
    shop: Database, admin: Actor
) -> None:
    held = scan_at_counter(shop, admin, None, "DRL", waiting=None, start=START).held
    assert held is not None
    ledger.move(shop, admin, Action.SELL, store="S1", sku="DRL", serials=["D-1"])
    done = scan_at_counter(shop, admin, None, "D-1", waiting=None, start=START, held=held)
    assert done.refusal is not None and done.refusal.code == "already_sold"
    assert done.committed is not None  # written waiting, as the add left it before
    assert [ln.serial for ln in done.view.lines] == [None]  # type: ignore[union-attr]


def test_a_refused_serial_in_the_prompt_writes_nothing(shop: Database, admin: Actor) -> None:
    held = HeldLine("DRL", "Drl", Decimal("5"), 1, "DRL")
    with pytest.raises(Exception, match="not known to the ledger"), commits(shop) as made:
        commit_held(shop, admin, None, held, START, serial="NEW-9")
    assert made == [] and orders_now(shop) == 0
    # A manager's override accepts it, in the same one step.
    done = commit_held(
        shop, admin, None, held, START, serial="NEW-9", override_user="ada", override_pin="1234"
    )
    assert [(ln.sku, ln.serial) for ln in done.order.lines] == [("DRL", "NEW-9")]


@pytest.mark.parametrize(
    ("setting", "kind", "sku"),
    [
        ("auto_prompt_serial", "sale", "DRL"),  # auto-prompt off: added at once, as before
        (None, "layby", "DRL"),  # a lay-by's line waits across sessions: added at once
        (None, "sale", "TAPE"),  # an optional serial: added at once
    ],
)
def test_what_is_not_held(
    shop: Database, admin: Actor, setting: str | None, kind: str, sku: str
) -> None:
    if setting is not None:
        set_setting(shop, admin, setting, "false")
    done = scan_at_counter(
        shop, admin, None, sku, waiting=None, start=NewOrder("S1", kind, "cash_and_carry")
    )
    assert done.held is None and done.added is not None and orders_now(shop) == 1
