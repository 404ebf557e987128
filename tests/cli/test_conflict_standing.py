"""The event a conflict says stands is true whichever till resends first (issue 16).

After central was restored from an older backup, ``terminal resend`` records a lost
conflict again (services/lost_conflicts.py) naming the unit's newest event then. When the
losing till resent first, that was the opening receipt, and the winner's sale, resent after
it, was never named: ``show`` said "stands: receive ... OPENING". Now an open conflict
shows the unit's newest event at central, and a resolved one the event that stood then."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from test_cli_core import Cli, phone_central

from serialpos.db.engine import Database
from serialpos.domain.events import DocumentRef
from serialpos.domain.states import Action
from serialpos.services import apply as apply_service
from serialpos.services import conflicts, entries, ledger, snapshot, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.lost_conflicts import record_again

SALE = {"op": "sell", "store": "S1", "sku": "PH1", "serial": "SN-1"}


def _till(db: Database, terminal: str) -> Actor:
    token = users.actor_for(db, "ada", f"api-{uuid.uuid4().hex[:6]}")
    snapshot.link(db, token, "S1", terminal)
    return token


def _entry(terminal: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), **SALE, "journal": {"terminal": terminal, "seq": 1}}


@pytest.mark.parametrize("loser_first", [True, False])
def test_the_standing_sale_is_shown_whichever_till_resends_first(
    tmp_path: Path, loser_first: bool
) -> None:
    cli = Cli(tmp_path)
    db, ada = phone_central(cli)
    try:
        opening = DocumentRef("receipt", "DEMO-OPENING")
        ledger.move(
            db, ada, Action.RECEIVE, store="S1", sku="PH1", serials=["SN-1"], document=opening
        )
        winner, loser = _till(db, "till-1"), _till(db, "till-2")
        won, lost = _entry("till-1"), _entry("till-2")
        again = [{"line": json.dumps(lost), "error": "already_sold", "message": "sold"}]

        def winner_resends() -> None:
            assert entries.apply_entry(db, winner, won, apply_service.apply_object)["ok"]

        if not loser_first:
            winner_resends()
        [verdict] = record_again(db, loser, again)
        assert verdict.get("recorded_again"), verdict
        if loser_first:
            winner_resends()
        number = int(verdict["conflict"]["id"])
        stands = conflicts.show(db, number)["first_event"]
        assert (stands["action"], stands["terminal"]) == ("sell", "till-1")
        [listed] = conflicts.list_conflicts(db)
        assert listed["first_event"] == stands
        words = cli("conflicts", "show", str(number)).stdout
        assert "stands: sell by ada at till-1" in words and "OPENING" not in words

        done = conflicts.resolve(db, ada, number, "return", None, apply_object)
        assert done["first_event"] == stands  # what stood when resolved, not the return
    finally:
        db.dispose()
