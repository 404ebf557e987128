"""Central restored from an older backup, seen by every way a till pushes and by a till that
remembers no event of its store (issue 16's review): ``apply --push``, the console's sale
confirmation, ``terminal resend`` with a changed entry, and a quiet store's till. Real
processes: ``serialpos serve`` on PostgreSQL, the till's CLI (terminal_chain.py), central
restored as test_central_restore.py does."""

from __future__ import annotations

import json

import sqlalchemy as sa
from terminal_chain import Chain, Terminal
from test_central_restore import SOLD, _sell, backup


def _change_line(till: Terminal, entry: str, old: str, new: str) -> None:
    """Someone edits the entry's line in the till's SQLite (its seal no longer matches)."""
    engine = sa.create_engine(till.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE journal_entry SET line = replace(line, :o, :n) WHERE id = :i"),
                {"o": old, "n": new, "i": entry},
            )
    finally:
        engine.dispose()


def test_resend_names_a_changed_entry_and_exits_1(chain: Chain) -> None:
    """``terminal resend`` refuses a changed entry unsent as ``sync`` does, and says it as
    ``sync`` does: the entry named on stderr, exit 1 (it printed its JSON and exited 0, the
    entry named nowhere but inside the JSON)."""
    serials = ["RT-1", "RT-2", "RT-3", "RT-4"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    till = chain.terminal("till-resend-changed")
    till.apply(_sell("RT-1"))
    assert till.sync()["accepted"] == 1
    with backup(chain) as restore:
        till.apply(_sell("RT-2"))
        assert till.sync()["accepted"] == 1  # lost in the restore
        restore()
        changed = till.apply(_sell("RT-3"))[0]  # waits: central is behind
        assert till.cli("sync", check=False).returncode == 1
        _change_line(till, changed["entry"], "RT-3", "RT-4")

        done = till.cli("terminal", "resend", check=False)
    assert done.returncode == 1, done.stderr
    assert f"refused: journal entry {changed['entry_seq']} ({changed['entry']}" in done.stderr
    report = json.loads(done.stdout)  # what central answered is still printed
    assert (report["resent"], report["sync"]["refused"], report["sync"]["pending"]) == (2, 1, 0)
    assert [chain.scalar(SOLD, s=s) for s in serials] == [1, 1, 0, 0]
    assert [till.unit_state(s) for s in serials] == ["sold", "sold", "in_stock", "in_stock"]
