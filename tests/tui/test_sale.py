"""The counter sale, driven with Pilot at 80x24 and 40x16 on the demo database: scans land as
lines, serials are prompted for and checked, refusals ring the bell and change nothing, lay-bys
are fulfilled later, and fulfilment waits for required serials."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import SIZES, MakeApp, async_test, bells, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services.demo import _imei
from serialpos.tui.app import SerialposApp
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry
from serialpos.tui.screens.sale_dialogs.tender import Tender
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.sale_lines import SaleLines

AURORA = "PH-AUR15"
AURORA_GTIN = "5012345000015"
NOVA_SERIAL = _imei(101)


def message(app: SerialposApp) -> str:
    return app.screen.query_one(MessageLine).text


async def open_sale(pilot: Pilot[object], user: str = "cashier") -> SaleScreen:
    await log_in(pilot, user)
    await pilot.press("3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SaleScreen)
    return screen


async def enter(pilot: Pilot[object], text: str, field: str = "#scan") -> None:
    """Type ``text`` into the focused screen's field and press Enter."""
    widget = pilot.app.screen.query_one(field, Input)
    widget.focus()
    widget.value = text
    await pilot.press("enter")
    await settle(pilot)


def rows(screen: SaleScreen) -> str:
    return screen.query_one(SaleLines).visible_text()


def set_auto_prompt(db: Database, on: bool) -> None:
    from serialpos.domain.users import Role
    from serialpos.services.context import Actor
    from serialpos.services.settings import set_setting

    set_setting(
        db, Actor("admin", Role.ADMIN, "T"), "auto_prompt_serial", "true" if on else "false"
    )


def recorded(serial: str, size: tuple[int, int]) -> str:
    """A recorded serial on a sale line: with its words at the counter, right after the line
    number on a handheld (the serial first)."""
    return f"✓ S/N {serial}" if size[0] >= 60 else f"  1 ✓ {serial} "


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_phone_prompts_for_its_serial_and_the_scan_closes_the_prompt(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, AURORA)
        assert isinstance(app.screen, SerialEntry)
        await enter(pilot, _imei(1), "#serial-entry")
        assert app.screen is sale
        assert recorded(_imei(1), size) in rows(sale)  # the whole serial, never cut
        assert "Total" in screen_text(app) and "Due" in screen_text(app)
        # The next one goes straight in: a second phone by its barcode, its prompt, its serial.
        await enter(pilot, AURORA_GTIN)
        assert isinstance(app.screen, SerialEntry)
        await enter(pilot, _imei(2), "#serial-entry")
        assert app.screen is sale
        assert len(sale.view.lines) == 2  # type: ignore[union-attr]
        assert all(line.serial for line in sale.view.lines)  # type: ignore[union-attr]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_without_auto_prompt_the_line_is_red_and_a_scanned_serial_fills_it(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    set_auto_prompt(demo_db, False)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, AURORA)
        assert app.screen is sale
        assert "✗ S/N needed" in rows(sale)
        await enter(pilot, _imei(3))  # routed to the waiting line, not a new line
        assert len(sale.view.lines) == 1  # type: ignore[union-attr]
        assert sale.view.lines[0].serial == _imei(3)  # type: ignore[union-attr]
        assert recorded(_imei(3), size) in rows(sale)


@async_test
async def test_an_optional_item_and_an_aggregated_disabled_item(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "TL-DRL18")
        assert app.screen is sale  # optional: no prompt
        assert "? S/N opt" in rows(sale)
        await enter(pilot, "AC-USBC1")
        await enter(pilot, "AC-USBC1")
        view = sale.view
        assert view is not None
        cables = [line for line in view.lines if line.sku == "AC-USBC1"]
        assert len(cables) == 1 and cables[0].quantity == 2
        # + on the drill (a serial line) is refused with the service's words and the bell.
        await pilot.press("up")  # to the lines
        await pilot.press("up")
        await pilot.press("plus")
        await settle(pilot)
        assert "add another line" in message(app)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_wrong_serials_are_refused_with_the_bell_and_change_nothing(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, AURORA)
        assert isinstance(app.screen, SerialEntry)
        rung = bells(app, monkeypatch)
        for wrong in (NOVA_SERIAL, AURORA_GTIN):  # another product's unit; its own barcode
            before = len(rung)
            await enter(pilot, wrong, "#serial-entry")
            assert isinstance(app.screen, SerialEntry), wrong
            assert len(rung) > before
            assert app.screen.message_line.kind == "error"
        assert "barcode" in app.screen.message_line.text
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is sale
        assert sale.view is not None and sale.view.lines[0].serial is None
        assert "✗ S/N needed" in rows(sale)


@async_test
async def test_a_sold_units_serial_is_refused(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, AURORA)
        await enter(pilot, _imei(4), "#serial-entry")
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, Tender)
        await pilot.press("enter")
        await settle(pilot)
        assert sale.last_invoice is not None
        # A new order: the same serial is sold now.
        await enter(pilot, AURORA)
        rung = bells(app, monkeypatch)
        await enter(pilot, _imei(4), "#serial-entry")
        assert isinstance(app.screen, SerialEntry)
        assert rung
        assert app.screen.message_line.kind == "error"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_fulfilment_is_blocked_while_a_serial_is_missing(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "AC-USBC1")
        await enter(pilot, AURORA)
        await pilot.press("escape")  # leave the serial missing
        await settle(pilot)
        await enter(pilot, "AC-CASE15")
        rung = bells(app, monkeypatch)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert app.screen is sale
        assert rung
        assert "line 2" in message(app)
        lines = app.screen.query_one(SaleLines)
        assert lines.has_focus and lines.current is not None and lines.current.number == 2
        # s on that line opens serial entry; the serial makes the sale payable.
        await pilot.press("s")
        await settle(pilot)
        await enter(pilot, _imei(5), "#serial-entry")
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, Tender)
        await pilot.press("enter")
        await settle(pilot)
        assert sale.last_invoice is not None and "invoice" in message(app)


@async_test
async def test_a_layby_takes_a_deposit_and_is_fulfilled_later(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        sale = await open_sale(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("3", "enter")  # lay-by
        await settle(pilot)
        await enter(pilot, "LT-ZEN14")
        await enter(pilot, "ZB24000101", "#serial-entry")
        view = sale.view
        assert view is not None and str(view.type) == "layby"
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, Tender)
        await enter(pilot, "100", "#tender-amount")
        assert sale.view is not None and str(sale.view.status) == "open"
        order = sale.view.order
        await pilot.press("escape")  # leave the sale; the lay-by stays open
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen)
        await pilot.press("ctrl+t", "o")  # the order menu, then open orders
        await settle(pilot)
        await pilot.press("enter")  # the only open order
        await settle(pilot)
        assert sale.view is not None and sale.view.order == order
        await pilot.press("ctrl+f")  # fulfil: the rest is due first
        await settle(pilot)
        assert isinstance(app.screen, Tender)
        await pilot.press("enter")
        await settle(pilot)
        assert sale.last_invoice is not None
        assert sale.view is not None and str(sale.view.status) == "fulfilled"


@async_test
async def test_a_ten_megabyte_paste_is_capped(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await open_sale(pilot)
        field = app.screen.query_one("#scan", Input)
        field.focus()
        await pilot.pause()
        from textual import events

        field.post_message(events.Paste("9" * 10_000_000))
        await settle(pilot)
        assert len(field.value) <= 4096
        assert "cut" in message(app)


@async_test
async def test_park_and_resume(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "AC-USBC1")
        order = sale.view.order  # type: ignore[union-attr]
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert sale.view is None and "parked" in message(app)
        await pilot.press("ctrl+t", "o")  # the order menu, then open orders
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert sale.view is not None and sale.view.order == order
        assert str(sale.view.status) == "open"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_every_key_is_in_the_footer_and_every_f_key_has_a_letter_or_ctrl(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    from textual.binding import Binding

    from serialpos.tui.screens.sale_dialogs.order_menu import ORDER_MENU
    from serialpos.tui.widgets.key_footer import KeyFooter

    in_the_menu = {action for _key, action, _words, _direct in ORDER_MENU}
    for screen_class in (SaleScreen, SaleLines):
        for binding in screen_class.BINDINGS:
            assert isinstance(binding, Binding)
            keys = binding.key.split(",")
            if any(k.startswith("f") and k[1:].isdigit() for k in keys):
                # A Ctrl twin, or a letter in the order menu (^T): reachable without F-keys.
                twin = any(not (k.startswith("f") and k[1:].isdigit()) for k in keys)
                assert twin or binding.action in in_the_menu, keys
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "AC-USBC1")
        for focus_lines in (False, True):
            if focus_lines:
                await pilot.press("up")
                await settle(pilot)
            footer = sale.query_one(KeyFooter)
            shown = screen_text(app)
            for keys, description in footer.pairs:
                assert f"{keys} {description}" in shown, (keys, description)
            assert "Total" in shown and "Due" in shown
            assert "AC-USBC1" in rows(sale)
        assert "S Serial" in footer.plain and "del Remove" in footer.plain


@async_test
async def test_an_unknown_barcode_offers_quick_create_then_the_item_is_added(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from serialpos.tui.screens.sale_dialogs.quick_create import QuickCreate

    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        sale = await open_sale(pilot)
        rung = bells(app, monkeypatch)
        await enter(pilot, "4006381333931")
        assert rung and isinstance(app.screen, QuickCreate)
        await enter(pilot, "NEW-1", "#new-sku")
        await enter(pilot, "Gadget", "#new-name")
        await enter(pilot, "9.99", "#new-price")  # serial mode: disabled (the default)
        assert app.screen is sale
        assert sale.view is not None and sale.view.lines[0].sku == "NEW-1"
        await enter(pilot, "4006381333931")  # known now: the same line, quantity 2
        assert sale.view.lines[0].quantity == 2


@pytest.mark.parametrize("size", [(80, 24), (40, 16)])
@async_test
async def test_digits_that_are_no_barcode_do_not_offer_quick_create(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """A scan cut short (11 digits) or a barcode with a wrong check digit opened the New
    product form, refused only once SKU, name and price were typed: now said at once, with
    a bell, and the field stays the cashier's."""
    from serialpos.tui.screens.sale_dialogs.quick_create import QuickCreate
    from serialpos.tui.widgets.message_line import MessageLine

    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        rung = bells(app, monkeypatch)
        for digits, why in (
            ("38040000045", "is not a GTIN/EAN/UPC"),
            ("4006381333932", "has a wrong check digit"),
        ):
            await enter(pilot, digits)
            assert app.screen is sale and not isinstance(app.screen, QuickCreate)
            said = sale.query_one(MessageLine).text
            assert why in said and "scan it again" in said, said
        assert rung and (sale.view is None or not sale.view.lines)


@async_test
async def test_no_color_the_indicators_read_as_words(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        assert app.no_color
        sale = await open_sale(pilot)
        await enter(pilot, "TL-DRL18")
        await enter(pilot, AURORA)
        await pilot.press("escape")
        await settle(pilot)
        await enter(pilot, AURORA)
        await enter(pilot, _imei(1), "#serial-entry")
        shown = screen_text(app)
        for words in ("? S/N opt", "✗ S/N needed", f"✓ {_imei(1)}"):
            assert words in shown, words
        assert sale.view is not None and len(sale.view.lines) == 3


@async_test
async def test_a_special_order_fulfils_chosen_lines_and_writes_the_invoice_pdf(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERIALPOS_OUTBOX", str(tmp_path / "outbox"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sale = await open_sale(pilot)
        await pilot.press("f3")
        await settle(pilot)
        for key in ("2", "p", "enter"):  # special order, pickup later: a person's keys, each
            await pilot.press(key)  # acting a key gap after it (a scan of them is refused)
            await settle(pilot)
        await enter(pilot, "AC-USBC1")
        await enter(pilot, "TL-DRL18")
        view = sale.view
        assert view is not None and str(view.type) == "special_order"
        assert str(view.delivery) == "pickup"
        await pilot.press("up", "up", "space")  # choose the cable only
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, Tender)
        await pilot.press("enter")
        await settle(pilot)
        view = sale.view
        assert view is not None and str(view.status) == "open"  # the drill is still to come
        assert [str(line.status) for line in view.lines] == ["fulfilled", "open"]
        assert sale.last_invoice is not None
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert (tmp_path / "outbox" / f"{sale.last_invoice}.pdf").exists()
        assert "PDF written" in message(app)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_unknown_unit_is_accepted_only_with_a_managers_override(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, AURORA)
        rung = bells(app, monkeypatch)
        await enter(pilot, _imei(50), "#serial-entry")  # a good IMEI the ledger never saw
        entry = app.screen
        assert isinstance(entry, SerialEntry) and rung
        assert entry.query_one("#override").display
        assert "not known" in entry.message_line.text
        await enter(pilot, "cashier", "#override-user")
        await enter(pilot, "3333", "#override-pin")  # a cashier cannot override
        assert app.screen is entry and "not a manager" in entry.message_line.text
        await enter(pilot, "manager", "#override-user")
        await enter(pilot, "2222", "#override-pin")
        assert app.screen is sale
        assert sale.view is not None and sale.view.lines[0].serial == _imei(50)
