"""Switching a product's serials off in the console is refused while units with serials are
live (issue 10, case 8), at 80x24 and 40x16: the refusal names the units and rings the bell,
is read whole on the screen, and nothing changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.products import SerialMode
from serialpos.services import products
from serialpos.tui.screens.products import ProductsScreen
from serialpos.tui.screens.serial_mode import ChooseSerialMode, Confirm
from serialpos.tui.widgets.message_line import MessageLine


def _live(db: Database, sku: str) -> int:
    u, p = repo.unit_t.c, repo.product_t.c
    return int(
        db.read(
            lambda conn: conn.execute(
                sa.select(sa.func.count())
                .select_from(repo.unit_t)
                .join(repo.product_t, p.id == u.product_id)
                .where(p.sku == sku, u.state.in_(products.LIVE_STATES))
            ).scalar_one()
        )
    )


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_serials_off_is_refused_naming_the_live_units(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    live = _live(demo_db, "PH-AUR15")
    assert live > 0
    app = make_app()
    rung: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rung.append(1))
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press(*"PH-AUR15", "enter")
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ChooseSerialMode)
        await pilot.press("d")
        await settle(pilot)  # the letter acts one key gap later (a scan may begin with it)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProductsScreen)
        line = screen.query_one(MessageLine)
        assert line.kind == "error" and rung
        assert line.text.startswith(
            f"✗ cannot switch serials off: PH-AUR15 has {live} live units (S01: "
        ), line.text
        assert line.text.endswith(
            "; sell, return to vendor, write off or count the units out first, or make it "
            "optional instead"
        ), line.text
        # Read whole at both sizes: its end ("or make it optional instead") was cut at 80x24.
        shown = screen_text(app)
        assert " ".join(line.text.split()) in " ".join(shown.split()), shown
        assert "PH-AUR15     Aurora" in shown  # the list keeps its row under it
    assert products.get_product(demo_db, "PH-AUR15").serial_mode is SerialMode.REQUIRED


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_serials_required_refused_is_read_whole(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """The drill (5 on hand, 2 with serials) made required: the refusal took six rows at
    40x16 and the line held four, cutting what to do."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press(*"TL-DRL18", "enter")
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProductsScreen)
        line = screen.query_one(MessageLine)
        assert line.kind == "error"
        assert line.text.endswith("count the units with their serials, then make it required")
        shown = screen_text(app)
        assert " ".join(line.text.split()) in " ".join(shown.split()), shown
    assert products.get_product(demo_db, "TL-DRL18").serial_mode is SerialMode.OPTIONAL
