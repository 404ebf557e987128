"""The event feed (migration 0014, services/feed.py) on SQLite and PostgreSQL: every ledger
event gets one ``seq``, gap-free and in commit order, and a follower reading while several
writers commit concurrently never sees a gap, never misses and never repeats an event."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import feed, ledger, products
from serialpos.services.context import Actor


def test_feed_numbers_every_event_once_in_order(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["F1", "F2"])
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["F1"])
    page = feed.events_after(db, 0, 10)
    assert [e.seq for e in page.events] == [1, 2, 3] and page.next == 3
    assert [(e.serial, e.from_state, e.to_state) for e in page.events] == [
        ("F1", None, "in_stock"),
        ("F2", None, "in_stock"),
        ("F1", "in_stock", "sold"),
    ]
    assert feed.events_after(db, 1, 1).events[0].serial == "F2"
    assert feed.events_after(db, 3, 10) == feed.FeedPage((), 3, 3)
    assert feed.last_seq(db) == 3


def test_a_follower_never_sees_a_gap_while_writers_commit(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CAB", name="Cable")
    writers, per_writer = 4, 40
    done = threading.Event()
    errors: list[BaseException] = []

    def write(w: int) -> None:
        try:
            for n in range(per_writer):
                if n % 2:
                    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=1)
                else:
                    ledger.move(
                        db,
                        admin,
                        Action.RECEIVE,
                        store="S1",
                        sku="PH1",
                        serials=[f"W{w}-{n}", f"W{w}-{n}b"],
                    )
        except BaseException as exc:  # reported below: a thread cannot fail the test itself
            errors.append(exc)

    seen: list[int] = []

    def follow() -> None:
        try:
            _follow()
        except BaseException as exc:
            errors.append(exc)

    def _follow() -> None:
        after = 0
        while True:
            finished = done.is_set()
            page = feed.events_after(db, after, 7)
            got = [e.seq for e in page.events]
            # Every page continues exactly where the last one ended: no gap, no repeat.
            assert got == list(range(after + 1, after + 1 + len(got))), (after, got)
            seen.extend(got)
            after = page.next
            if finished and not got:
                return

    follower = threading.Thread(target=follow)
    follower.start()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    follower.join(60)
    assert not errors
    total = db.read(
        lambda c: c.execute(sa.select(sa.func.count()).select_from(repo.event_t)).scalar_one()
    )
    assert total == writers * per_writer // 2 * 3
    assert seen == list(range(1, total + 1))


def test_one_stores_follower_sees_its_events_once_in_order(db: Database, admin: Actor) -> None:
    """A store terminal's pull (``store=``): while writers commit at two stores, the S1
    follower gets every S1 event exactly once, in feed order, and no S2 event; its cursor
    moves past S2's events, so an idle page does not read them again."""
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    per_writer = 30
    done = threading.Event()
    errors: list[BaseException] = []

    def write(store: str, w: int) -> None:
        try:
            for n in range(per_writer):
                serials = [f"{store}-{w}-{n}", f"{store}-{w}-{n}b"]
                ledger.move(db, admin, Action.RECEIVE, store=store, sku="PH1", serials=serials)
        except BaseException as exc:  # reported below
            errors.append(exc)

    seen: list[tuple[int, str]] = []

    def follow() -> None:
        try:
            after = 0
            while True:
                finished = done.is_set()
                page = feed.events_after(db, after, 5, store="S1")
                assert page.next >= after and all(e.seq > after for e in page.events)
                seen.extend((e.seq, e.store) for e in page.events)
                after = page.next
                if finished and not page.events:
                    return
        except BaseException as exc:
            errors.append(exc)

    follower = threading.Thread(target=follow)
    follower.start()
    writers = [
        threading.Thread(target=write, args=(s, w)) for w, s in enumerate(("S1", "S2", "S1"))
    ]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    follower.join(60)
    assert not errors and not follower.is_alive()
    everything = feed.events_after(db, 0, 1000).events
    assert seen == [(e.seq, "S1") for e in everything if e.store == "S1"]
    assert len(seen) == 2 * per_writer * 2
    idle = feed.events_after(db, seen[-1][0], 5, store="S1")
    assert idle.events == () and idle.next == idle.last == everything[-1].seq
