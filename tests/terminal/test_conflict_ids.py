"""A conflict is its journal entry's, not its number's (issue 16). Found by a new-user walk:
two tills sold offline, central recorded their conflicts, was restored from an older backup,
and numbered its conflicts afresh after ``terminal resend``; the losing till's card said
"conflict #N" while central's #N was another till's sale, ``terminal status`` counted a
conflict central no longer held, and ``conflicts resolve N`` at that till resolved the other
till's conflict. Real processes: ``serialpos serve`` on PostgreSQL, the tills' CLI."""

from __future__ import annotations

import json

import pytest
from terminal_chain import Chain, Terminal
from test_central_restore import SOLD, backup

from serialpos.terminal.client import CentralRefused


def _sell(serial: str) -> dict[str, object]:
    return {"op": "sell", "store": "S1", "sku": "PH1", "serial": serial}


def _conflict_entries(till: Terminal) -> list[str]:
    return [str(r[0]) for r in till.query("SELECT id FROM journal_entry WHERE state = 'conflict'")]


def _at_central(chain: Chain, till: Terminal) -> int:
    found = chain.scalar("SELECT count(*) FROM sync_conflict WHERE terminal = :t", t=till.name)
    return int(found)


def test_conflict_numbers_survive_a_restore_and_resend(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["CI-1", "CI-5"]})[
        0
    ]["ok"]
    first, second = chain.terminal("till-ci-a"), chain.terminal("till-ci-b")
    with backup(chain) as restore:
        # Offline, both tills sell CI-1; the first sells CI-5 too. The second loses CI-1.
        first.apply(_sell("CI-1"), _sell("CI-5"))
        second.apply(_sell("CI-1"))
        assert first.sync()["accepted"] == 2
        assert second.sync()["conflicts"] == 1
        [entry] = _conflict_entries(second)
        lost = chain.scalar("SELECT id FROM sync_conflict WHERE entry_id = :e", e=entry)
        restore()  # central loses both sales and the conflict
        # Central sells CI-5 itself after its restore: the first till's lost sale of it
        # comes back a conflict when it is sent again, under the number handed out again.
        assert chain.post(_sell("CI-5"))[0]["ok"]
        first.cli("terminal", "resend")
        theirs = chain.scalar("SELECT id FROM sync_conflict WHERE terminal = :t", t=first.name)
        assert theirs == lost  # the number the second till still shows for CI-1

        # The second till's list shows central's #N as it is (the first till's CI-5), not
        # its own copy of CI-1 under that number, and says what central lost.
        shown = second.cli("conflicts", "list", "--json")
        listed = {c["id"]: c for c in json.loads(shown.stdout)}
        assert (listed[lost]["serial"], listed[lost]["terminal"]) == ("CI-5", first.name)
        assert "terminal resend" in shown.stderr
        # Resolving "its" conflict by that number resolves nothing, and says why.
        done = second.cli(
            "--user", "mia", "conflicts", "resolve", str(lost), "--by", "accept", check=False
        )
        assert done.returncode == 1 and "another journal entry's" in done.stderr, done.stderr
        at = "SELECT status FROM sync_conflict WHERE id = :i"
        assert chain.scalar(at, i=lost) == "open"  # the first till's, for its manager

        done = second.cli("terminal", "resend")
        assert "1 conflict(s) central had lost recorded again" in done.stderr

    # Recorded again, not applied: CI-1 is sold once at central, by the first till.
    number = chain.scalar("SELECT id FROM sync_conflict WHERE entry_id = :e", e=entry)
    assert number is not None and number != lost
    assert chain.scalar(SOLD, s="CI-1") == 1
    # The second till's card, list and count are central's.
    [card] = json.loads(second.cli("serial", "show", "CI-1", "--json").stdout)
    assert card["sale"]["central"] == f"conflict #{number}"
    listed = json.loads(second.cli("conflicts", "list", "--json").stdout)
    mine = [
        (c["id"], c["entry"]["id"], c["serial"]) for c in listed if c["terminal"] == second.name
    ]
    assert mine == [(number, entry, "CI-1")]
    assert second.status()["conflicts"] == _at_central(chain, second) == 1
    assert first.status()["conflicts"] == _at_central(chain, first) == 1
    [card] = json.loads(first.cli("serial", "show", "CI-5", "--json").stdout)
    assert card["sale"]["central"] == f"conflict #{lost}"
    # The number it shows now resolves its own conflict.
    done = second.cli("--user", "mia", "conflicts", "resolve", str(number), "--by", "accept")
    assert json.loads(done.stdout)["entry"]["id"] == entry
    assert chain.scalar(at, i=number) == "resolved" and chain.scalar(at, i=lost) == "open"
    first.check_clean()
    second.check_clean()
    chain.check_clean()


def test_a_lost_conflict_is_recorded_again_never_applied(chain: Chain) -> None:
    """The losing till runs ``resend`` before the winner: the unit is free again at the
    restored central, and the loser's sale is still recorded as a conflict, not applied
    (which sale stands must not depend on which till resends first); sent again, central
    answers from what it holds, and each entry keeps exactly one conflict record."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "CJ-1"})[0]["ok"]
    winner, loser = chain.terminal("till-cj-a"), chain.terminal("till-cj-b")
    with backup(chain) as restore:
        winner.apply(_sell("CJ-1"))
        loser.apply(_sell("CJ-1"))
        assert winner.sync()["accepted"] == 1 and loser.sync()["conflicts"] == 1
        [entry] = _conflict_entries(loser)
        restore()
        loser.cli("terminal", "resend")
        assert chain.scalar(SOLD, s="CJ-1") == 0  # recorded, not applied
        number = chain.scalar("SELECT id FROM sync_conflict WHERE entry_id = :e", e=entry)
        assert number is not None and loser.unit_state("CJ-1") == "sold"
        winner.cli("terminal", "resend")
    assert chain.scalar(SOLD, s="CJ-1") == 1  # the winner's sale, as before the restore
    sold_by = "SELECT terminal FROM ledger_event WHERE action = 'sell' AND serial = 'CJ-1'"
    assert chain.scalar(sold_by) == winner.name
    assert (winner.status()["conflicts"], loser.status()["conflicts"]) == (0, 1)
    # What stands is the winner's sale, resent after the conflict was recorded again: at
    # central and on the losing till (which keeps its own copy of the conflict).
    shown = loser.cli("conflicts", "show", str(number)).stdout
    assert f"stands: sell by mia at {winner.name}" in shown, shown

    from serialpos.config import ChainConfig
    from serialpos.db.engine import Database
    from serialpos.terminal.central_conflicts import record_again
    from serialpos.terminal.client import CentralClient

    config = ChainConfig(chain.server.base, loser.token, "S1", loser.name)
    db = Database(loser.db_url)
    try:
        with CentralClient(config.server, config.token) as client:
            assert record_again(db, client) == 0  # central holds it: answered as it was
            with pytest.raises(CentralRefused) as refused:
                client.post_json("/v1/conflicts", {"entries": "none"})
            [bad] = client.post_json(
                "/v1/conflicts", {"entries": [{"line": "{}", "error": "bogus", "message": ""}]}
            )["verdicts"]
    finally:
        db.dispose()
    assert refused.value.code == "bad_request" and bad["error"] == "bad_request"
    assert chain.scalar("SELECT count(*) FROM sync_conflict WHERE entry_id = :e", e=entry) == 1
    [card] = json.loads(loser.cli("serial", "show", "CJ-1", "--json").stdout)
    assert card["sale"]["central"] == f"conflict #{number}"
    winner.check_clean()
    loser.check_clean()
    chain.check_clean()
