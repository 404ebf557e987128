"""Issue 10: at the sale's serial entry a ``duplicate_serial`` refusal of a serial that is no
IMEI offers "manager accepts shared serial" (name and PIN); accepted, the line has the serial
and the unit records the manager. An IMEI refusal offers nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_sale import open_sale
from textual.widgets import Static
from tui_helpers import PINS, SIZES, MakeApp, async_test, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services import products
from serialpos.services.context import Actor
from serialpos.services.demo import _imei
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_manager_accepts_a_shared_serial_in_serial_entry(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    admin = Actor("admin", Role.ADMIN, "T1")
    products.create_product(
        demo_db, admin, sku="GN-SAW", name="Saw", serial_mode="required", price=Decimal("20")
    )
    products.create_product(
        demo_db, admin, sku="GN-TAB", name="Tablet", serial_mode="required", price=Decimal("20")
    )
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await pilot.press(*"GN-SAW", "enter")
        await settle(pilot)
        entry = app.screen
        assert isinstance(entry, SerialEntry)
        await pilot.press(*"DRL18-A001", "enter")  # a drill's serial, in stock
        await settle(pilot)
        assert entry.sharing and entry.query_one("#override").display
        assert "TL-DRL18" in entry.message_line.text
        assert "manager accepts shared serial" in entry.message_line.text
        title = entry.query_one("#override-title", Static)
        assert "Manager accepts shared serial" in str(title.render())
        await pilot.press("tab", *"manager", "enter", *PINS["manager"], "enter")
        await settle(pilot)
        assert app.screen is sale
        assert sale.view is not None
        assert [(ln.sku, ln.serial) for ln in sale.view.lines] == [("GN-SAW", "DRL18-A001")]

        await pilot.press(*"GN-TAB", "enter")  # an IMEI is never shared: nothing offered
        await settle(pilot)
        entry = app.screen
        assert isinstance(entry, SerialEntry)
        await pilot.press(*_imei(3), "enter")
        await settle(pilot)
        assert not entry.sharing and not entry.query_one("#override").display
        assert "PH-AUR15" in entry.message_line.text
