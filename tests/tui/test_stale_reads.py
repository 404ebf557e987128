"""A read that a newer one replaced never paints over it, at 80x24 and 40x16.

Textual cancels the older worker of an exclusive group when a newer one starts, but a thread
worker runs on: its answer, older than the newer one's and posted after it, painted the older
answer over the newer (tui/backend.post_read). Each test makes the older read finish last,
deterministically (:class:`~tui_helpers.HeldRead`): the customer card of a highlight moved on
from, the sale of a unit scanned before another, the ASN list read as Receiving opened, and
the look-up a product barcode started as a serial was scanned after it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import (
    SIZES,
    HeldRead,
    MakeApp,
    async_test,
    log_in,
    said,
    screen_text,
    settle,
)

from serialpos.db.engine import Database
from serialpos.domain.customers import CustomerFields
from serialpos.domain.decoder import decode
from serialpos.domain.users import Role
from serialpos.services import customers, lookup, returns
from serialpos.services.context import SYSTEM, Actor
from serialpos.tui.messages import ScanRead
from serialpos.tui.screens import receiving
from serialpos.tui.screens.lookup import LookupScreen
from serialpos.tui.screens.receiving import ReceivingScreen
from serialpos.tui.screens.returns import ReturnsScreen
from serialpos.tui.screens.sale_dialogs.customer import CustomerDialog

from test_receiving_screen import import_asn  # isort: skip
from test_returns_screen import open_returns  # isort: skip
from test_sale import enter, open_sale  # isort: skip


async def until(pilot: Pilot[object], shown: Callable[[], bool], what: str) -> None:
    """Wait until ``shown()`` holds (the newer read's answer has landed)."""
    deadline = time.monotonic() + 15
    while not shown():
        if time.monotonic() > deadline:
            raise AssertionError(f"never: {what}; the screen:\n{screen_text(pilot.app)}")
        await pilot.pause(0.01)


def bought(dialog: CustomerDialog) -> str:
    return str(dialog.query_one("#customer-bought").render())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_card_of_a_customer_highlighted_before_is_not_shown(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrows through the found customers: each highlight reads its card; the card of the
    one left behind, read last, replaced the highlighted one's."""
    for name in ("Ann Racewell", "Bob Racewell"):
        customers.add_customer(demo_db, SYSTEM, CustomerFields(name, ""))
    held = HeldRead(customers.show_customer)
    monkeypatch.setattr(customers, "show_customer", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_sale(pilot)
        await enter(pilot, "AC-USBC1")
        await pilot.press("f4")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CustomerDialog)
        field = dialog.query_one("#customer-find", Input)
        field.value = "racewell"
        await pilot.press("enter")  # found: the first is highlighted, its card read (held)
        await held.held(pilot)
        await pilot.press("down")
        await until(pilot, lambda: "Bob Racewell" in bought(dialog), "Bob's card")
        await held.let_go(pilot)
        assert app.screen is dialog
        assert bought(dialog) == "Bob Racewell: nothing bought yet"


def sell_one(db: Database, serial: str) -> str:
    """A fulfilled sale of one laptop; its order number."""
    from serialpos.services.orders.checkout import fulfil
    from serialpos.services.orders.header import open_order
    from serialpos.services.orders.lines import add_item

    actor = Actor("cashier", Role.CASHIER, "T1")
    order = open_order(db, actor, "S01").order
    add_item(db, actor, order, sku="LT-ZEN14", serial=serial)
    fulfil(db, actor, order, settle_in="card")
    return order


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_sale_of_a_unit_scanned_before_another_is_not_shown(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two units scanned one after the other at Returns: the first one's sale, found last,
    replaced the second one's (and chose its unit)."""
    sell_one(demo_db, "ZB24000101")
    second = sell_one(demo_db, "ZB24000102")
    held = HeldRead(returns.find_sale)
    monkeypatch.setattr(returns, "find_sale", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        field = screen.query_one("#find", Input)
        field.focus()
        field.value = "ZB24000101"
        await pilot.press("enter")
        await held.held(pilot)
        field.value = "ZB24000102"
        await pilot.press("enter")
        await until(pilot, lambda: screen.view is not None, "the second unit's sale")
        await held.let_go(pilot)
        assert isinstance(app.screen, ReturnsScreen)
        assert screen.view is not None and screen.view.order == second
        assert said(pilot) == "✓ line 1 chosen: LT-ZEN14 ZB24000102"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_asn_list_read_as_receiving_opened_does_not_replace_a_newer_one(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The list read as Receiving opened, then read again (F5, or a checklist closed) after
    an ASN arrived: the first list, without it, replaced the second."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # no drafts but the test's
    held = HeldRead(receiving.open_asns)
    monkeypatch.setattr(receiving, "open_asns", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("5")  # Receiving: its list is read (no ASN yet), held
        await held.held(pilot)
        screen = app.screen
        assert isinstance(screen, ReceivingScreen)
        import_asn(demo_db)
        await pilot.press("f5")
        await until(pilot, lambda: bool(screen.asns), "the ASN listed")
        await held.let_go(pilot)
        assert [choice.asn for choice in screen.asns] == ["ASN-T1"]
        assert "ASN-T1" in screen_text(app)
        assert said(pilot) == "› 1 open ASN at S01"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_barcode_scanned_before_a_serial_does_not_replace_its_card(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Digits no product carries are looked up as a serial once the products are asked: that
    look-up, started after a serial scanned next was shown, hid its card ("no unit has the
    serial")."""
    aurora = "356938030000013"  # the first demo IMEI: in stock at S01
    held = HeldRead(lookup.product_barcode_refusal)
    monkeypatch.setattr(lookup, "product_barcode_refusal", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LookupScreen)
        app.post_message(ScanRead("05099999000011", "test", decode("05099999000011")))
        await held.held(pilot)
        await pilot.press(*aurora, "enter")
        await until(pilot, lambda: said(pilot).startswith(f"✓ {aurora}"), "the card")
        await held.let_go(pilot)
        assert said(pilot) == f"✓ {aurora}: 1 unit, 1 event"
        assert screen.query_one("#units-box").display
        assert [card.serial for card in screen.cards] == [aurora]
