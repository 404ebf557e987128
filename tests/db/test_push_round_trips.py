"""What a store terminal's push and pull cost central in round trips to PostgreSQL (issue 16,
the scale target: central's CPU per pushed entry): counted, which no load changes, and
bounded, so a change that adds a statement or a transaction to the hot path fails here.

A round trip is a statement sent through a cursor (``before_cursor_execute``) or a command
psycopg sends itself (``BEGIN``, ``COMMIT``, ``SAVEPOINT``: ``_exec_command``). A push of
twenty sales after a terminal's first is 12 statements, BEGIN and COMMIT (14 statements
before: the chain head's move and the events were two; 13 until the chain's settings came
with the place's read); its pull after it two statements and nothing else (six round trips
before: BEGIN, ``SET TRANSACTION``, the token, the page, the feed's last number, COMMIT).
16 round trips for twenty entries: 0.8 an entry (1.1, then 0.85, before).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from pg_server import drop_schema, fill_schema, new_schema, require_postgres, schema_url
from serialpos.db import ledger_chain
from serialpos.db.engine import Database
from serialpos.domain import entry_seal
from serialpos.domain.states import Action
from serialpos.services import entry_lines, feed, ledger, products, snapshot, stores, tokens, users
from serialpos.services.context import SYSTEM
from serialpos.services.integrity import check_ledger

#: Sales a push holds here (the scale bench's pushes).
PUSH = 20
#: Round trips of one push of PUSH sales after the terminal's first, and of its pull.
PUSH_ROUND_TRIPS = 14
PULL_ROUND_TRIPS = 2


class _Shop:
    def __init__(self, url: str) -> None:
        self.db = Database(url)
        db = self.db
        stores.add_store(db, SYSTEM, "S1", "Main Street")
        users.add_user(db, SYSTEM, "mia", "manager", "1234")
        mia = users.actor_for(db, "mia", "setup")
        products.create_product(
            db, mia, sku="PH1", name="Phone", serial_mode="required", price=Decimal("99.00")
        )
        self.serials = [f"A{n:03d}" for n in range(4 * PUSH)]
        ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=self.serials)
        users.add_user(db, SYSTEM, "ada", "admin", "1234")
        ada = users.actor_for(db, "ada", "setup")
        self.token = tokens.create_token(db, ada, "mia", "till-1-token")[0]
        snapshot.link(db, tokens.authenticate(db, self.token), "S1", "till-1")
        self.seq = 0
        self.prev = entry_seal.GENESIS  # a till seals every entry (domain/entry_seal.py)
        self.cursor = feed.last_seq(db)

    def push(
        self, db: Database, serials: list[str], also_at_s2: str | None = None
    ) -> list[dict[str, Any]]:
        """``serials`` sold at till-1, one entry each, in one push (as ``POST /v1/apply``
        applies it); ``also_at_s2``: one more, naming another store than the till's."""
        lines = []
        for serial in [*serials, *([also_at_s2] if also_at_s2 else [])]:
            self.seq += 1
            entry = {
                "id": str(uuid.uuid4()),
                "op": "sell",
                "store": "S2" if serial == also_at_s2 else "S1",
                "sku": "PH1",
                "serial": serial,
                "journal": {"terminal": "till-1", "seq": self.seq, "user": "mia"},
            }
            sealed = entry_seal.seal(entry, self.prev)
            self.prev = entry_seal.read(sealed).hash or ""
            lines.append(sealed.encode())
        bearer = tokens.Bearer(db, self.token)
        verdicts: list[dict[str, Any]] = []
        for first in entry_lines.runs(lines, 1):
            run: entry_lines.Run | None = first
            while run is not None:
                answered, run = entry_lines.apply_run(db, bearer, run)
                verdicts += answered
        return verdicts

    def pull(self, db: Database) -> feed.FeedPage:
        """The feed after the push (``GET /v1/events``), the cursor moved on."""
        page = feed.events_for(db, tokens.Bearer(db, self.token), self.cursor, 1000)
        self.cursor = page.next
        return page


@pytest.fixture
def shop() -> Iterator[_Shop]:
    require_postgres()
    schema = new_schema()
    fill_schema(schema)
    made = _Shop(schema_url(schema))
    yield made
    made.db.dispose()
    drop_schema(schema)


class _RoundTrips:
    """Round trips to the server while counting: statements and psycopg's own commands."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.said: list[str] = []
        self.counting = False
        self.db = db
        sa.event.listen(db.engine, "before_cursor_execute", self._statement)
        sent = psycopg.Connection._exec_command  # BEGIN, COMMIT, SAVEPOINT, ROLLBACK

        def command(conn: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
            if self.counting:
                self.said.append(bytes(command).decode())
            return sent(conn, command, *args, **kwargs)

        monkeypatch.setattr(psycopg.Connection, "_exec_command", command)

    def _statement(self, _c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        if self.counting:
            self.said.append(" ".join(statement.split())[:70])

    def of(self, work: Any) -> tuple[Any, list[str]]:
        self.said, self.counting = [], True
        try:
            return work(), self.said
        finally:
            self.counting = False


def test_a_push_and_its_pull_stay_within_their_round_trips(
    shop: _Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = shop.db
    counter = _RoundTrips(db, monkeypatch)
    first = shop.push(db, shop.serials[:PUSH])  # a terminal's first push reads its link
    assert all(v["ok"] for v in first)
    shop.pull(db)
    verdicts, pushed = counter.of(lambda: shop.push(db, shop.serials[PUSH : 2 * PUSH]))
    assert [v["ok"] for v in verdicts] == [True] * PUSH
    assert [v["units"][0]["serial"] for v in verdicts] == shop.serials[PUSH : 2 * PUSH]
    page, pulled = counter.of(lambda: shop.pull(db))
    assert [e.serial for e in page.events] == shop.serials[PUSH : 2 * PUSH]
    assert page.next == page.last == page.events[-1].seq
    # psycopg's own commands are counted (a renamed internal would count nothing).
    begun = [s for s in pushed if s.startswith("BEGIN")]
    assert len(begun) == 1 and pushed.count("COMMIT") == 1, pushed
    assert len(pushed) <= PUSH_ROUND_TRIPS, pushed
    assert len(pulled) <= PULL_ROUND_TRIPS, pulled
    assert not any(s.startswith(("BEGIN", "SET TRANSACTION")) for s in pulled), pulled
    per_entry = (len(pushed) + len(pulled)) / PUSH
    assert per_entry <= 0.8, per_entry
    assert check_ledger(db) == []


def test_an_empty_pull_still_says_where_the_feed_ends(shop: _Shop) -> None:
    """The page and the feed's last number come from one statement: an empty page still
    brings the number (the cursor moves to it)."""
    db = shop.db
    last = feed.last_seq(db)
    page = feed.events_for(db, tokens.Bearer(db, shop.token), last, 1000)
    assert page.events == () and page.last == last and page.next == last
    other = stores.add_store(db, SYSTEM, "S2", "Harbour Mall")
    assert other
    mia = users.actor_for(db, "mia", "setup")
    ledger.move(db, mia, Action.RECEIVE, store="S2", sku="PH1", serials=["B1"])
    page = feed.events_for(db, tokens.Bearer(db, shop.token), last, 1000)
    assert page.events == () and page.last == last + 1 and page.next == last + 1


def test_a_push_whose_chain_head_moved_elsewhere_hashes_again_from_it(shop: _Shop) -> None:
    """A push's events go in with their chain head's move, from the head this process last
    left (db/ledger_chain.py). When another process (a second serve worker) moved the head
    meanwhile, the statement writes nothing, the head is read and the events are hashed from
    it: every verdict stands and the chain checks whole."""
    db = shop.db
    other = Database(str(db.url))
    try:
        assert all(v["ok"] for v in shop.push(db, shop.serials[:PUSH]))
        assert all(v["ok"] for v in shop.push(other, shop.serials[PUSH : 2 * PUSH]))
        # db's guess of till-1's head is stale now: other moved it.
        said: list[str] = []
        sa.event.listen(
            db.engine, "before_cursor_execute", lambda _c, _cu, s, *_a: said.append(s.lstrip())
        )
        verdicts = shop.push(db, shop.serials[2 * PUSH : 3 * PUSH])
        gated = [s for s in said if s.startswith("WITH gate")]
        again = [s for s in said if s.startswith("INSERT INTO ledger_event")]
        assert len(gated) == 1 and len(again) == 1, said  # tried on the guess, then again
        assert [v["ok"] for v in verdicts] == [True] * PUSH
        assert all(v["ok"] for v in shop.push(other, shop.serials[3 * PUSH :]))
    finally:
        other.dispose()
    assert check_ledger(db) == []
    with db.engine.connect() as conn:
        seqs = (
            conn.execute(
                sa.select(ledger_chain.chain_c.seq).where(ledger_chain.chain_c.terminal == "till-1")
            )
            .scalars()
            .all()
        )
        events = conn.exec_driver_sql(
            "SELECT count(*), count(DISTINCT chain_seq) FROM ledger_event WHERE terminal = 'till-1'"
        ).one()
    assert events == (4 * PUSH, 4 * PUSH)
    assert seqs == [4 * PUSH]


def test_a_refused_entrys_central_units_are_read_without_a_transaction(
    shop: _Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused entry's verdict carries central's units, read after the push's commit when
    the refusal came before any unit was read (services/entry_units.py ``add_units``; an
    accepted count's too): plain reads, now without a BEGIN and COMMIT of their own."""
    db = shop.db
    counter = _RoundTrips(db, monkeypatch)
    assert all(v["ok"] for v in shop.push(db, shop.serials[:PUSH]))
    wrong = shop.serials[2 * PUSH - 1]
    verdicts, pushed = counter.of(
        lambda: shop.push(db, shop.serials[PUSH : 2 * PUSH - 1], also_at_s2=wrong)
    )
    assert [v["ok"] for v in verdicts] == [True] * (PUSH - 1) + [False]
    refused = verdicts[-1]
    assert refused["error"] == "wrong_store", refused
    assert [(u["serial"], u["state"]) for u in refused["central_units"]] == [(wrong, "in_stock")]
    begun = [s for s in pushed if s.startswith("BEGIN")]
    assert len(begun) == 1, pushed  # the push's own transaction only
    committed = pushed.index("COMMIT")
    assert any("serial_unit" in s for s in pushed[committed + 1 :]), pushed
    assert check_ledger(db) == []
