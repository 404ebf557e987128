"""The Shift screen at 80x24 and 40x16: reached from the home menu; open with a float (a bad
amount refused with its reason), the X report with a cash sale taken on this terminal, close
with the cash counted (asked twice, with the difference) and the Z report as a PDF in the
outbox, read back with pypdf."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_helpers import SIZES, MakeApp, async_test, log_in, said, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services import orders, users
from serialpos.tui.screens.home import FLOWS, HomeScreen
from serialpos.tui.screens.shift import ShiftScreen


async def enter(pilot: Pilot[object], text: str) -> None:
    box = pilot.app.screen.query_one("#amount", Input)
    box.focus()
    box.value = text
    await pilot.press("enter")
    await settle(pilot)


def report(pilot: Pilot[object]) -> str:
    return str(pilot.app.screen.query_one("#report", Static).render())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_open_x_close_z_at_the_counter(
    make_app: MakeApp, demo_db: Database, outbox_folder: Path, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        assert isinstance(app.screen, HomeScreen)
        (flow,) = [f for f in FLOWS if f.screen == "shift"]
        await pilot.press(flow.key)
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        assert "No shift is open" in report(pilot)

        await enter(pilot, "ten")
        assert said(pilot).startswith("✗ opening float 'ten' is not a number")
        await enter(pilot, "100")
        assert "shift 1 open with a float of 100.00" in said(pilot)
        assert "Opening float" in report(pilot) and "100.00" in report(pilot)

        # A cash sale on this terminal lands in the shift.
        actor = users.actor_for(demo_db, "cashier", app.terminal_config().terminal_id)
        sale, _ = orders.create_order(
            demo_db, actor, "S01", lines=[orders.NewLine("AC-CASE15", None)]
        )
        done = orders.fulfil(demo_db, actor, sale.order, payments=[("cash", Decimal("50.00"))])
        total = Decimal("50.00") - done.change_due
        await pilot.press("f5")
        await settle(pilot)
        assert "Cash taken (1)" in report(pilot), report(pilot)
        expected = Decimal("100.00") + total

        await enter(pilot, "90")
        short = expected - Decimal("90")
        assert f"{short:,.2f} short" in said(pilot)
        assert isinstance(app.screen, ShiftScreen) and "X report" in report(pilot)
        await enter(pilot, "")
        assert "shift 1 closed" in said(pilot), said(pilot)
        assert "Z report, shift 1" in report(pilot)
        assert f"{short:,.2f} short" in report(pilot)

        pdf = outbox_folder / "Z-S01-shift-1.pdf"
        text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
        assert "Z report, shift 1" in text and f"{short:,.2f} short" in text
        assert "Counted cash" in text and "90.00" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_stockroom_has_no_shift(make_app: MakeApp, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        # The home menu's one refusal for a hidden flow: the services' own words.
        assert said(pilot) == (
            "✗ stockroom (stockroom) may not sell; that needs the role cashier or manager or admin"
        )


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_field_hint_is_read_whole(make_app: MakeApp, size: tuple[int, int]) -> None:
    """With no shift open the field's hint ("opening float (cash in the drawer), Enter") was
    cut at 40x16: the hint is short, and what to type is said whole above, where it wraps;
    the same once a shift is open (the counted cash closes it). "working…" goes once read."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        field = app.screen.query_one("#amount", Input)
        shown = screen_text(app)
        assert field.placeholder == "opening float, Enter" and field.placeholder in shown, shown
        assert (
            "Type the opening float (the cash in the drawer, 0 for none) and Enter to open one."
            in _flat(shown)
        ), shown
        assert "working" not in shown, shown
        await enter(pilot, "100")
        shown = screen_text(app)
        assert field.placeholder == "cash counted, Enter" and field.placeholder in shown, shown
        assert "Type the cash counted and Enter to close the shift." in _flat(shown), shown
