"""Scans at the counter, as every scanner delivers them (one ``ScanRead`` to the screen in
front): items land as lines, the serial prompt takes the scan and closes itself, a scanned
serial fills the line waiting for it, a GS1 product+serial scan fills both, and the product's
own barcode scanned where its serial is expected is named as such."""

from __future__ import annotations

import pytest
from test_sale import (
    AURORA_GTIN,
    open_sale,
    rows,
    set_auto_prompt,
)
from tui_helpers import SIZES, MakeApp, async_test, bells, settle
from tui_helpers import device_scan as scan

from serialpos.db.engine import Database
from serialpos.services.demo import _imei
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry

GS = "\x1d"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_scans_land_as_lines_and_the_prompt_takes_the_next_scan(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await scan(pilot, AURORA_GTIN)
        assert isinstance(app.screen, SerialEntry)
        await scan(pilot, _imei(1))  # the prompt takes it and closes itself
        assert app.screen is sale
        shown = f"✓ S/N {_imei(1)}" if size[0] >= 60 else f"  1 ✓ {_imei(1)} "
        assert shown in rows(sale)  # the whole serial; on a handheld it comes first
        await scan(pilot, "5012345000077")  # a cable: serials disabled
        await scan(pilot, "5012345000077")
        assert sale.view is not None
        assert [(line.sku, line.quantity) for line in sale.view.lines] == [
            ("PH-AUR15", 1),
            ("AC-USBC1", 2),
        ]


@async_test
async def test_the_products_own_barcode_in_the_prompt_is_named_and_changes_nothing(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        sale = await open_sale(pilot)
        await scan(pilot, AURORA_GTIN)
        rung = bells(app, monkeypatch)
        await scan(pilot, AURORA_GTIN)  # the box's barcode again, where the serial goes
        assert isinstance(app.screen, SerialEntry)
        assert rung and "barcode" in app.screen.message_line.text
        await pilot.press("escape")
        await settle(pilot)
        assert sale.view is not None and len(sale.view.lines) == 1
        assert sale.view.lines[0].serial is None


@async_test
async def test_a_scanned_serial_fills_the_waiting_line_with_auto_prompt_off(
    make_app: MakeApp, demo_db: Database
) -> None:
    set_auto_prompt(demo_db, False)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sale = await open_sale(pilot)
        await scan(pilot, AURORA_GTIN)
        assert app.screen is sale and "✗ S/N needed" in rows(sale)
        await scan(pilot, _imei(2))
        assert sale.view is not None and len(sale.view.lines) == 1
        assert sale.view.lines[0].serial == _imei(2)
        # The next phone's box: not a serial of the waiting line (it has one), a new line.
        await scan(pilot, AURORA_GTIN)
        assert len(sale.view.lines) == 2


@async_test
async def test_a_gs1_product_and_serial_scan_fills_both(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        sale = await open_sale(pilot)
        await scan(pilot, f"]C1010{AURORA_GTIN}21{_imei(3)}")
        assert app.screen is sale  # nothing to prompt for
        assert sale.view is not None and sale.view.lines[0].serial == _imei(3)
        assert f"  1 ✓ {_imei(3)} " in rows(sale)  # 40x16: the serial first, whole


@async_test
async def test_an_unknown_unit_scanned_for_the_waiting_line_opens_entry_with_the_override(
    make_app: MakeApp, demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_auto_prompt(demo_db, False)
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        sale = await open_sale(pilot)
        await scan(pilot, AURORA_GTIN)
        rung = bells(app, monkeypatch)
        await scan(pilot, _imei(60))
        entry = app.screen
        assert isinstance(entry, SerialEntry) and rung
        assert entry.query_one("#override").display
        assert "not known" in entry.message_line.text
        await pilot.press("escape")
        await settle(pilot)
        assert sale.view is not None and len(sale.view.lines) == 1
        assert sale.view.lines[0].serial is None


@async_test
async def test_returns_a_scanned_serial_finds_the_sale_and_chooses_that_unit(
    make_app: MakeApp, demo_db: Database
) -> None:
    from test_returns_screen import LAPTOPS, open_returns, sell_three_laptops

    sell_three_laptops(demo_db)
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await open_returns(pilot)
        await scan(pilot, LAPTOPS[2])
        assert screen.view is not None and len(screen.view.lines) == 3
        assert screen.lines.marked == {screen.view.lines[2].line}
        await scan(pilot, LAPTOPS[0])  # a second unit of the same sale: chosen as well
        assert screen.lines.marked == {screen.view.lines[0].line, screen.view.lines[2].line}


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_wedge_scanner_ending_scans_with_a_line_feed_enters_each_scan(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    """A keyboard-wedge scanner set to end a scan with LF sends ^J after the code: the scan
    field takes it as Enter (the one keymap's ^J), so each scan is one entry and the next one
    lands in an empty field, in the sale's scan field and in the serial prompt alike."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        field = sale.query_one("#scan")
        await pilot.press(*"5012345000077", "ctrl+j", *"5012345000077", "ctrl+j")
        await settle(pilot)
        assert field.value == ""  # type: ignore[attr-defined]
        assert sale.view is not None
        assert [(line.sku, line.quantity) for line in sale.view.lines] == [("AC-USBC1", 2)]
        await pilot.press(*AURORA_GTIN, "ctrl+j")
        await settle(pilot)
        assert isinstance(app.screen, SerialEntry)
        await pilot.press(*_imei(2), "ctrl+j")  # the prompt takes it and closes itself
        await settle(pilot)
        assert app.screen is sale
        assert [(line.sku, line.serial) for line in sale.view.lines] == [
            ("AC-USBC1", None),
            ("PH-AUR15", _imei(2)),
        ]
