"""The serial card on a store terminal marks a sale central did not take (issue 16): the
till's journal entry naming the sale's invoice settled as a conflict makes the card say
``NOT TAKEN by central: conflict #N`` right under its state, on one row at 80x24 and
40x16."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Connection
from textual.widgets import Static
from tui_helpers import COUNTER, HANDHELD, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.services import users
from serialpos.services.apply.dispatch import apply_object

AURORA_1 = "356938030000013"  # the first demo IMEI: received at S01


@pytest.mark.parametrize("size", [COUNTER, HANDHELD])
@async_test
async def test_the_card_says_the_sale_is_a_conflict(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    manager = users.actor_for(demo_db, "manager", "till-1")
    sold = apply_object(
        demo_db, manager, {"op": "sell", "store": "S01", "sku": "PH-AUR15", "serial": AURORA_1}
    )
    invoice = sold["invoice"]
    line = {"op": "sell", "store": "S01", "sku": "PH-AUR15", "serial": AURORA_1}
    line = {**line, "numbers": {"invoice": invoice}}

    def conflicted(conn: Connection) -> None:
        journal.add(
            conn, entry_id="e-1", seq=1, terminal="t", user="manager", line=json.dumps(line)
        )
        answer = {"error": "sync_conflict", "conflict": {"id": 7, "serial": AURORA_1}}
        journal.settle(conn, "e-1", "conflict", json.dumps(answer))

    demo_db.write(conflicted)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press(*AURORA_1, "enter")
        await settle(pilot)
        summary = str(app.screen.query_one("#units", Static).render())
        assert invoice in summary
        assert "NOT TAKEN by central: conflict #7" in summary
        shown = screen_text(app)
        assert "  NOT TAKEN by central: conflict #7" in shown  # whole, on one row
