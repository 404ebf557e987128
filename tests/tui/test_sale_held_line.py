"""The held line at the counter (services/held_line.py, tui/screens/sale_held.py), with Pilot
at 80x24 and 40x16 on the demo database: a phone scanned first is shown as a row with "S/N?"
and its prompt, and nothing is written; its serial writes the order, the line and the serial
in one step; Esc ("serial later") writes the line without it."""

from __future__ import annotations

import pytest
from test_sale import AURORA, enter, open_sale, rows
from tui_helpers import SIZES, MakeApp, async_test, settle

from serialpos.db.engine import Database
from serialpos.services.demo import _imei
from serialpos.services.orders import list_orders
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry


def orders(db: Database) -> list[str]:
    return sorted(o.order for o in list_orders(db, "S01"))


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_phone_is_held_until_its_serial_writes_line_and_serial_at_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    before = orders(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, AURORA)
        assert isinstance(app.screen, SerialEntry) and app.screen.held_record is not None
        assert "S/N?" in rows(sale) and AURORA in rows(sale)
        assert orders(demo_db) == before and sale.view is None  # nothing written
        await enter(pilot, _imei(1), "#serial-entry")
        assert app.screen is sale
        assert sale.view is not None and [(ln.sku, ln.serial) for ln in sale.view.lines] == [
            (AURORA, _imei(1))
        ]
        assert "S/N?" not in rows(sale)
        assert orders(demo_db) == sorted([*before, sale.view.order])


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_escape_writes_the_held_line_without_its_serial(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    before = orders(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, AURORA)
        assert orders(demo_db) == before
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is sale
        assert sale.view is not None and [(ln.sku, ln.serial) for ln in sale.view.lines] == [
            (AURORA, None)
        ]
        assert "✗ S/N needed" in rows(sale) and "S/N?" not in rows(sale)
        assert "line 1: serial left missing" in sale.message_line.text
        assert orders(demo_db) == sorted([*before, sale.view.order])
