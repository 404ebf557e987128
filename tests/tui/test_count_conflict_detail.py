"""A count's conflict read whole on the console says what ``serialpos conflicts show`` says
(issue 16). The detail was the list's two-line summary: for a till's count it had no why
(which unit the till counted, and where central holds it), so a manager had to go to the
CLI to learn what to resolve. And what a till's entry had put back here read as if it stood
still after the conflict was resolved (``record_sale`` records the sale at central since)."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from textual.widgets import OptionList
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.cli.conflicts_cmd import conflict_words
from serialpos.db.engine import Database
from serialpos.services import apply as apply_service
from serialpos.services import conflicts, entries, snapshot, users
from serialpos.tui.screens.conflict_detail import ConflictDetailScreen
from serialpos.tui.screens.conflicts import ConflictsScreen, conflict_text


def _count_conflict(db: Database) -> tuple[int, str, str]:
    """A till's count that wrote off a unit central sold meanwhile: (the conflict's
    number, the unit's serial, the count entry's id)."""
    with db.engine.connect() as conn:
        serial, sku, store = conn.execute(
            sa.text(
                "SELECT u.serial, p.sku, s.code FROM serial_unit u JOIN product p ON "
                "p.id = u.product_id JOIN store s ON s.id = u.store_id "
                "WHERE u.state = 'in_stock' ORDER BY u.id LIMIT 1"
            )
        ).one()
    manager = users.actor_for(db, "manager", "central")
    sold = {"op": "sell", "store": store, "sku": sku, "serial": serial}
    assert apply_service.apply_object(db, manager, sold)["ok"]
    token = users.actor_for(db, "manager", f"api-{uuid.uuid4().hex[:6]}")
    snapshot.link(db, token, store, "till-7")
    key = str(uuid.uuid4())
    entry = {
        "id": key,
        "op": "count",
        "store": store,
        "number": "C-77",
        "products": [sku],
        "approve": True,
        "batches": [{"counter": "stock", "scans": []}],
        "decided": {"missing": [{"sku": sku, "serial": serial}], "found": []},
        "journal": {"terminal": "till-7", "seq": 6},
    }
    verdict = entries.apply_entry(db, token, entry, apply_service.apply_object)
    assert verdict["ok"], verdict
    [said] = verdict["central"]["conflicts"]
    return int(said["conflict"]), serial, key


def _flat(shown: str) -> str:
    """The screen's words in one line, without box-drawing and block characters."""
    return " ".join(re.sub("[\u2500-\u259f]", " ", shown).split())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_count_conflicts_detail_says_what_the_cli_says(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    conflict_id, serial, key = _count_conflict(demo_db)
    c = conflicts.show(demo_db, conflict_id)
    cli = conflict_words(c)
    why = c["message"]
    assert cli[1] == f"  why: not_in_stock: {why}" and serial in why, cli
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")  # Admin, Conflicts
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        app.screen.query_one("#rows", OptionList).highlighted = list(app.screen.listed).index(
            str(conflict_id)
        )
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDetailScreen)
        assert app.screen.conflict_id == str(conflict_id)
        seen = _flat(screen_text(app))
        for _ in range(6):  # ↓ reads on to the last line, whatever the height
            await pilot.press("pagedown")
            await settle(pilot)
            seen += " " + _flat(screen_text(app))
        # The same facts, in the same words: why, and the till's entry as the CLI names it.
        assert _flat(f"why: not_in_stock: {why}") in seen, seen
        assert "not applied: count #6 from terminal till-7 (entry" in seen, seen
        assert key in seen, seen  # (its "#1" may wrap to the next row at 40 columns)
        assert f"conflict {conflict_id}: open, " in seen and serial in seen, seen
        shown = str(app.screen.query_one("#conflict-text").render())
        for line in cli:  # every line of the CLI's, whole
            assert line.strip() in shown, (line, shown)


def test_what_was_put_back_reads_as_history_once_resolved() -> None:
    """A till's sale whose cable quantity was put back here: ``put back here: …`` while the
    conflict is open; once resolved (``record_sale`` recorded the sale at central since, and
    the till followed), the list and the detail say it was put back before, never as now."""
    conflict = {
        "id": 5,
        "serial": "S-1",
        "sku": "PH1",
        "store": "S1",
        "status": "open",
        "error": "already_sold",
        "message": "serial S-1 is already sold",
        "terminal": "till-1",
        "entry": {"id": "e-1", "seq": 3, "line": {"op": "sell"}},
        "put_back": [{"sku": "CAB", "quantity": 1, "store": "S1", "document": "S1-X-4"}],
        "resolution": None,
    }
    now = "put back here: CAB +1 at S1 (S1-X-4)"
    assert f"  {now}" in conflict_words(conflict)
    assert now in conflict_text(conflict).plain
    resolved = {
        **conflict,
        "status": "resolved",
        "resolution": {"action": "record_sale", "by": "mia", "at": "2026-12-06T08:00:00Z"},
    }
    before = "put back here before it was resolved: CAB +1 at S1 (S1-X-4)"
    for text in ("\n".join(conflict_words(resolved)), conflict_text(resolved).plain):
        assert before in text and now not in text, text
