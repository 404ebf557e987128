"""Central restored from an older backup: the till says "central behind", keeps its journal,
and ``serialpos terminal resend`` sends again the entries central lost, none twice
(terminal/resend.py). Real processes: ``serialpos serve`` on PostgreSQL, the till's CLI."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

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
    import pytest

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
