"""A console stock screen on a store terminal's database (issue 16): the adjustment posted
on the Adjustments screen is journaled, in the same transaction, as the one ``adjust`` line
that makes the same document at central, numbered by the terminal; at both sizes."""

from __future__ import annotations

import json

import pytest
from test_adjustment_screen import PHONES, open_adjustments, type_in
from tui_helpers import SIZES, MakeApp, async_test, said, settle

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.domain import entry_seal, till_time


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_adjustment_on_a_terminal_is_journaled(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    from serialpos.terminal.journaled import attach

    app = make_app()
    attach(app.source.database(), "S01-t9")  # as the CLI does for a chain config
    async with app.run_test(size=size) as pilot:
        await open_adjustments(pilot)
        await type_in(pilot, "1")  # damaged
        await type_in(pilot, "")  # no note
        await type_in(pilot, PHONES[0])
        assert said(pilot) == f"✓ PH-AUR15 {PHONES[0]} ✓ 1 unit"
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("y")  # posting asks first
        await settle(pilot)
        assert said(pilot).startswith("✓ posted A-S01-t9-000001: 1 unit"), said(pilot)
    [entry] = demo_db.read(journal.entries)
    assert entry.state == "pending" and entry.terminal == "S01-t9"
    line = json.loads(entry.line)
    assert {k: line[k] for k in ("op", "store", "number", "reason", "items")} == {
        "op": "adjust",
        "store": "S01",
        "number": "A-S01-t9-000001",
        "reason": "damaged",
        "items": [{"sku": "PH-AUR15", "remove": [PHONES[0]]}],
    }
    assert entry_seal.read(entry.line).intact  # sealed as it was made
    assert entry_seal.without_seal(line)["journal"] == {
        "terminal": "S01-t9",
        "seq": 1,
        "user": "manager",
        "at": till_time.text(entry.made_at),  # the till's time of the act
    }
