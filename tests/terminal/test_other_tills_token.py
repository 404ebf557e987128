"""A till given another till's token (of another store) is told so at its first read of
central, before it compares central's feed with its own: ``other_terminal``, never
"central restored from an older backup", and neither ``sync`` nor ``terminal resend``
changes its journal or its feed cursor (issue 16, "Bad input").

Before, the till read the other store's feed, said ``central_behind`` and told the person
to run ``terminal resend``, which marked its accepted entries pending again and moved its
cursor; only then did the push say ``other_terminal``."""

from __future__ import annotations

from typing import Any

from terminal_chain import Chain, Terminal


def _journal(till: Terminal) -> list[tuple[Any, ...]]:
    return till.query("SELECT id, state, answer FROM journal_entry ORDER BY seq")


def _cursors(till: Terminal) -> list[tuple[Any, ...]]:
    return till.query(
        "SELECT key, value FROM sync_state WHERE key IN ('feed_after', 'away_after') ORDER BY key"
    )


def _said_other_terminal(done: Any, other: Terminal) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"this token belongs to terminal {other.name}" in done.stderr, done.stderr
    assert "resend" not in done.stderr and "backup" not in done.stderr, done.stderr


def test_another_stores_till_token_is_said_before_central_behind(chain: Chain) -> None:
    serials = [f"OT-{n}" for n in range(1, 6)]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    assert chain.post({"op": "receive", "store": "S2", "sku": "PH1", "serial": "OT-S2"})[0]["ok"]
    till = chain.terminal("till-ot-a")
    other = chain.terminal("till-ot-c", store="S2")
    # Till A sells, syncs (entries accepted, the feed pulled and remembered), sells again.
    for serial in serials[:3]:
        assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    assert till.sync()["accepted"] == 3
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "OT-6"})[0]["ok"]
    assert till.sync()["pulled"] >= 1
    assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "OT-4"})[0]["ok"]
    assert till.status()["feed_after"] > 0
    journal_before, cursors_before = _journal(till), _cursors(till)

    real = till.config.read_text()
    till.config.write_text(real.replace(till.token, other.token))

    # With an entry waiting: the check before the push.
    _said_other_terminal(till.cli("sync", check=False), other)
    status = till.status()
    assert status["link_refusal"]["code"] == "other_terminal", status
    assert (status["pending"], status["accepted"]) == (1, 3)
    assert _journal(till) == journal_before and _cursors(till) == cursors_before

    # `terminal resend` (what the till used to tell the person to run) changes nothing.
    _said_other_terminal(till.cli("terminal", "resend", check=False), other)
    assert _journal(till) == journal_before and _cursors(till) == cursors_before

    # With nothing waiting: the pull's first read says it as well.
    till.config.write_text(real)
    assert till.sync()["accepted"] == 1
    journal_before, cursors_before = _journal(till), _cursors(till)
    till.config.write_text(real.replace(till.token, other.token))
    _said_other_terminal(till.cli("sync", check=False), other)
    assert till.status()["link_refusal"]["code"] == "other_terminal"
    assert _journal(till) == journal_before and _cursors(till) == cursors_before
    assert till.unit_state("OT-S2") is None  # nothing of the other store's feed taken

    # Its own token again: the till syncs as before, nothing lost.
    till.config.write_text(real)
    report = till.sync()
    assert (report["pending"], report["refused"]) == (0, 0)
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'OT-4'") == "sold"
    till.check_clean()
