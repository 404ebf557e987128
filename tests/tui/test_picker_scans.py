"""A scan made while a picker is open picks nothing (80x24 and 40x16): the products a search
found, the open orders, the sale type, the customers found and the F7 list of refusals took
the scan's Enter as a person's pick (the highlighted product added, order opened, customer
attached; the sale type changed by the scan's digits; the F7 list closed and the scan lost).
The scan is refused, named in the picker with the bell, and the picker stays open; a
person's arrows and Enter (and the sale type's digits) still pick."""

from __future__ import annotations

import pytest
from scan_bursts import ARRIVALS, scanner_types
from textual.widgets import Input, OptionList, Static
from tui_helpers import (
    PERSON,
    SIZES,
    KeyClock,
    MakeApp,
    async_test,
    bells,
    said,
    sale_with_line,
    settle,
)

from serialpos.db.engine import Database
from serialpos.domain.customers import CustomerFields
from serialpos.services import customers
from serialpos.services.context import SYSTEM
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.answer_dialog import GatedDialog
from serialpos.tui.screens.kept_refusals import RefusalsDialog
from serialpos.tui.screens.sale_dialogs.customer import CustomerDialog
from serialpos.tui.screens.sale_dialogs.open_orders import OrdersDialog
from serialpos.tui.screens.sale_dialogs.product_pick import ProductPick
from serialpos.tui.screens.sale_dialogs.sale_type import SaleTypeDialog

from test_burst_refusals import burst  # isort: skip
from test_counts_screen import IN_STOCK, enter, open_counts  # isort: skip
from test_sale import open_sale  # isort: skip

SCAN = "356938030000021"  # a PH-AUR15 unit in stock at S01: a serial a scanner reads


def refusal_in(dialog: GatedDialog[object]) -> str:
    return str(dialog.query_one("#answer-refused", Static).render())


def person_later(clock: KeyClock) -> None:
    """A person reads the refusal before the next key: longer than a scan's tail window."""
    clock.now += 2


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_in_the_products_found_adds_nothing(
    make_app: MakeApp, size: tuple[int, int], arrival: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale = await sale_with_line(pilot)
        field = sale.query_one("#scan", Input)
        field.value = "aurora"  # the phone, its case and the bundle
        await pilot.press("enter")
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, ProductPick)
        rung = bells(app, monkeypatch)
        await scanner_types(pilot, clock, f"{SCAN}\r", arrival)
        assert app.screen is pick, "the scan's Enter added the highlighted product"
        assert pick.refused[-1] == SCAN, pick.refused  # a jittered scan: named whole
        assert f"scan '{SCAN}' is not an answer" in refusal_in(pick)
        assert rung
        assert sale.view is not None and [ln.sku for ln in sale.view.lines] == ["AC-USBC1"]
        person_later(clock)
        listed = pick.query_one(OptionList)
        ids = [str(listed.get_option_at_index(i).id) for i in range(listed.option_count)]
        assert listed.highlighted == 0 and ids.index("AC-CASE15") > 0, ids
        await pilot.press(*["down"] * ids.index("AC-CASE15"), "enter")  # a person: the case
        await settle(pilot)
        assert app.screen is sale
        assert [ln.sku for ln in sale.view.lines] == ["AC-USBC1", "AC-CASE15"]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_in_the_open_orders_opens_none(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale = await sale_with_line(pilot)
        assert sale.view is not None
        parked = sale.view.order
        await pilot.press("ctrl+p")  # park it: the sale is empty again
        await settle(pilot)
        assert sale.view is None, said(pilot)
        await pilot.press("ctrl+t", "o")  # the order menu, then open orders
        await settle(pilot)
        orders = app.screen
        assert isinstance(orders, OrdersDialog)
        rung = bells(app, monkeypatch)
        await scanner_types(pilot, clock, f"{SCAN}\r", "burst")
        assert app.screen is orders, "the scan's Enter opened the highlighted order"
        assert orders.refused == [SCAN]
        assert f"scan '{SCAN}' is not an answer" in refusal_in(orders)
        assert rung
        assert sale.view is None
        assert get_order(demo_db, parked).status.value == "parked"
        person_later(clock)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is sale and sale.view is not None and sale.view.order == parked


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_in_the_sale_type_changes_nothing(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan begins with 3 (lay-by) and holds a c (cash and carry is kept anyway): on
    main its digits made the sale a lay-by and its Enter kept it."""
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await pilot.press("f3")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SaleTypeDialog)
        rung = bells(app, monkeypatch)
        await scanner_types(pilot, clock, "3p12345\r", "burst")
        assert app.screen is dialog, "the scan's Enter kept what its keys chose"
        assert dialog.refused == ["3p12345"]
        assert (dialog.sale_type, dialog.delivery) == ("sale", "cash_and_carry")
        assert "scan '3p12345' is not an answer" in refusal_in(dialog)
        assert rung
        assert (sale.sale_type, sale.delivery) == ("sale", "cash_and_carry")
        person_later(clock)
        await pilot.press("2")  # a person: special order, then Enter keeps it
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is sale
        assert (sale.sale_type, sale.delivery) == ("special_order", "cash_and_carry")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_in_the_customers_found_attaches_none(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    customers.add_customer(demo_db, SYSTEM, CustomerFields("Dana Whitfield", "+44 20 7946 0123"))
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale = await sale_with_line(pilot)
        await pilot.press("f4")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CustomerDialog)
        find = dialog.query_one("#customer-find", Input)
        find.value = "whitfield"
        await pilot.press("enter")
        await settle(pilot)
        assert dialog.query_one("#customer-found", OptionList).has_focus
        rung = bells(app, monkeypatch)
        await scanner_types(pilot, clock, f"{SCAN}\r", "burst")
        assert app.screen is dialog, "the scan's Enter attached the highlighted customer"
        assert dialog.refused == [SCAN]
        assert f"scan '{SCAN}' is not an answer" in dialog.message_line.text
        assert rung
        assert sale.view is not None and sale.view.customer is None
        person_later(clock)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is sale and sale.view.customer is not None
        assert sale.view.customer.name == "Dana Whitfield"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_in_the_f7_list_is_kept_not_lost(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The F7 list closed on a scan's Enter, marking everything seen, and the scan was lost.
    Now it is refused in the list and kept: closing the list lets go only of what it listed."""
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_counts(pilot, "stockroom")
        await enter(pilot, screen, "")  # a new count: who counts it is asked
        await burst(pilot, clock, IN_STOCK)  # refused (not a name), kept
        assert len(screen.kept) == 1, said(pilot)
        await pilot.press("f7")
        await settle(pilot)
        listed = app.screen
        assert isinstance(listed, RefusalsDialog)
        rung = bells(app, monkeypatch)
        await scanner_types(pilot, clock, f"{SCAN}\r", "burst")
        assert app.screen is listed, "the scan's Enter closed the list"
        assert listed.refused == [SCAN]
        assert f"scan '{SCAN}' is not an answer" in refusal_in(listed)
        assert rung
        person_later(clock)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert [SCAN in k.message for k in screen.kept] == [True], screen.kept
        assert SCAN in said(pilot) and screen.check_action("refusals", ())  # F7 lists it
