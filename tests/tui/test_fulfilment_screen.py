"""The fulfilment report at 80x24 and 40x16: orders set up through the orders service on the
demo database; the pending-serial filter lists exactly the pending lines; a serial is scanned
or typed in place (a bad one refused, nothing recorded); fulfilment is refused while a
required serial is missing and allowed after; exports are read back (CSV and XLSX)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle
from tui_helpers import device_scan as scan

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.users import Role
from serialpos.services.context import Actor
from serialpos.services.demo import _imei
from serialpos.services.fulfilment_report import FULFILMENT_COLUMNS
from serialpos.services.orders.header import open_order, set_customer
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order, pending_serial_lines
from serialpos.services.orders.views import Customer
from serialpos.services.report_filter import ReportFilter, check_filter
from serialpos.tui.screens.fulfilment import FulfilmentScreen
from serialpos.tui.screens.home import HomeScreen
from serialpos.tui.screens.reports import ReportsScreen
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.report_dialogs import ExportDialog, FilterDialog

MANAGER = Actor("manager", Role.MANAGER, "T1")
NOVA = _imei(101)  # a PH-NOVA7 in stock at S01


def waiting_orders(db: Database) -> tuple[str, str]:
    """A special order for delivery (a phone with its serial, a phone without, a case) and a
    lay-by for pickup (a drill, serial optional; a fridge without its required serial)."""
    first = open_order(db, MANAGER, "S01", type="special_order", delivery="delivery").order
    set_customer(db, MANAGER, first, Customer("Ada Lovelace", "0123", "1 Analytical St"))
    add_item(db, MANAGER, first, sku="PH-AUR15", serial=_imei(1))
    add_item(db, MANAGER, first, sku="PH-NOVA7")
    add_item(db, MANAGER, first, sku="AC-CASE15")
    second = open_order(db, MANAGER, "S01", type="layby", delivery="pickup").order
    set_customer(db, MANAGER, second, Customer("Bob Smith", "555", None))
    add_item(db, MANAGER, second, sku="TL-DRL18")
    add_item(db, MANAGER, second, sku="AP-FRG300")
    return first, second


async def open_fulfilment(pilot: Pilot[object], user: str = "manager") -> FulfilmentScreen:
    await log_in(pilot, user)
    await pilot.press("0")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReportsScreen)
    await pilot.press("1")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, FulfilmentScreen)
    return screen


def listed(screen: FulfilmentScreen) -> list[tuple[str, int]]:
    return [(row.order, row.line) for row in screen.rows]


def message(screen: FulfilmentScreen) -> str:
    return screen.query_one(MessageLine).text


def foot(screen: FulfilmentScreen) -> str:
    return str(screen.query_one("#report-foot").render())


def line_serial(db: Database, order: str, number: int) -> str | None:
    view = get_order(db, order)
    return next(line.serial for line in view.lines if line.number == number)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_pending_serial_toggle_lists_exactly_the_pending_lines(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    first, second = waiting_orders(demo_db)
    pending = [(p.order, p.line) for p in pending_serial_lines(demo_db, "S01")]
    assert len(pending) == 2
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        assert [order for order, _ in listed(screen)] == [first] * 3 + [second] * 2
        assert foot(screen) == "5 lines · 2 pending S/N"
        text = screen_text(app)
        assert "store S01 · all dates" in text
        assert "✗ needed" in text and "? optional" in text and f"✓ {_imei(1)}" in text
        await pilot.press("p")
        await settle(pilot)
        assert listed(screen) == pending
        assert "pending S/N only" in screen_text(app)
        assert foot(screen) == "2 lines · 2 pending S/N"
        await pilot.press("p")
        await settle(pilot)
        assert len(listed(screen)) == 5
        await pilot.press("v")  # the delivery modes in turn: cash and carry, none here
        await settle(pilot)
        assert listed(screen) == []
        assert foot(screen) == "no lines wait for fulfilment in this filter"
        assert "Cash and Carry" in screen_text(app)
        await pilot.press("v")
        await settle(pilot)
        assert {order for order, _ in listed(screen)} == {second}
        await pilot.press("v")
        await settle(pilot)
        assert {order for order, _ in listed(screen)} == {first}
        assert "store S01 · all dates · Delivery" in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scanned_serial_lands_on_the_line_and_a_bad_one_is_refused(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    first, _ = waiting_orders(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert screen.current is not None and screen.current.sku == "PH-NOVA7"
        await scan(pilot, "12345")
        assert message(screen) == (
            "✗ serial '12345' is not valid for PH-NOVA7: an IMEI has 15 digits, this has 5"
        )
        assert line_serial(demo_db, first, 2) is None
        await scan(pilot, NOVA)
        assert message(screen) == f"✓ {first} line 2: serial {NOVA} recorded"
        assert line_serial(demo_db, first, 2) == NOVA
        assert [row.sku for row in screen.rows] == ["AP-FRG300"]  # no longer pending


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_serial_typed_changed_and_removed_in_place(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    first, _ = waiting_orders(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("down", "enter")  # line 2: the Nova without its serial
        await settle(pilot)
        field = app.screen.query_one("#serial-entry", Input)
        field.value = _imei(1)  # on the first line already: refused, the dialog stays
        await pilot.press("enter")
        await settle(pilot)
        refusal = app.screen.query_one("#serial-message", MessageLine).text
        assert refusal.startswith("✗ ") and _imei(1) in refusal, refusal
        assert line_serial(demo_db, first, 2) is None
        field.value = NOVA
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert message(screen) == f"✓ {first} line 2: serial {NOVA} recorded"
        assert line_serial(demo_db, first, 2) == NOVA
        await pilot.press("enter")  # the cursor stayed on line 2: change it, then remove it
        await settle(pilot)
        field = app.screen.query_one("#serial-entry", Input)
        field.value = _imei(102)
        await pilot.press("enter")
        await settle(pilot)
        assert line_serial(demo_db, first, 2) == _imei(102)
        await pilot.press("s")
        await settle(pilot)
        app.screen.query_one("#serial-entry", Input).value = ""
        await pilot.press("enter")
        await settle(pilot)
        assert message(screen) == f"✓ {first} line 2: serial removed"
        assert line_serial(demo_db, first, 2) is None


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_fulfil_is_refused_while_a_required_serial_is_missing_then_allowed(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    first, second = waiting_orders(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert getattr(app.screen, "question", "") == (
            f"Fulfil {first} (3 lines listed, Delivery, Ada Lovelace)?"
        )
        await pilot.press("y")
        await settle(pilot)
        assert message(screen) == ("✗ a serial is required before fulfilment on line 2 (PH-NOVA7)")
        assert screen.current is not None and screen.current.number == 2  # went to it
        assert str(get_order(demo_db, first).status) == "open"
        await scan(pilot, NOVA)
        await pilot.press("ctrl+f", "y")
        await settle(pilot)
        # Nothing is paid yet: the refusal says so and the tender dialog takes the amount due.
        due = f"{get_order(demo_db, first).totals.due:.2f}"
        assert message(screen) == (
            f"✗ {due} still to pay: payments must cover the order total ({due}) before fulfilment"
        )
        await pilot.press("enter")
        await settle(pilot)
        view = get_order(demo_db, first)
        assert str(view.status) == "fulfilled"
        assert message(screen) == f"✓ {first} fulfilled: invoice {view.invoices[0]}"
        assert {row.order for row in screen.rows} == {second}


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_export_to_csv_and_xlsx_in_the_outbox(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from openpyxl import load_workbook

    first, second = waiting_orders(demo_db)
    outbox = tmp_path / "outbox"
    monkeypatch.setenv("SERIALPOS_OUTBOX", str(outbox))
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("p", "f5")
        await settle(pilot)
        assert isinstance(app.screen, ExportDialog)
        assert str(outbox) in str(app.screen.query_one("#export-where").render())
        name = app.screen.query_one("#export-name", Input)
        name.value = "pending.txt"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#export-message", MessageLine).text == (
            "✗ name the file .csv or .xlsx (not 'pending.txt')"
        )
        name.value = "pending.csv"
        await pilot.press("enter")
        await settle(pilot)
        path = outbox / "pending.csv"
        assert message(screen) == f"✓ 2 rows written to {path}"
        with path.open(newline="", encoding="utf-8") as handle:
            table = list(csv.reader(handle))
        assert tuple(table[0]) == FULFILMENT_COLUMNS
        serial = FULFILMENT_COLUMNS.index("Serial Number")
        assert [(r[0], r[4], r[serial]) for r in table[1:]] == [
            (first, "Special Order", ""),
            (second, "Lay-by", ""),
        ]
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("down")  # XLSX: the name's extension follows
        name = app.screen.query_one("#export-name", Input)
        assert name.value.endswith(".xlsx")
        name.value = "pending.csv"  # exists already: another name is asked for
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#export-message", MessageLine).text == (
            f"✗ {path} exists already: choose another name"
        )
        name.value = "pending.xlsx"
        await pilot.press("enter")
        await settle(pilot)
        assert message(screen) == f"✓ 2 rows written to {outbox / 'pending.xlsx'}"
        sheet = load_workbook(outbox / "pending.xlsx", read_only=True).active
        assert sheet is not None
        cells = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        assert cells[0] == FULFILMENT_COLUMNS
        assert [(r[0], r[1], r[7]) for r in cells[1:]] == [
            (first, 2, "PH-NOVA7"),
            (second, 2, "AP-FRG300"),
        ]
        # A folder that does not exist: the failure is said and no file is left behind.
        await pilot.press("f5")
        await settle(pilot)
        app.screen.query_one("#export-name", Input).value = str(tmp_path / "no" / "x.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert message(screen).startswith("✗ export failed: "), message(screen)
        assert "No such file or directory" in message(screen)
        assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_filter_refusals_name_the_problem(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    waiting_orders(demo_db)
    with pytest.raises(DomainError) as unknown:
        check_filter(demo_db, ReportFilter(store="S99"))
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("f3")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        dialog.query_one("#filter-date_from", Input).value = "2026-13-01"
        dialog.query_one("#filter-date_to").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert dialog.query_one("#filter-message", MessageLine).text == (
            "✗ From date '2026-13-01' is not a date: type it as YYYY-MM-DD"
        )
        dialog.query_one("#filter-date_from", Input).value = "2026-11-30"
        dialog.query_one("#filter-date_to", Input).value = "2026-11-01"
        await pilot.press("enter")
        await settle(pilot)
        assert dialog.query_one("#filter-message", MessageLine).text == (
            "✗ the dates are the wrong way round: 2026-11-30 is after 2026-11-01"
        )
        dialog.query_one("#filter-date_from", Input).value = ""
        dialog.query_one("#filter-date_to", Input).value = ""
        dialog.query_one("#filter-store", Input).value = "S99"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert message(screen) == f"✗ {unknown.value.message}"
        assert "S99" in message(screen)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_reports_are_for_managers_and_admins(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("0")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one(MessageLine).text == (
            "✗ cashier (cashier) may not run reports; that needs the role manager or admin"
        )


@async_test
async def test_a_long_list_is_capped_and_filled_in_steps(
    make_app: MakeApp, demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cap and the fill step are made tiny so that five lines show both."""
    from serialpos.tui.screens import fulfilment, report_screen

    first, _ = waiting_orders(demo_db)
    monkeypatch.setattr(fulfilment, "SHOWN", 3)
    monkeypatch.setattr(report_screen, "FILL_CHUNK", 2)
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await open_fulfilment(pilot)
        assert foot(screen) == "first 3 lines shown · 1 of them pending S/N"
        for _ in range(50):
            if screen.grid.row_count == 3:
                break
            await pilot.pause(0.02)
        assert screen.grid.row_count == 3
        assert {row.order for row in screen.rows} == {first}
        assert [row.number for row in screen.rows] == [1, 2, 3]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_keyboard_wedge_scan_goes_to_the_line_under_the_cursor(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """A scanner typing into the terminal: the burst is one scan, and the serial lands on the
    line under the cursor."""
    from tui_helpers import PERSON, SCANNER, KeyClock, terminal_keys

    _, second = waiting_orders(demo_db)
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("down")  # the fridge
        assert screen.current is not None and screen.current.sku == "AP-FRG300"
        clock.now += PERSON
        clock.step = SCANNER
        for event in terminal_keys("FR-300-0002\r"):
            pilot.app.post_message(event)
        await settle(pilot)
        clock.step = PERSON
        assert message(screen) == f"✓ {second} line 2: serial FR-300-0002 recorded"
        assert line_serial(demo_db, second, 2) == "FR-300-0002"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_unknown_unit_scanned_needs_a_managers_override(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry

    first, _ = waiting_orders(demo_db)
    unknown = _imei(50)  # a good IMEI the ledger never saw
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot, user="admin")
        await pilot.press("p")
        await settle(pilot)
        await scan(pilot, unknown)
        entry = app.screen
        assert isinstance(entry, SerialEntry)  # the counter's serial entry, override offered
        assert entry.query_one("#override").display
        assert "not known" in entry.message_line.text
        assert line_serial(demo_db, first, 2) is None
        for value, field in (("cashier", "#override-user"), ("3333", "#override-pin")):
            entry.query_one(field, Input).focus()
            entry.query_one(field, Input).value = value
            await pilot.press("enter")
            await settle(pilot)
        assert app.screen is entry
        assert entry.message_line.text == (
            "✗ cashier is not a manager or admin; an override needs one"
        )
        for value, field in (("manager", "#override-user"), ("2222", "#override-pin")):
            entry.query_one(field, Input).focus()
            entry.query_one(field, Input).value = value
            await pilot.press("enter")
            await settle(pilot)
        assert app.screen is screen
        assert message(screen) == f"✓ {first} line 2: serial {unknown} recorded"
        assert line_serial(demo_db, first, 2) == unknown


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_serial_of_another_product_is_refused_naming_its_own_product(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """Serial entry on a PH-NOVA7 line: an Aurora's IMEI in stock is refused naming PH-AUR15,
    its state and store (not "not known"); the Nova's own barcode is named as a barcode."""
    first, _ = waiting_orders(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert screen.current is not None and screen.current.sku == "PH-NOVA7"
        await scan(pilot, _imei(2))
        said = message(screen)
        assert said.startswith("✗ ") and "PH-AUR15" in said and "in stock at S01" in said, said
        await scan(pilot, "5012345000022")  # the line's own product's box
        assert message(screen) == (
            "✗ '5012345000022': that is the product's barcode, not its "
            "serial; scan the serial label"
        )
        await scan(pilot, "5012345000015")  # another product's box: named
        assert "PH-AUR15" in message(screen) and "barcode" in message(screen), message(screen)
        assert line_serial(demo_db, first, 2) is None


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_exchange_sales_change_beyond_the_drawer_is_asked_here_too(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """An exchange sale left open (a laptop's credit, a cable rung up) fulfilled from here
    in a shift opened with 50.00: the change is asked first, naming the cash short, as at
    the counter; No leaves the order open, Yes gives the change."""
    from decimal import Decimal

    from test_returns_screen import LAPTOPS, sell_three_laptops

    from serialpos.services import exchanges, shifts, users
    from serialpos.tui.screens.serial_mode import Confirm

    sell_three_laptops(demo_db)
    sold = get_order(demo_db, "S01-000001")
    line = next(ln.line for ln in sold.lines if ln.serial == LAPTOPS[1])
    ex = exchanges.start_exchange(demo_db, MANAGER, sold.order, lines=[line])
    add_item(demo_db, MANAGER, ex.sale.order, sku="AC-USBC1")
    view = get_order(demo_db, ex.sale.order)
    change = view.totals.paid - view.totals.total
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        till = users.actor_for(demo_db, "manager", screen.session.actor.terminal)
        shifts.open_shift(demo_db, till, "S01", "50.00")
        assert [row.order for row in screen.rows] == [ex.sale.order]
        for answer, status in (("n", "open"), ("y", "fulfilled")):
            await pilot.press("f10")
            await settle(pilot)
            await pilot.press("y")  # Fulfil S01-…?
            await settle(pilot)
            assert isinstance(app.screen, Confirm), message(screen)
            asked = getattr(app.screen, "question", "")
            assert asked == (
                f"The change {change:.2f} is more than the 50.00 cash the drawer should hold "
                f"(short {change - Decimal('50.00'):.2f}). Give it anyway (cash from the safe)?"
            )
            await pilot.press(answer)
            await settle(pilot)
            assert str(get_order(demo_db, ex.sale.order).status) == status
        assert message(screen).startswith(f"✓ {ex.sale.order} fulfilled: invoice ")
