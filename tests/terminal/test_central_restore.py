"""Central restored from an older backup: the till says "central behind", keeps its journal,
and ``serialpos terminal resend`` sends again the entries central lost, none twice
(terminal/resend.py). Real processes: ``serialpos serve`` on PostgreSQL, the till's CLI."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from terminal_chain import Chain


@contextmanager
def backup(chain: Chain) -> Iterator[Callable[[], None]]:
    """A copy of central's tables and sequences (its backup), dropped afterwards; the
    function given restores it over central's schema while ``serialpos serve`` runs."""
    engine = chain.server.db.engine
    saved = f"bak_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {saved}")
        for table in _tables(conn):
            conn.exec_driver_sql(f'CREATE TABLE {saved}."{table}" AS TABLE "{table}"')
        conn.exec_driver_sql(
            f"CREATE TABLE {saved}.sequences AS SELECT sequencename AS name, last_value "
            "FROM pg_sequences WHERE schemaname = current_schema()"
        )
    try:
        yield lambda: _restore(engine, saved)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {saved} CASCADE")


def _restore(engine: sa.Engine, saved: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no FK order
        # A connection a test left open would hold the TRUNCATE forever: fail instead.
        conn.exec_driver_sql("SET LOCAL lock_timeout = '60s'")
        tables = _tables(conn)
        conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))
        for table in tables:
            conn.exec_driver_sql(f'INSERT INTO "{table}" SELECT * FROM {saved}."{table}"')
        for name, last in conn.exec_driver_sql(f"SELECT name, last_value FROM {saved}.sequences"):
            conn.execute(
                sa.text("SELECT setval(:name, :value, :called)"),
                {"name": name, "value": last or 1, "called": last is not None},
            )


def _tables(conn: sa.Connection) -> list[str]:
    rows = conn.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
    )
    return [str(r[0]) for r in rows]


SOLD = "SELECT count(*) FROM ledger_event WHERE action = 'sell' AND serial = :s"


def _sell(serial: str) -> dict[str, object]:
    return {"op": "sell", "store": "S1", "sku": "PH1", "serial": serial}


def test_entries_central_lost_are_sent_again_none_twice(chain: Chain) -> None:
    serials = [f"RS-{i}" for i in range(1, 7)]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    till = chain.terminal("till-restore")
    till.apply(_sell("RS-1"))
    assert till.sync()["accepted"] == 1
    with backup(chain) as restore:
        # After the backup: two sales central accepts, then loses in the restore.
        till.apply(_sell("RS-2"), _sell("RS-3"))
        assert till.sync()["accepted"] == 2
        end_before = till.status()["feed_after"]
        restore()
        assert chain.scalar("SELECT max(seq) FROM event_feed") < end_before
        assert chain.scalar(SOLD, s="RS-2") == 0  # lost at central, settled on the till
        # The restored central sells RS-3 itself: the till's lost sale of it is a conflict.
        assert chain.post(_sell("RS-3"))[0]["ok"]
        till.apply(_sell("RS-4"))  # made while central is behind: waits

        done = till.cli("sync", check=False)
        assert done.returncode == 1 and "terminal resend" in done.stderr
        assert (till.status()["pending"], till.status()["accepted"]) == (1, 3)

        done = till.cli("terminal", "resend")
        report = json.loads(done.stdout)
        assert "sent again" in done.stderr
        sync = report["sync"]
        assert (report["resent"], report["feed_after_was"]) == (3, end_before)
        # RS-1 central still held (replayed); RS-2 and RS-4 applied; RS-3 a conflict.
        assert (sync["accepted"], sync["replayed"], sync["conflicts"], sync["pending"]) == (
            3,
            1,
            1,
            0,
        )
        # Said apart: RS-4 was waiting, never accepted, so it is not among "sent again"
        # (the words said "applied 2 again", RS-4 counted with RS-2).
        assert (report["again"], report["were_waiting"]) == (
            {"entries": 3, "replayed": 1, "applied": 1, "conflicts": 1, "refused": 0, "waiting": 0},
            {"entries": 1, "replayed": 0, "applied": 1, "conflicts": 0, "refused": 0, "waiting": 0},
        )
        assert (
            "3 of 3 accepted entries sent again; central still held 1, applied 1 again, "
            "1 conflict(s), 0 refused; 0 still waiting; of the 1 entries that were waiting, "
            "central accepted 1, 0 conflict(s), 0 refused, 0 still waiting"
        ) in done.stderr
        status = till.status()
        assert (status["pending"], status["accepted"], status["conflicts"]) == (0, 3, 1)
        assert status["link"] == "online"
        assert status["feed_after"] == chain.scalar("SELECT max(seq) FROM event_feed")

    # Each sale landed once at central: RS-3 twice is the conflict's, recorded, not applied.
    assert [chain.scalar(SOLD, s=f"RS-{i}") for i in range(1, 5)] == [1, 1, 1, 1]
    assert chain.scalar("SELECT count(*) FROM apply_outcome WHERE terminal = 'till-restore'") == 4
    assert (
        chain.scalar("SELECT serial FROM sync_conflict WHERE terminal = 'till-restore'") == "RS-3"
    )
    assert [till.unit_state(f"RS-{i}") for i in range(1, 6)] == ["sold"] * 4 + ["in_stock"]

    # Going on from central's feed: its new work reaches the till, nothing is sent again.
    assert chain.post(_sell("RS-5"))[0]["ok"]
    again = till.sync()
    assert (again["accepted"], again["replayed"], again["pending"]) == (0, 0, 0)
    assert till.unit_state("RS-5") == "sold"
    refused = till.cli("terminal", "resend", check=False)
    assert refused.returncode == 1 and "not behind" in refused.stderr
    till.check_clean()
    chain.check_clean()


def test_resend_cut_off_is_said_and_the_next_sync_goes_on(chain: Chain) -> None:
    from serialpos.config import ChainConfig
    from serialpos.db.engine import Database
    from serialpos.terminal.client import CentralClient, Offline
    from serialpos.terminal.resend import resend

    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["RC-1"]})[0]["ok"]
    till = chain.terminal("till-cut")
    till.apply(_sell("RC-1"))
    assert till.sync()["accepted"] == 1
    db = Database(till.db_url)
    try:
        with db.engine.begin() as conn:  # as if central lost its newest events
            conn.execute(
                sa.text("UPDATE sync_state SET value = '99999999' WHERE key = 'feed_after'")
            )

        class CutOff(CentralClient):
            def post_lines(self, lines: list[str]) -> list[dict[str, Any]]:
                raise Offline("central did not answer (cut in the test)")

        config = ChainConfig(chain.server.base, till.token, "S1", till.name)
        with CutOff(config.server, config.token) as client, pytest.raises(Offline) as cut:
            resend(db, config, client)
    finally:
        db.dispose()
    assert "1 accepted entries marked to send again" in cut.value.message
    assert "next `serialpos sync`" in cut.value.message and cut.value.code == "offline"
    end = chain.scalar("SELECT max(seq) FROM event_feed")
    assert (till.status()["pending"], till.status()["feed_after"]) == (1, end)
    again = till.sync()  # no longer "central behind": the entry goes, central still holds it
    assert (again["accepted"], again["replayed"], again["pending"]) == (1, 1, 0)
    assert chain.scalar(SOLD, s="RC-1") == 1
    till.check_clean()


def test_resend_counts_only_what_central_answered(chain: Chain) -> None:
    """Central answers only the first of the entries sent (its answers stop): the one it did
    not answer is still waiting, and said so, not counted among the entries sent again, nor
    is the sale that was waiting before the command."""
    from serialpos.config import ChainConfig
    from serialpos.db.engine import Database
    from serialpos.terminal.client import CentralClient
    from serialpos.terminal.resend import resend

    serials = ["RA-1", "RA-2", "RA-3"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    till = chain.terminal("till-answered")
    till.apply(_sell("RA-1"), _sell("RA-2"))
    assert till.sync()["accepted"] == 2
    till.apply(_sell("RA-3"))  # waits: never sent
    db = Database(till.db_url)
    try:
        with db.engine.begin() as conn:  # as if central lost its newest events
            conn.execute(
                sa.text("UPDATE sync_state SET value = '99999999' WHERE key = 'feed_after'")
            )

        class FirstOnly(CentralClient):
            def post_lines(self, lines: list[str]) -> list[dict[str, Any]]:
                return super().post_lines(lines[:1])  # the rest unanswered: they wait

        config = ChainConfig(chain.server.base, till.token, "S1", till.name)
        with FirstOnly(config.server, config.token) as client:
            done = resend(db, config, client)
    finally:
        db.dispose()
    assert (done.resent, done.sync.accepted, done.sync.pending) == (2, 1, 2)
    assert (done.again.entries, done.again.replayed, done.again.waiting) == (2, 1, 1)
    assert (done.were_waiting.entries, done.were_waiting.waiting) == (1, 1)
    words = done.words()
    assert "1 of 2 accepted entries sent again; central still held 1, applied 0 again" in words
    assert "1 still waiting; of the 1 entries that were waiting, central accepted 0" in words
    again = till.sync()  # the next sync sends what waits; central took RA-1..2 before
    assert (again["accepted"], again["replayed"], again["pending"]) == (2, 1, 0)
    assert [chain.scalar(SOLD, s=s) for s in serials] == [1, 1, 1]
    till.check_clean()


def test_what_central_made_after_its_restore_reaches_the_till(chain: Chain) -> None:
    """Central restored, then its new events carry its feed past the till's cursor (no
    longer "behind"): the till used to pull on from its cursor and never saw the events
    numbered between central's restored end and it. It now tells by the last event it
    applied (terminal/feed_memory.py), says so, and ``terminal resend`` re-reads the feed
    from where the two histories part: every unit of the store reads as central has it."""
    serials = [f"RG-{i}" for i in range(1, 5)]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    till = chain.terminal("till-regress")
    till.apply(_sell("RG-1"))
    assert till.sync()["accepted"] == 1
    with backup(chain) as restore:
        till.apply(_sell("RG-2"))  # accepted, then lost in the restore
        assert till.sync()["accepted"] == 1
        cursor = till.status()["feed_after"]
        restore()
        end = chain.scalar("SELECT max(seq) FROM event_feed")
        # After the restore: a host sells RG-3 and receives enough to pass the till's cursor.
        assert chain.post(_sell("RG-3"))[0]["ok"]
        new = [f"RN-{i}" for i in range(cursor - end + 1)]
        assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": new})[0]["ok"]
        assert chain.scalar("SELECT max(seq) FROM event_feed") > cursor  # not behind

        told = till.cli("sync", check=False)
        assert told.returncode == 1 and "is not the one this terminal applied" in told.stderr
        assert till.unit_state("RG-3") == "in_stock"  # nothing pulled meanwhile

        done = till.cli("terminal", "resend")
        report = json.loads(done.stdout)
        assert report["pulled_after"] is not None and report["pulled_after"] <= end
        assert "feed read again after event" in done.stderr
    assert report["sync"]["accepted"] - report["sync"]["replayed"] == 1  # RG-2 again
    # Read and closed at once: a connection left checked out stays idle in a transaction
    # holding its read lock, and the next test's restore (a TRUNCATE) waited on it forever.
    with chain.server.db.engine.connect() as conn:
        at_central = dict(
            conn.execute(
                sa.text(
                    "SELECT u.serial, u.state FROM serial_unit u JOIN store s "
                    "ON s.id = u.store_id "
                    "WHERE s.code = 'S1' AND (u.serial LIKE 'RG-%' OR u.serial LIKE 'RN-%')"
                )
            ).all()
        )
    here = dict(till.query("SELECT serial, state FROM serial_unit WHERE serial LIKE 'R_-%'"))
    assert {s: here.get(s) for s in at_central} == at_central
    assert (at_central["RG-2"], at_central["RG-3"], at_central["RG-4"]) == ("sold",) * 2 + (
        "in_stock",
    )
    again = till.sync()  # and on from there as ever
    assert (again["pending"], again["pulled"]) == (0, 0)
    till.check_clean()


def test_a_restore_still_behind_is_pulled_from_where_histories_part(chain: Chain) -> None:
    """Central behind the till at resend (the case ``resend`` was made for): what central
    made after its restore, numbered at or below its end, used to be skipped by setting the
    cursor to that end; now it reaches the till."""
    assert chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["RB-1", "RB-2", "RB-3"]}
    )[0]["ok"]
    till = chain.terminal("till-behind")
    till.apply(_sell("RB-1"))
    assert till.sync()["accepted"] == 1
    with backup(chain) as restore:
        lost = {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["RX-1", "RX-2"]}
        assert chain.post(lost)[0]["ok"]  # pulled by the till, then lost at central
        till.apply(_sell("RB-2"))
        assert till.sync()["accepted"] == 1
        restore()
        assert chain.post(_sell("RB-3"))[0]["ok"]  # made at central before the resend
        assert chain.scalar("SELECT max(seq) FROM event_feed") < till.status()["feed_after"]
        till.cli("terminal", "resend")
    assert till.unit_state("RB-3") == "sold"
    assert till.unit_state("RB-2") == chain.scalar(SOLD, s="RB-2") * "sold" == "sold"
    till.check_clean()


def test_a_till_that_pulled_only_lost_events_falls_back_to_its_snapshot(chain: Chain) -> None:
    """The new-user walk of issue 16: a till set up, then pulling only events the restore
    lost, remembered no event central still has; ``terminal resend`` went on from central's
    end and never pulled the sales central made after its restore. The snapshot's own point
    (remembered at ``terminal init``) is where the histories part now: they are pulled."""
    kept = ["RW-1", "RW-2", "RW-3"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": kept})[0]["ok"]
    till = chain.terminal("till-walk")  # its snapshot holds RW-1..3 in stock
    start = till.status()["feed_after"]
    with backup(chain) as restore:
        lost = {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["RL-1", "RL-2"]}
        assert chain.post(lost)[0]["ok"]
        assert till.sync()["pulled"] == 2  # the only events it pulled: lost below
        cursor = till.status()["feed_after"]
        restore()
        # Central sells what the till holds from its snapshot, past the till's cursor.
        assert chain.post(_sell("RW-1"), _sell("RW-2"))[0]["ok"]
        end = chain.scalar("SELECT max(seq) FROM event_feed")
        new = [f"RM-{i}" for i in range(cursor - end + 1)]
        assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": new})[0]["ok"]
        assert chain.scalar("SELECT max(seq) FROM event_feed") > cursor

        told = till.cli("sync", check=False)
        assert told.returncode == 1 and "is not the one this terminal applied" in told.stderr
        done = till.cli("terminal", "resend")
        report = json.loads(done.stdout)
    assert report["pulled_after"] is not None and report["pulled_after"] <= start
    assert "feed read again after event" in done.stderr
    assert report["sync"]["pulled"] == 2 + len(new)  # each new event once
    assert [till.unit_state(s) for s in kept] == ["sold", "sold", "in_stock"]
    assert all(till.unit_state(s) == "in_stock" for s in new)
    again = till.sync()
    assert (again["pending"], again["pulled"]) == (0, 0)
    till.check_clean()


@pytest.mark.parametrize("made", [1, 3])
def test_a_store_with_no_events_at_its_snapshot_falls_back_to_the_start(
    chain: Chain, made: int
) -> None:
    """A till set up for a store that had no event yet (its snapshot's ``feed_event`` is
    none, kept as ``snapshot_event`` ``none``) pulls events the restore then loses:
    ``terminal resend`` finds none of them at central and reads the store's feed again from
    0 — every event central made at the store after its restore is pulled, once, whether
    those leave central behind the till (``made`` 1) or past it (3)."""
    from serialpos.services import stores
    from serialpos.services.context import SYSTEM

    store = f"S7{made}"
    stores.add_store(chain.server.db, SYSTEM, store, "Quiet Lane")
    till = chain.terminal(f"till-empty-{made}", store=store)
    assert till.query("SELECT value FROM sync_state WHERE key = 'snapshot_event'") == [("none",)]
    # central's feed's end (0 when this test runs alone: no event at all yet)
    assert till.status()["feed_after"] == (chain.scalar("SELECT max(seq) FROM event_feed") or 0)
    with backup(chain) as restore:
        lost = [f"EL-{made}-{i}" for i in (1, 2)]
        assert chain.post({"op": "receive", "store": store, "sku": "PH1", "serials": lost})[0]["ok"]
        assert till.sync()["pulled"] == 2  # the only events it pulled: lost below
        cursor = till.status()["feed_after"]
        restore()
        new = [f"EN-{made}-{i}" for i in range(made)]
        assert chain.post({"op": "receive", "store": store, "sku": "PH1", "serials": new})[0]["ok"]
        assert (chain.scalar("SELECT max(seq) FROM event_feed") > cursor) == (made == 3)

        told = till.cli("sync", check=False)
        said = "is not the one this terminal applied" if made == 3 else "older backup"
        assert told.returncode == 1 and said in told.stderr
        done = till.cli("terminal", "resend")
        report = json.loads(done.stdout)
    assert "feed read again after event 0" in done.stderr
    assert (report["pulled_after"], report["sync"]["pulled"]) == (0, made)
    assert [till.unit_state(s) for s in new] == ["in_stock"] * made
    assert till.status()["feed_after"] == chain.scalar("SELECT max(seq) FROM event_feed")
    # On from there: central's next event is pulled once, none again.
    assert chain.post(_sell(new[0]) | {"store": store})[0]["ok"]
    again = till.sync()
    assert (again["pending"], again["pulled"]) == (0, 1)
    assert till.unit_state(new[0]) == "sold"
    assert till.sync()["pulled"] == 0
    till.check_clean()
