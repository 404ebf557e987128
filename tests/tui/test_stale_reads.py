"""A read that a newer one replaced never paints over it, at 80x24 and 40x16.

Textual cancels the older worker of an exclusive group when a newer one starts, but a thread
worker runs on: its answer, older than the newer one's and posted after it, painted the older
answer over the newer (tui/backend.post_read). Each test makes the older read finish last,
deterministically (:class:`~tui_helpers.HeldRead`): the customer card of a highlight moved on
from, the sale of a unit scanned before another, the ASN list read as Receiving opened, the
look-up a product barcode started as a serial was scanned after it, the open counts read as
Counts opened, the transfer of a number typed before another, the Users list read after one
change of two, and Home's check for a sale left open made as it opened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import (
    PINS,
    SIZES,
    HeldRead,
    MakeApp,
    async_test,
    log_in,
    open_from_home,
    said,
    screen_text,
    settle,
)

from serialpos.db.engine import Database
from serialpos.domain.customers import CustomerFields
from serialpos.domain.decoder import decode
from serialpos.domain.users import Role
from serialpos.services import customers, lookup, owed_lines, returns, transfers, users
from serialpos.services.context import SYSTEM, Actor
from serialpos.services.transfers.sending import create_transfer
from serialpos.tui.messages import ScanRead
from serialpos.tui.screens import count_jobs, receiving
from serialpos.tui.screens.admin_users import UsersScreen
from serialpos.tui.screens.counts import CountsScreen
from serialpos.tui.screens.home import HomeScreen
from serialpos.tui.screens.lookup import LookupScreen
from serialpos.tui.screens.receiving import ReceivingScreen
from serialpos.tui.screens.returns import ReturnsScreen
from serialpos.tui.screens.sale_dialogs.customer import CustomerDialog
from serialpos.tui.screens.transfers import TransferPickScreen, TransfersScreen

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


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_counts_read_as_counts_opened_do_not_undo_a_count_opened_since(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter as Counts opens: a new count of the whole store, asking who counts; the list of
    open counts read as the screen opened (none), landing after it, showed that list again
    and lost the new count from it."""
    held = HeldRead(count_jobs.load)
    monkeypatch.setattr(count_jobs, "load", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("8")  # Counts: the open counts are read (none yet), held
        await held.held(pilot)
        screen = app.screen
        assert isinstance(screen, CountsScreen)
        await pilot.press("enter")  # a new count of the whole store
        await until(pilot, lambda: screen.stage == "counter", "the new count")
        await held.let_go(pilot)
        assert screen.count is not None and screen.stage == "counter"
        assert [c.number for c in screen.open_counts] == [screen.count.number]
        assert "Open counts at" not in screen_text(app)
        assert said(pilot).startswith(f"✓ count {screen.count.number} open")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_transfer_typed_before_another_does_not_open_over_it(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two transfer numbers, one after the other: the first one's read, answered last,
    opened it over the second."""
    clerk = Actor("stockroom", Role.STOCKROOM, "T1")
    first = create_transfer(demo_db, clerk, "S01", "S02").number
    second = create_transfer(demo_db, clerk, "S01", "S02").number
    held = HeldRead(transfers.get_transfer)
    monkeypatch.setattr(transfers, "get_transfer", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_from_home(pilot, "stockroom", "6", TransfersScreen)
        field = screen.query_one("#find", Input)
        field.focus()
        field.value = first
        await pilot.press("enter")
        await held.held(pilot)
        field.value = second
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TransferPickScreen), "a transfer open")
        await held.let_go(pilot)
        picking = [s for s in app.screen_stack if isinstance(s, TransferPickScreen)]
        assert [s.number for s in picking] == [second]
        assert app.screen is picking[0]


def user_row(screen: UsersScreen, name: str) -> str:
    from textual.widgets import OptionList

    options = screen.query_one(OptionList)
    return next(
        str(options.get_option_at_index(i).prompt)
        for i in range(options.option_count)
        if options.get_option_at_index(i).id == name
    )


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_users_read_after_one_change_of_two_do_not_replace_the_last(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user disabled, then enabled again at once: the list read after the first change
    (disabled), landing after the one read after the second, showed the user disabled."""
    held = HeldRead(users.list_users, hold=2)  # the first read is the screen's as it opens
    monkeypatch.setattr(users, "list_users", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UsersScreen)
        from textual.widgets import OptionList

        options = screen.query_one(OptionList)
        options.highlighted = next(
            i for i in range(options.option_count) if options.get_option_at_index(i).id == "cashier"
        )
        await pilot.press("e")  # disabled; the list read again (held)
        await held.held(pilot)
        await pilot.press("e")  # enabled again; the list read again, shown (not held)
        await settle(pilot)  # the held read is cancelled: settle does not wait for it
        assert said(pilot) == "✓ user cashier is enabled" and held.calls == 3
        await held.let_go(pilot)
        row = user_row(screen, "cashier")
        assert "enabled" in row and "disabled" not in row, row


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_home_still_says_a_sale_left_open_that_an_older_check_missed(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Home checks for a sale left open at this terminal as it opens and each time it is back
    in front: the check made as it opened (nothing then), landing after the newer one that
    found the sale, took its notice off the message line."""
    from serialpos.services.orders.header import open_order
    from serialpos.services.orders.lines import add_item

    held = HeldRead(owed_lines.left_open_here)
    monkeypatch.setattr(owed_lines, "left_open_here", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press(*"cashier", "tab", *PINS["cashier"], "enter")
        await held.held(pilot)  # Home's first check: nothing left open, held
        assert isinstance(app.screen, HomeScreen) and app.session is not None
        # Meanwhile a sale is left open at this terminal (another session of it, killed).
        till = Actor("cashier", Role.CASHIER, app.session.terminal)
        order = open_order(demo_db, till, "S01").order
        add_item(demo_db, till, order, sku="LT-ZEN14", serial="ZB24000103")
        await pilot.press("f2")  # the serial card, and back: Home checks again
        await pilot.press("escape")
        await settle(pilot)  # the held check is cancelled: settle does not wait for it
        assert isinstance(app.screen, HomeScreen)
        assert said(pilot).startswith(f"⚠ sale {order} left open here"), said(pilot)
        await held.let_go(pilot)
        assert said(pilot).startswith(f"⚠ sale {order} left open here"), said(pilot)
