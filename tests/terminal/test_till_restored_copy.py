"""A till restored from an older copy of its database (issue 16, "a till restored from an
older copy: clear message, nothing recorded is lost"; migration 0040). Real processes:
``serialpos serve`` on loopback over PostgreSQL, the till's CLI over its SQLite, the copy
made and put back with SQLite's backup, as a restore would.

The restored till numbers its journal and its documents again from the copy's end: its
next sale takes entry and order numbers central holds for the sale made after the copy.
Before, central refused it ``number_taken``, the till settled it as refused and put the
unit back in stock while the customer had it: the sale lost. Now central answers
``journal_rewound`` (services/journal_rewinds.py), the till keeps the entry pending, says
what happened and what to do (sync's stderr, ``terminal status``), and the sales after it
go on."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from terminal_chain import Chain

SOLD = "SELECT count(*) FROM ledger_event WHERE action = 'sell' AND serial = :s"
LAST = "SELECT max(journal_seq) FROM apply_outcome WHERE terminal = :t"


def _sell(serial: str) -> dict[str, object]:
    return {"op": "sell", "store": "S1", "sku": "PH1", "serial": serial}


def _backup(source: Path, target: Path) -> None:
    """``source`` copied whole into ``target`` (SQLite's online backup: the WAL too)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def test_a_till_restored_from_an_older_copy_loses_no_sale(chain: Chain) -> None:
    serials = [f"RC-{i}" for i in range(1, 6)]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    till = chain.terminal("till-restore")
    till.apply(_sell("RC-1"), _sell("RC-2"))
    assert till.sync()["accepted"] == 2
    database = till.folder / "terminal.sqlite"
    copy = till.folder / "terminal.copy"
    _backup(database, copy)  # the till's nightly copy
    [after] = till.apply(_sell("RC-3"))
    assert till.sync()["accepted"] == 1
    # Central keeps the till's journal numbers with the ids: how far it has sent.
    assert chain.scalar(LAST, t="till-restore") == after["entry_seq"]

    # The disk fails; the till is restored from the copy: its journal ends at the copy's.
    _backup(copy, database)
    [rewound] = till.apply(_sell("RC-4"))
    assert rewound["ok"] and rewound["entry_seq"] == after["entry_seq"], rewound
    done = till.cli("sync", check=False)
    assert done.returncode != 0, done.stdout
    said = done.stderr
    assert f"central did not take journal entry {rewound['entry_seq']} of this till" in said, said
    assert "kept here waiting (nothing lost)" in said, said
    assert "restored from an older copy" in said and "What to do:" in said, said
    assert "serialpos terminal init with a new --terminal" in said, said
    status = till.status()
    assert status["pending"] == 1 and status["refused"] == 0, status
    assert status["link"] == "refused", status
    assert status["link_refusal"]["code"] == "journal_rewound", status
    assert "number_taken" in status["link_refusal"]["message"], status  # the refusal named
    assert till.unit_state("RC-4") == "sold"  # the customer's, not put back in stock
    # Central kept what it took and applied nothing of the rewound entry.
    assert [chain.scalar(SOLD, s=s) for s in serials] == [1, 1, 1, 0, 0]

    # The till sells on: its next entry is past central's numbers, taken; the rewound one
    # still waits, said again, never settled as refused (its sale would be put back here).
    [later] = till.apply(_sell("RC-5"))
    assert later["entry_seq"] == rewound["entry_seq"] + 1, later
    again = till.cli("sync", check=False)
    assert again.returncode != 0 and "journal rewound" in again.stderr, again.stderr
    assert chain.scalar(SOLD, s="RC-5") == 1
    status = till.status()
    assert (status["pending"], status["refused"]) == (1, 0), status
    pending = till.query("SELECT line FROM journal_entry WHERE state = 'pending'")
    assert [json.loads(line)["serial"] for (line,) in pending] == ["RC-4"]
    # What a person makes again elsewhere, and why it waits: central's answer, kept.
    [waiting] = json.loads(till.cli("terminal", "pending").stdout)
    assert waiting["line"]["serial"] == "RC-4", waiting
    assert waiting["answer"]["error"] == "journal_rewound", waiting
    assert "What to do:" in waiting["answer"]["message"], waiting
    assert till.unit_state("RC-4") == "sold"
    assert chain.scalar(SOLD, s="RC-4") == 0
