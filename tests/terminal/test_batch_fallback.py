"""A batch of a terminal's entries whose transaction fails as a whole (services/entries.py
``apply_entries``): central falls back to the first entry alone, so one entry's failure
costs only its own verdict, and every other entry is still answered, exactly once.

The failure is a real one on the real PostgreSQL: a deferred constraint trigger installed in
the test's schema that raises at COMMIT when a ledger event names serial BOOM-1. A deferred
trigger runs only as the transaction commits, after every entry's savepoint was released, so
the whole batch's commit fails: exactly the case no savepoint can contain."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from terminal_chain import Chain

BOOM = "BOOM-1"


def install_boom(chain: Chain, serial: str) -> None:
    """A deferred trigger failing the commit of any transaction that records ``serial``."""
    with chain.server.db.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION test_boom_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF NEW.serial = '{serial}' THEN "
            "RAISE EXCEPTION 'test trigger: %% refused at commit', NEW.serial; END IF; "
            "RETURN NULL; END $$"
        )
        conn.exec_driver_sql(
            "CREATE CONSTRAINT TRIGGER test_boom AFTER INSERT ON ledger_event "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_boom_at_commit()"
        )


@pytest.fixture
def cleanup(chain: Chain) -> Iterator[None]:
    try:
        yield
    finally:
        drop_boom(chain)


def drop_boom(chain: Chain) -> None:
    with chain.server.db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS test_boom ON ledger_event")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS test_boom_at_commit()")


def _entry(terminal: str, seq: int, serial: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "op": "sell",
        "store": "S1",
        "sku": "PH1",
        "serial": serial,
        "journal": {"terminal": terminal, "seq": seq, "user": "mia"},
    }


def _post(chain: Chain, token: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{chain.server.base}/v1/apply",
        content="".join(json.dumps(x) + "\n" for x in lines).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return [json.loads(x) for x in response.text.splitlines()]


def _outcomes(chain: Chain, ids: list[str]) -> dict[str, int]:
    return {
        key: chain.scalar("SELECT count(*) FROM apply_outcome WHERE id = :k", k=key) for key in ids
    }


def test_a_failed_batch_falls_back_and_answers_every_other_entry_once(
    chain: Chain, cleanup: None
) -> None:
    serials = ["BF-1", "BF-2", BOOM, "BF-4", "BF-5"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    install_boom(chain, BOOM)
    till = chain.terminal("till-boom")
    lines = [_entry(till.name, n, s) for n, s in enumerate(serials, start=1)]
    events_before = chain.scalar("SELECT count(*) FROM ledger_event")

    verdicts = _post(chain, till.token, lines)

    assert [v["line"] for v in verdicts] == [1, 2, 3, 4, 5]
    assert [v["id"] for v in verdicts] == [x["id"] for x in lines]
    by_serial = dict(zip(serials, verdicts, strict=True))
    failed = by_serial.pop(BOOM)
    assert not failed["ok"] and failed["error"] == "database_error"
    assert "refused at commit" in failed["message"]
    assert all(v["ok"] and "replayed" not in v for v in by_serial.values()), by_serial
    # Each other entry applied exactly once; the failed one left nothing behind.
    ids = [x["id"] for x in lines]
    assert _outcomes(chain, ids) == {key: int(key != lines[2]["id"]) for key in ids}
    assert chain.scalar("SELECT count(*) FROM ledger_event") == events_before + 4
    states = {
        s: chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=s) for s in serials
    }
    assert states == {s: ("in_stock" if s == BOOM else "sold") for s in serials}
    assert chain.scalar("SELECT count(*) FROM sync_conflict WHERE terminal = 'till-boom'") == 0

    # Resent whole (the terminal's retry): the four replay their verdicts, the failed one
    # fails again; still nothing applied twice.
    again = _post(chain, till.token, lines)
    assert [v.get("replayed", False) for v in again] == [True, True, False, True, True]
    assert again[2]["error"] == "database_error"
    assert chain.scalar("SELECT count(*) FROM ledger_event") == events_before + 4

    # The cause removed, the resend applies the last one, once, and replays the others.
    drop_boom(chain)
    last = _post(chain, till.token, lines)
    assert [v["ok"] for v in last] == [True] * 5
    assert [v.get("replayed", False) for v in last] == [True, True, False, True, True]
    assert _outcomes(chain, ids) == dict.fromkeys(ids, 1)
    assert chain.scalar("SELECT count(*) FROM ledger_event") == events_before + 5
    chain.check_clean()


def test_a_terminals_push_keeps_the_failed_entry_pending(chain: Chain, cleanup: None) -> None:
    """The same through a terminal: its sync settles every entry but the failed one, which
    stays pending and is applied once by the push after the cause is gone."""
    serials = ["BT-1", "BOOM-2", "BT-3"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    install_boom(chain, "BOOM-2")
    till = chain.terminal("till-boom-2")
    for serial in serials:
        [sold] = till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": serial})
        assert sold["ok"]
    first = till.sync()
    assert (first["accepted"], first["retry"], first["pending"]) == (2, 1, 1)
    assert till.status()["pending"] == 1
    drop_boom(chain)
    second = till.sync()
    assert (second["accepted"], second["retry"], second["pending"]) == (1, 0, 0)
    sells = chain.scalar(
        "SELECT count(*) FROM ledger_event WHERE action = 'sell' AND terminal = 'till-boom-2'"
    )
    assert sells == 3
    for db in (till, chain):
        db.check_clean()
