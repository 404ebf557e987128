"""Pick lists and run sheets from the console's Reports menu: the PDF lands in the terminal's
outbox folder and is read back; a folder that cannot be written is said, nothing lost."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.context import Actor
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.views import Customer
from serialpos.tui.screens.reports import ReportsScreen

CASHIER = Actor("cashier", Role.CASHIER, "T1")


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_pick_list_and_run_sheet_are_written_to_the_outbox(
    make_app: MakeApp, demo_db: Database, outbox_folder: Path, size: tuple[int, int]
) -> None:
    delivery = open_order(
        demo_db,
        CASHIER,
        "S01",
        delivery="delivery",
        customer=Customer("Dana Whitfield", "0123", "12 Harbour Road"),
    ).order
    add_item(demo_db, CASHIER, delivery, sku="LT-ZEN14", serial="ZB24000101")
    add_item(demo_db, CASHIER, delivery, sku="AP-FRG300")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("0")
        await settle(pilot)
        assert isinstance(app.screen, ReportsScreen)
        await pilot.press("3")
        await settle(pilot)
        picklist = outbox_folder / f"picklist-S01-{date.today().isoformat()}.pdf"
        assert "2 lines to pick, 1 page" in " ".join(screen_text(app).split())
        text = _text(picklist)
        assert "ZB24000101" in text and "AP-FRG300" in text and "serial to scan" in text
        await pilot.press("4")
        await settle(pilot)
        runsheet = outbox_folder / f"runsheet-S01-{date.today().isoformat()}.pdf"
        assert "1 delivery, 1 page" in " ".join(screen_text(app).split())
        assert "Dana Whitfield" in _text(runsheet) and "12 Harbour Road" in _text(runsheet)


@async_test
async def test_an_unwritable_outbox_is_said(make_app: MakeApp, outbox_folder: Path) -> None:
    outbox_folder.parent.mkdir(parents=True, exist_ok=True)
    outbox_folder.write_text("a file where the folder should be")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("0")
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        shown = " ".join(screen_text(app).split())
        assert "cannot write" in shown and "File exists" in shown
        assert outbox_folder.read_text() == "a file where the folder should be"
