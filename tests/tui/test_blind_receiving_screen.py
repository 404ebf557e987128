"""Blind receiving in the console at 80x24 and 40x16: vendor and reference, then product and
serials in a loop with no dialog to close; repeats alert, bad serials are refused with the
bell, a pasted list is taken whole or refused whole, a missing product is quick-created, and
the completed receipt's event file holds exactly the serials scanned."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from tui_helpers import SIZES, MakeApp, async_test, bells, log_in, screen_text, settle
from tui_helpers import device_scan as scan

from serialpos.db.engine import Database
from serialpos.domain.decoder import decode
from serialpos.services.lookup import lookup_serial
from serialpos.tui.app import SerialposApp
from serialpos.tui.messages import ScanRead
from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.complete_receipt import CompleteDialog
from serialpos.tui.screens.receiving import BlindReceiptDialog, ReceivingScreen
from serialpos.tui.screens.sale_dialogs.quick_create import QuickCreate
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.serial_field import SerialField

ZEN_BARCODE = "05012345000039"  # LT-ZEN14, serials ^ZB[0-9]{8}$
CABLE_BARCODE = "05012345000077"  # AC-USBC1, no serials


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Blind receipts keep their drafts in the user's data directory: each test its own."""
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def message(app: SerialposApp) -> str:
    return app.screen.query_one(MessageLine).text


async def open_blind(
    pilot: Pilot[object], vendor: str, reference: str, user: str = "stockroom"
) -> ChecklistScreen:
    await log_in(pilot, user)
    await pilot.press("5")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReceivingScreen)
    await pilot.press("b")
    await settle(pilot)
    assert isinstance(pilot.app.screen, BlindReceiptDialog)
    await pilot.press(*vendor, "enter", *reference, "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ChecklistScreen), message(pilot.app)  # type: ignore[arg-type]
    return screen


async def enter(pilot: Pilot[object], screen: ChecklistScreen, text: str) -> None:
    """Type into the scan field and press Enter, as a person (or a wedge scanner) would."""
    field = screen.query_one(SerialField)
    field.focus()
    field.value = text
    await pilot.press("enter")
    await settle(pilot)


async def paste(pilot: Pilot[object], screen: ChecklistScreen, text: str) -> None:
    field = screen.query_one(SerialField)
    field.focus()
    field.post_message(events.Paste(text))
    await settle(pilot)


def read_event_file(path: Path) -> dict[str, tuple[int, list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["sku"]: (int(row["quantity"]), row["serials"].split("|") if row["serials"] else [])
        for row in rows
    }


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_blind_receipt_from_first_scan_to_event_file(
    make_app: MakeApp,
    demo_db: Database,
    outbox_folder: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        rung = bells(app, monkeypatch)
        screen = await open_blind(pilot, "Northwind", "PS-77")
        assert "Blind receipt PS-77 from Northwind" in screen_text(app)

        await enter(pilot, screen, "LT-ZEN14")  # the product by its SKU
        assert message(app).startswith("› LT-ZEN14 ZenBook 14 laptop: scan its serials")
        await enter(pilot, screen, "ZB24009901")
        assert message(app) == "✓ LT-ZEN14 ZB24009901: 1"
        assert "ZB24009901" in screen_text(app)  # listed under its product at once
        assert rung == []

        # A repeat alerts with the bell and counts once.
        await enter(pilot, screen, "ZB24009901")
        assert message(app) == "✗ serial ZB24009901 was already scanned (counted once)"
        assert len(rung) == 1
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        # A unit already in stock (the demo has ZB24000101 at S01), a serial breaking the
        # product's format and a product barcode scanned as a serial: each refused, named.
        await enter(pilot, screen, "ZB24000101")
        assert message(app) == (
            "✗ serial ZB24000101 of LT-ZEN14 is already recorded (in stock at S01)"
        )
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await enter(pilot, screen, "ZB1")
        assert message(app).startswith("✗ serial 'ZB1' is not valid for LT-ZEN14")
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await scan(pilot, "]E0ABC")  # garbage from the scanner
        assert message(app) == "✗ unreadable scan: ean13 barcode must be digits, got 'ABC'"
        assert len(rung) == 4
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        assert screen.receiving.checklist.lines["LT-ZEN14"].scanned == ["ZB24009901"]

        # A GS1 label with product and serial does both; a range lands whole.
        await scan(pilot, f"01{ZEN_BARCODE}21ZB24009950")
        assert message(app) == "✓ LT-ZEN14 ZB24009950: 2"
        await enter(pilot, screen, "ZB24009910-ZB24009914")
        assert message(app) == "✓ 5 serials of LT-ZEN14 added from the list: 7"
        # A pasted list with one bad entry is refused whole, naming it; nothing lands.
        await paste(pilot, screen, "ZB24009920\nZB24009921\nZB2400992X\nZB24009923\n")
        assert message(app).startswith(
            "✗ the list was refused whole at serial ZB2400992X (number 3 of 4)"
        )
        assert "Nothing from it was added" in message(app)
        await paste(pilot, screen, "ZB24009920, ZB24009901")  # a repeat inside: counted once
        assert message(app) == (
            "✗ 1 serial of LT-ZEN14 added from the list: 8; 1 already scanned (counted once)"
        )
        scanned = list(screen.receiving.checklist.lines["LT-ZEN14"].scanned)
        assert len(scanned) == 8

        # A product without serials: its barcode counts one, a number adds more.
        await scan(pilot, CABLE_BARCODE)
        assert message(app) == "✓ AC-USBC1: one more, 1"
        await enter(pilot, screen, "4")
        assert message(app) == "✓ AC-USBC1: 5"
        await enter(pilot, screen, "XX")
        assert message(app).startswith("✗ AC-USBC1 is counted, not scanned")
        assert "13 units · 2 products" in screen_text(app)

        await pilot.press("ctrl+f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CompleteDialog)
        assert dialog.question == "Complete Blind receipt PS-77 from Northwind: 13 units?"
        assert "13 units?" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert message(app) == (
            "✓ received 13 units: R-S01-000001; event file written (blind_receipt-R-S01-000001.csv)"
        )
        assert "completed: R-S01-000001" in screen_text(app)
        await enter(pilot, screen, "ZB24009960")  # nothing more lands on a completed receipt
        assert "this receipt is complete (R-S01-000001)" in message(app)

    written = read_event_file(outbox_folder / "blind_receipt-R-S01-000001.csv")
    assert written == {"AC-USBC1": (5, []), "LT-ZEN14": (8, sorted(scanned))}
    for serial in scanned:
        (card,) = lookup_serial(demo_db, serial)
        assert (card.state, card.store) == ("in_stock", "S01")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_missing_product_is_quick_created_with_its_serial_mode(
    make_app: MakeApp, outbox_folder: Path, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_blind(pilot, "Acme", "")
        await scan(pilot, "4006381333931")  # no product carries this barcode
        assert isinstance(app.screen, QuickCreate)
        await pilot.press(*"DR-NEW1", "enter", *"New drill", "enter", *"99")
        await pilot.press("up", "up")  # disabled -> optional -> required
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert message(app).startswith(
            "✓ DR-NEW1 created (required serials). DR-NEW1 New drill: scan its serials"
        )
        await enter(pilot, screen, "DN-0001")
        assert message(app) == "✓ DR-NEW1 DN-0001: 1"
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert message(app).startswith("✓ received 1 unit: R-S01-000001")
    assert read_event_file(outbox_folder / "blind_receipt-R-S01-000001.csv") == {
        "DR-NEW1": (1, ["DN-0001"])
    }


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_rescan_a_huge_paste_and_leaving_ask_first(
    make_app: MakeApp,
    outbox_folder: Path,
    data_home: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        rung = bells(app, monkeypatch)
        screen = await open_blind(pilot, "Acme", "R1")
        await enter(pilot, screen, "LT-ZEN14")
        await paste(pilot, screen, "ZB24009901 ZB24009902 ZB24009903")
        assert message(app) == "✓ 3 serials of LT-ZEN14 added from the list: 3"

        await paste(pilot, screen, "ZB24009904\n" * 1_000_000)  # an 11 MB clipboard
        assert message(app).startswith(
            "✗ the paste is 11,000,000 characters, too big to be a list of serials"
        )
        assert len(rung) == 1
        assert screen.query_one(SerialField).value == ""

        await pilot.press("f4")
        await settle(pilot)
        rescan = app.screen
        assert isinstance(rescan, Confirm)
        assert rescan.question == "Rescan LT-ZEN14: clear its 3 units scanned and start it again?"
        await pilot.press("n")
        await settle(pilot)
        assert screen.receiving.checklist.lines["LT-ZEN14"].received == 3
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert message(app) == "✓ LT-ZEN14 cleared: scan it again (0)"
        assert screen.receiving.checklist.lines["LT-ZEN14"].scanned == []

        await enter(pilot, screen, "ZB24009905")
        await pilot.press("escape")
        await settle(pilot)
        leave = app.screen
        assert isinstance(leave, Confirm)  # one unit would be lost
        assert leave.question == (
            "Leave Blind receipt R1 from Acme without completing it? "
            "The 1 unit scanned here would not be received."
        )
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ReceivingScreen)
    assert not outbox_folder.exists() or list(outbox_folder.iterdir()) == []
    assert list(data_home.rglob("*.jsonl")) == []  # given up: its draft went with it


@async_test
async def test_a_store_without_serialized_inventory_receives_quantities_only(
    make_app: MakeApp, demo_db: Database, outbox_folder: Path
) -> None:
    from serialpos.domain.users import Role
    from serialpos.services.context import Actor
    from serialpos.services.settings import set_setting

    set_setting(demo_db, Actor("admin", Role.ADMIN, "T1"), "serialized_inventory", "false", "S01")
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await open_blind(pilot, "Acme", "Q-1")
        await scan(pilot, ZEN_BARCODE)  # a serialized product, counted here: one unit
        assert message(app) == "✓ LT-ZEN14: one more, 1"
        assert screen.query_one(SerialField).placeholder == "how many LT-ZEN14? or scan a product"
        await enter(pilot, screen, "2")
        assert message(app) == "✓ LT-ZEN14: 3"
        await enter(pilot, screen, "ZB24009901")  # no serials asked, none taken
        assert message(app).startswith("✗ LT-ZEN14 is counted, not scanned")
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert message(app).startswith("✓ received 3 units: R-S01-000001")
    assert read_event_file(outbox_folder / "blind_receipt-R-S01-000001.csv") == {
        "LT-ZEN14": (3, [])
    }


@async_test
async def test_an_event_file_that_cannot_be_written_is_said_and_stays_owed(
    make_app: MakeApp, demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from serialpos.services.event_files import owed_count

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the outbox folder should be")
    monkeypatch.setenv("SERIALPOS_OUTBOX", str(blocker / "outbox"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_blind(pilot, "Acme", "")
        await enter(pilot, screen, "LT-ZEN14")
        await enter(pilot, screen, "ZB24009901")
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        said = message(app)
        assert said.startswith(
            "✗ received 1 unit: R-S01-000001; event file not written yet "
            "(it stays owed and is written at the next start"
        )
        assert str(blocker / "outbox") in said
        assert "completed: R-S01-000001" in screen_text(app)
    assert owed_count(demo_db) == 1


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_unfinished_blind_receipt_is_resumed_from_its_draft(
    make_app: MakeApp, outbox_folder: Path, data_home: Path, size: tuple[int, int]
) -> None:
    first = make_app()
    async with first.run_test(size=size) as pilot:
        screen = await open_blind(pilot, "Acme", "R9")
        await enter(pilot, screen, "LT-ZEN14")
        await enter(pilot, screen, "ZB24009901")
        await enter(pilot, screen, "ZB24009902")
    # That console is gone without leaving the receipt (a dropped SSH session).
    again = make_app()
    async with again.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("5")
        await settle(pilot)
        menu = again.screen
        assert isinstance(menu, ReceivingScreen)
        assert [(d.title, d.units) for d in menu.drafts] == [("Blind receipt R9 from Acme", 2)]
        shown = "↺ Resume Blind receipt R9 from Acme" if size[0] >= 60 else "↺ R9 Acme"
        assert shown in screen_text(again)
        assert message(again) == (
            "› no open ASN at S01: b for a blind receipt; 1 unfinished blind receipt to resume"
        )
        await pilot.press("down", "enter")
        await settle(pilot)
        resumed = again.screen
        assert isinstance(resumed, ChecklistScreen)
        assert resumed.receiving.checklist.lines["LT-ZEN14"].scanned == ["ZB24009901", "ZB24009902"]
        assert "ZB24009902" in screen_text(again)
        await enter(pilot, resumed, "ZB24009903")
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert message(again).startswith("✓ received 3 units: R-S01-000001")
    assert read_event_file(outbox_folder / "blind_receipt-R-S01-000001.csv") == {
        "LT-ZEN14": (3, ["ZB24009901", "ZB24009902", "ZB24009903"])
    }
    assert list((data_home / "serialpos" / "blind-drafts").iterdir()) == []


@async_test
async def test_leaving_the_new_product_form_keeps_the_bursts_refusals_said(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst led by an unknown barcode: the scans behind it, refused before the form
    opens, stay said (and listed by F7) after Esc on the form; "no product created" is
    said after them instead of over them."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_blind(pilot, "Acme", "")
        for raw in ("4006381333931", "ZB00000001", "ZB00000002"):  # one burst
            pilot.app.post_message(ScanRead(raw, "test", decode(raw)))
        await settle(pilot)
        assert isinstance(app.screen, QuickCreate)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert len(screen.kept) == 2
        said = message(app)
        assert said.startswith(
            "› no product created · before it: 2 refused (F7 lists them), newest first: "
            "'ZB00000002' is no product here"
        ), said


@async_test
async def test_a_gone_bikes_serial_scanned_under_the_drill_is_refused_naming_the_bike(
    make_app: MakeApp, demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bike went back to the vendor; its serial scanned after TL-DRL18 made a drill with
    it (the bike still read "returned to vendor"). Refused, naming the bike and its state."""
    from serialpos.domain.events import DocumentRef
    from serialpos.domain.states import Action
    from serialpos.services import ledger, users

    stockroom = users.actor_for(demo_db, "stockroom", "test")
    ledger.move(
        demo_db,
        stockroom,
        Action.RTV,
        store="S01",
        sku="BK-CITY7",
        serials=["WTU123456789A"],
        document=DocumentRef("rtv", "RTV-T1"),
        reason="faulty",
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rung = bells(app, monkeypatch)
        screen = await open_blind(pilot, "Northwind", "PS-78")
        await enter(pilot, screen, "TL-DRL18")
        await enter(pilot, screen, "WTU123456789A")
        assert message(app) == (
            "✗ WTU123456789A is the serial of BK-CITY7 City bike 7-speed (returned to "
            "vendor): receive it under BK-CITY7, or check the label"
        )
        assert len(rung) == 1
        assert screen.receiving.checklist.lines["TL-DRL18"].scanned == []
    assert [(c.sku, c.state) for c in lookup_serial(demo_db, "WTU123456789A")] == [
        ("BK-CITY7", "returned_to_vendor")
    ]


@async_test
async def test_a_caps_lock_scan_of_a_drill_in_stock_is_refused_with_the_bell(
    make_app: MakeApp, demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DRL18-A001 is in stock; the scanner with caps lock on reads drl18-a001. It made a
    second drill (a phantom twin); now refused with the bell, naming the drill in stock."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rung = bells(app, monkeypatch)
        screen = await open_blind(pilot, "Northwind", "PS-79")
        await enter(pilot, screen, "TL-DRL18")
        await enter(pilot, screen, "drl18-a001")
        assert message(app) == (
            "✗ 'drl18-a001' differs only in letter case from DRL18-A001 (TL-DRL18, in stock "
            "at S01): scan the label again (is caps lock on?)"
        )
        assert len(rung) == 1
        assert screen.receiving.checklist.lines["TL-DRL18"].scanned == []
    assert lookup_serial(demo_db, "drl18-a001") == []
