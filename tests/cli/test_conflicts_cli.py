"""``serialpos conflicts show`` at central: words for people, like every other ``show``, and
the conflict as JSON with ``--json`` (it printed JSON without being asked); and a resolution
that names its journal entry is refused when the number is another entry's conflict."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from test_cli_core import Cli, phone_central

from serialpos.domain.states import Action
from serialpos.services import apply as apply_service
from serialpos.services import conflicts, entries, ledger, snapshot, users


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Cli, int, str]:
    """A till's offline sale of SN-1, sold at central meanwhile: conflict (its number, its
    entry)."""
    cli = Cli(tmp_path)
    db, ada = phone_central(cli)
    try:
        ledger.move(db, ada, Action.RECEIVE, store="S1", sku="PH1", serials=["SN-1", "SN-2"])
        line = {"op": "sell", "store": "S1", "sku": "PH1", "serial": "SN-1"}
        assert apply_service.apply_object(db, ada, line)["ok"]
        token = users.actor_for(db, "ada", f"api-{uuid.uuid4().hex[:6]}")
        snapshot.link(db, token, "S1", "till-9")
        entry = str(uuid.uuid4())
        data = {"id": entry, **line, "journal": {"terminal": "till-9", "seq": 1}}
        verdict = entries.apply_entry(db, token, data, apply_service.apply_object)
    finally:
        db.dispose()
    assert verdict["error"] == "sync_conflict", verdict
    return cli, int(verdict["conflict"]["id"]), entry


def test_show_says_it_in_words_and_json_when_asked(recorded: tuple[Cli, int, str]) -> None:
    cli, number, entry = recorded
    words = cli("conflicts", "show", str(number)).stdout
    lines = words.splitlines()
    assert lines[0] == f"conflict {number}: open, PH1 SN-1 at S1"
    assert lines[1].startswith("  why: already_sold: ") and "SN-1" in lines[1]
    assert lines[2].startswith("  stands: sell by ada at central, ")
    assert lines[3].startswith(f"  not applied: sell #1 from terminal till-9 (entry {entry}")
    assert not words.lstrip().startswith("{")
    shown = cli.json("conflicts", "show", str(number))
    listed = cli.json("conflicts", "list")
    assert shown == listed[0] and shown["entry"]["id"] == entry  # as list and the API give it
    cli("--user", "ada", "conflicts", "resolve", str(number), "--by", "accept", "--note", "ok")
    words = cli("conflicts", "show", str(number)).stdout
    assert f"conflict {number}: resolved" in words
    assert "  resolved: accept by ada at " in words and words.rstrip().endswith(": ok")


def test_a_resolution_naming_another_entry_is_refused(recorded: tuple[Cli, int, str]) -> None:
    from serialpos.services.apply.dispatch import apply_object

    cli, number, entry = recorded
    db = cli.database()
    try:
        ada = users.actor_for(db, "ada", "central")
        with pytest.raises(conflicts.OtherEntrysConflict) as refused:
            conflicts.resolve(db, ada, number, "accept", None, apply_object, "lost-entry")
        assert f"conflict {number} is now PH1 SN-1 at S1" in refused.value.message
        assert "terminal resend" in refused.value.message
        assert conflicts.show(db, number)["status"] == "open"
        done = conflicts.resolve(db, ada, number, "accept", None, apply_object, entry)
        assert done["status"] == "resolved"
    finally:
        db.dispose()


def test_the_list_reads_at_80_columns(recorded: tuple[Cli, int, str]) -> None:
    """The walk's table at 80 columns: eight columns left the message 9 characters wide, a
    word a row. The store, terminal and error lead the message's lines now; the message
    keeps its words together."""
    cli, number, _entry = recorded
    cli.env["COLUMNS"] = "80"
    table = cli("conflicts", "list").stdout
    assert max(len(line) for line in table.splitlines()) <= 80, table
    rows = [line for line in table.splitlines() if line.startswith("│")]
    assert any(f"│ {number} " in row and "SN-1" in row and "S1 from till-9" in row for row in rows)
    assert "(already_sold)" in table, table
    message = " ".join(row.split("│")[-2].strip() for row in rows)
    assert "is already sold" in message, table
    assert len(rows) <= 6, table  # the message in a few rows, not one word each
