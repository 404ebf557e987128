"""The counts screen's review of a count approved later, at 80x24 and 40x16: units received
after the count are listed under "Arrived since count", the confirmation says they are left,
and approval does not write them off; a quantity row says what moved since."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from tui_helpers import SIZES, MakeApp, async_test, log_in, settle

from serialpos.db.engine import Database
from serialpos.domain.counts import QuantityDifference
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import ledger
from serialpos.services.context import Actor
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.scanning import scan
from serialpos.tui.screens.count_words import item_row
from serialpos.tui.screens.counts import CountsScreen
from serialpos.tui.widgets.message_line import MessageLine


def _state(db: Database, serial: str) -> str:
    return str(
        db.read(
            lambda conn: conn.execute(
                sa.text("SELECT state FROM serial_unit WHERE serial = :s"), {"s": serial}
            ).scalar_one()
        )
    )


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_units_received_after_the_count_are_listed_and_left(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], outbox_folder: Path
) -> None:
    who = Actor("manager", Role.MANAGER, "T1")
    number = open_count(demo_db, who, "S01", products=["PH-AUR15"]).number
    start_batch(demo_db, who, number, "Ann")
    on_shelf = [
        str(s)
        for s in demo_db.read(
            lambda conn: conn.execute(
                sa.text(
                    "SELECT u.serial FROM serial_unit u JOIN product p ON p.id = u.product_id"
                    " JOIN store s ON s.id = u.store_id WHERE p.sku = 'PH-AUR15'"
                    " AND s.code = 'S01' AND u.state = 'in_stock'"
                )
            ).scalars()
        )
    ]
    for serial in on_shelf:
        scan(demo_db, who, number, 1, sku="PH-AUR15", serial=serial)
    ledger.move(
        demo_db, who, Action.RECEIVE, store="S01", sku="PH-AUR15", serials=["356938030000997"]
    )
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("8")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CountsScreen)
        screen.field.focus()
        screen.field.value = ""
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert screen.result is not None and screen.result.missing == ()
        assert [u.serial for u in screen.result.arrived_since] == ["356938030000997"]
        # The review opens on the first list with something in it: the units arrived since.
        assert "Arrived since count (1)" in screen.listing.visible_text()
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert "leaves 1 arrived since" in screen.query_one(MessageLine).text
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert "0 written off" in screen.query_one(MessageLine).text
    assert _state(demo_db, "356938030000997") == "in_stock"


def test_a_quantity_row_says_what_moved_since_the_count() -> None:
    q = QuantityDifference("AC-USBC1", 30, 40, moved_since=-5)
    assert item_row(q, 78) == "AC-USBC1 counted 30 on hand 40 (-10) · -5 since"
    assert item_row(q, 36) == "AC-USBC1 30/40 (-10) -5since"
