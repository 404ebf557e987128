"""The journal sink services write through on a store terminal (services/journal_sink.py)."""

from __future__ import annotations

import json

import pytest

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.db.joined import JoinedDatabase
from serialpos.domain import entry_seal, till_time
from serialpos.services import journal_sink
from serialpos.services.context import Actor
from serialpos.terminal.journaled import attach

LINE = {"op": "receive", "store": "S01", "sku": "PH-1", "serial": "A1"}


def test_without_a_sink_nothing_is_journaled(db: Database, admin: Actor) -> None:
    assert not journal_sink.on_terminal(db)
    made = db.write(lambda conn: journal_sink.record(db, conn, admin, LINE))
    assert made is None
    assert db.read(journal.entries) == []


def test_a_terminal_journals_the_line_in_the_service_transaction(
    db: Database, admin: Actor
) -> None:
    attach(db, "T-7")
    assert journal_sink.on_terminal(db)
    first = db.write(lambda conn: journal_sink.record(db, conn, admin, LINE))
    second = db.write(lambda conn: journal_sink.record(db, conn, admin, LINE))
    entries = db.read(journal.entries)
    assert [e.id for e in entries] == [first, second]
    assert [e.seq for e in entries] == [1, 2]
    sent = json.loads(entries[0].line)
    assert sent["id"] == first
    sealed = entry_seal.read(entries[0].line)
    assert sealed.intact and sealed.prev == entry_seal.GENESIS  # the first entry's seal
    assert entry_seal.read(entries[1].line).prev == sealed.hash  # chained to the one before
    assert entry_seal.without_seal(sent)["journal"] == {
        "terminal": "T-7",
        "seq": 1,
        "user": admin.user,
        "at": till_time.text(entries[0].made_at),  # the till's time of the act
    }
    assert {k: sent[k] for k in LINE} == LINE
    assert all(e.state == "pending" for e in entries)


def test_a_rolled_back_service_leaves_no_entry(db: Database, admin: Actor) -> None:
    attach(db, "T-7")

    def fails(conn: object) -> None:
        journal_sink.record(db, conn, admin, LINE)  # type: ignore[arg-type]
        raise RuntimeError("the service failed after journaling")

    with pytest.raises(RuntimeError):
        db.write(fails)
    assert db.read(journal.entries) == []


def test_quiet_and_joined_databases(db: Database, admin: Actor) -> None:
    attach(db, "T-7")
    with journal_sink.quiet():
        quiet = db.write(lambda conn: journal_sink.record(db, conn, admin, LINE))
    assert quiet is None

    def joined_work(conn: object) -> str | None:
        joined = JoinedDatabase(db, conn)  # type: ignore[arg-type]
        return joined.write(lambda inner: journal_sink.record(joined, inner, admin, LINE))

    made = db.write(joined_work)
    assert made is not None
    assert [e.id for e in db.read(journal.entries)] == [made]
