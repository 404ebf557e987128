"""Central keeps each till's last journal number (migration 0040, ``terminal_link.last_seq``)
and names a gap or a rewind in the verdict of the entry that shows it, applying the entry all
the same (services/till_seqs.py). Before, central kept entries by id only: a till restored
from an older copy of its database numbered again what central had taken, and entries that
never reached central left no trace there. Real processes: ``serialpos serve`` on
PostgreSQL, the till's CLI; a till's SQLite copied and put back as a restore does."""

from __future__ import annotations

import shutil
import uuid

from terminal_chain import Chain

from serialpos.db.engine import Database
from serialpos.services import apply as apply_service
from serialpos.services import entries, snapshot, users

LAST = "SELECT last_seq FROM terminal_link WHERE terminal_id = :t"
SOLD = "SELECT count(*) FROM ledger_event WHERE action = 'sell' AND serial = :s"


def _sell(serial: str) -> dict[str, object]:
    return {"op": "sell", "store": "S1", "sku": "PH1", "serial": serial}


def test_central_keeps_how_far_a_till_sent_and_names_a_rewind(chain: Chain) -> None:
    serials = [f"LS-{i}" for i in range(1, 5)]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    till = chain.terminal("till-seq")
    till.apply(_sell("LS-1"), _sell("LS-2"))
    assert till.sync()["accepted"] == 2
    sent = till.query("SELECT max(seq) FROM journal_entry")[0][0]
    assert chain.scalar(LAST, t="till-seq") == sent  # central: till-seq sent up to 2

    copy = till.folder / "terminal.copy"
    shutil.copy(till.folder / "terminal.sqlite", copy)  # the till's backup
    till.apply(_sell("LS-3"))
    assert till.sync()["accepted"] == 1
    assert chain.scalar(LAST, t="till-seq") == sent + 1

    # The till's disk is restored from the copy: its journal ends at entry 2 again, and its
    # next sale is numbered 3, a number central took for LS-3.
    shutil.copy(copy, till.folder / "terminal.sqlite")
    [made] = till.apply(_sell("LS-4"))
    assert made["ok"] and made["entry_seq"] == sent + 1, made
    done = till.cli("sync", check=False)
    # Refused with the journal kept (before: applied as a new sale numbered S1-…-000003,
    # refused number_taken, and LS-4 put back in stock here: the sale lost).
    assert done.returncode == 1, done.stdout
    assert (
        f"central has entries of terminal till-seq up to {sent + 1}; this new entry is "
        f"numbered {sent + 1}, a number central took for another entry of it (rewound)"
    ) in done.stderr, done.stderr
    assert "Nothing applied" in done.stderr and "number_taken" not in done.stderr
    status = till.status()
    assert status["pending"] == 1 and status["refused"] == 0, status
    assert status["link_refusal"]["code"] == "journal_rewound", status
    assert till.unit_state("LS-4") == "sold"  # the customer's, still
    # Central: what it took stays, nothing of the rewound entry, the number as it was.
    assert [chain.scalar(SOLD, s=s) for s in serials] == [1, 1, 1, 0]
    assert chain.scalar(LAST, t="till-seq") == sent + 1


def test_a_gap_is_named_and_the_entry_applied(chain: Chain) -> None:
    """Entries 2 and 3 of a till never reach central (a journal that lost them): entry 4 is
    applied with the gap named; a new entry numbered 2 after it is a rewind, refused with
    nothing kept."""
    db: Database = chain.server.db
    assert chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["GP-1", "GP-2", "GP-3"]}
    )[0]["ok"]
    token = users.actor_for(db, "mia", f"api-{uuid.uuid4().hex[:6]}")
    snapshot.link(db, token, "S1", "till-gap")

    def push(seq: int, serial: str) -> dict[str, object]:
        line = {
            "id": str(uuid.uuid4()),
            **_sell(serial),
            "journal": {"terminal": "till-gap", "seq": seq},
        }
        return entries.apply_entry(db, token, line, apply_service.apply_object)

    first = push(1, "GP-1")
    assert first["ok"] and "warnings" not in first, first
    gap = push(4, "GP-2")
    assert gap["ok"], gap
    assert gap["warnings"] == [
        "central has entries of terminal till-gap up to 1; this is entry 4: entries 2-3 did "
        "not reach central (refused unsent at the till as changed after they were made, or "
        "lost; if central was restored from an older backup, run serialpos terminal resend at the "
        "till); this entry is not refused for it, nothing is lost"
    ]
    late = push(2, "GP-3")
    assert late["error"] == "journal_rewound" and "up to 4" in str(late["message"]), late
    assert chain.scalar(LAST, t="till-gap") == 4
    assert [chain.scalar(SOLD, s=s) for s in ("GP-1", "GP-2", "GP-3")] == [1, 1, 0]
    again = push(5, "GP-3")  # following on: no words
    assert again["ok"] and "warnings" not in again, again
