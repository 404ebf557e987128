"""ASN receiving in the console at 80x24 and 40x16: the Receiving menu lists the store's open
ASNs; the checklist refuses what the ASN does not list (serials, products), units in stock
anywhere and serials breaking the format, alerts on repeats, shows a check mark on a complete
product, refuses Receive all while serialized units are unscanned, rescans one product, and
completes with the differences confirmed and recorded; the event file is read back."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.asn import asn_detail, import_asn_data
from serialpos.services.context import Actor
from serialpos.services.lookup import lookup_serial
from serialpos.tui.app import SerialposApp
from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.complete_receipt import CompleteDialog
from serialpos.tui.screens.receiving import ReceivingScreen
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.checklist_view import ChecklistView
from serialpos.tui.widgets.message_line import MessageLine

from test_blind_receiving_screen import (  # isort: skip
    bells,
    data_home,  # noqa: F401 - the autouse fixture: drafts in the test's own folder
    enter,
    paste,
    read_event_file,
    scan,
)

ZEN_BARCODE = "05012345000039"  # LT-ZEN14 (serials ^ZB[0-9]{8}$)
AURORA_BARCODE = "05012345000015"  # PH-AUR15: not on the ASN below
ASN_CSV = """ASN,Vendor,SKU,Quantity,Serials,CasePack
ASN-T1,Northwind Computing,LT-ZEN14,2,ZB24100001|ZB24100002,
ASN-T1,Northwind Computing,AP-FRG300,2,,
ASN-T1,Northwind Computing,AC-USBC1,5,,
"""


def import_asn(db: Database) -> None:
    stockroom = Actor("stockroom", Role.STOCKROOM, "T1")
    import_asn_data(db, stockroom, "asn.csv", ASN_CSV.encode(), "S01")


def message(app: SerialposApp) -> str:
    return app.screen.query_one(MessageLine).text


async def open_asn(pilot: object, app: SerialposApp) -> ChecklistScreen:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await log_in(pilot, "stockroom")
    await pilot.press("5")
    await settle(pilot)
    menu = app.screen
    assert isinstance(menu, ReceivingScreen)
    assert [choice.asn for choice in menu.asns] == ["ASN-T1"]
    text = screen_text(app)
    assert "Blind receipt" in text and "ASN-T1" in text
    options = menu.query_one(OptionList)
    assert options.get_option_at_index(1).id == "asn:ASN-T1"
    await pilot.press("down", "enter")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, ChecklistScreen), message(app)
    return screen


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_asn_checklist_errors_alerts_check_mark_and_completion(
    make_app: MakeApp,
    demo_db: Database,
    outbox_folder: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_asn(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_asn(pilot, app)
        rung = bells(app, monkeypatch)
        assert "0/9 units" in screen_text(app)

        await scan(pilot, ZEN_BARCODE)  # the product by its barcode
        assert message(app) == "› LT-ZEN14 ZenBook 14 laptop: scan its serials (0 of 2)"
        # Every refusal by its words, with the bell, and nothing counted.
        await enter(pilot, screen, "ZB24100009")
        assert message(app) == "✗ serial ZB24100009 of LT-ZEN14 is not on ASN ASN-T1"
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        assert message(app) == "› refusal seen: scan on"
        await enter(pilot, screen, "ZB24000101")  # in stock at S01 already
        assert message(app) == (
            "✗ serial ZB24000101 of LT-ZEN14 is already recorded (in stock at S01)"
        )
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await enter(pilot, screen, "ZB-1")
        assert message(app).startswith("✗ serial 'ZB-1' is not valid for LT-ZEN14")
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await scan(pilot, AURORA_BARCODE)
        assert message(app) == "✗ PH-AUR15 is not on ASN ASN-T1"
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await scan(pilot, "]E0ABC")
        assert message(app) == "✗ unreadable scan: ean13 barcode must be digits, got 'ABC'"
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        assert len(rung) == 5
        assert screen.receiving.checklist.received == 0

        # A bare serial finds its own product's line whichever product is selected (it was
        # refused "scan LT-ZEN14 first"), and the selected product stays; a repeat alerts.
        await enter(pilot, screen, "AP-FRG300")
        await enter(pilot, screen, "ZB24100001")
        assert message(app) == "✓ LT-ZEN14 ZB24100001: 1 of 2 (AP-FRG300 stays selected)"
        assert screen.current == "AP-FRG300"
        view = screen.query_one(ChecklistView)
        assert "▸  AP-FRG300" in view.visible_text()
        await enter(pilot, screen, "ZB24100001")
        assert message(app) == "✗ serial ZB24100001 was already scanned (counted once)"
        assert len(rung) == 6
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await enter(pilot, screen, "AP-FRG300")
        await enter(pilot, screen, "ZB24100002")
        assert message(app) == (
            "✓ LT-ZEN14 ZB24100002: 2 of 2 ✓ LT-ZEN14 complete (AP-FRG300 stays selected)"
        )
        assert " ✓ LT-ZEN14" in view.visible_text()  # the check mark, not colour alone
        assert " ✓ LT-ZEN14" in screen_text(app)

        # Receive all is refused while the two AP-FRG300 units are unscanned.
        await pilot.press("f6")
        await settle(pilot)
        assert message(app) == (
            "✗ 2 serialized units not scanned yet: scan each one before receiving all"
        )
        await enter(pilot, screen, "AC-USBC1")
        await enter(pilot, screen, "3")
        assert message(app) == "✓ AC-USBC1: 3 of 5"
        assert "qty 3/5 short 2" in view.visible_text()

        # Complete: the differences are listed and must be confirmed; then recorded.
        await pilot.press("ctrl+f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CompleteDialog)
        assert dialog.listed == "AP-FRG300: 0 of 2 received\nAC-USBC1: 3 of 5 received"
        assert "AP-FRG300: 0 of 2 received" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen and message(app) == "› not completed: go on scanning"
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert message(app) == (
            "✓ received 5 units: ASN-T1, 2 difference(s) recorded; event "
            "file written (asn_receipt-ASN-T1.csv)"
        )
        assert "completed: ASN-T1" in screen_text(app)

    assert read_event_file(outbox_folder / "asn_receipt-ASN-T1.csv") == {
        "AC-USBC1": (3, []),
        "AP-FRG300": (0, []),
        "LT-ZEN14": (2, ["ZB24100001", "ZB24100002"]),
    }
    detail = asn_detail(demo_db, "ASN-T1")
    assert detail.status == "received"
    assert [d["sku"] for d in detail.discrepancies] == ["AP-FRG300", "AC-USBC1"]
    (card,) = lookup_serial(demo_db, "ZB24100001")
    assert (card.state, card.store) == ("in_stock", "S01")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_rescan_a_refused_list_and_scans_kept_on_leaving(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    import_asn(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_asn(pilot, app)
        await enter(pilot, screen, "LT-ZEN14")
        await paste(pilot, screen, "ZB24100001\nZB24100099")
        assert message(app).startswith(
            "✗ the list was refused whole at serial ZB24100099 "
            "(number 2 of 2): serial ZB24100099 of LT-ZEN14 is not "
            "on ASN ASN-T1"
        )
        assert screen.receiving.checklist.lines["LT-ZEN14"].received == 0
        await paste(pilot, screen, "ZB24100001\nZB24100002")
        assert message(app) == "✓ 2 serials of LT-ZEN14 added from the list: 2 of 2"
        # Picking a product in the list selects it; Enter goes back to scanning.
        await pilot.press("down", "right")
        await settle(pilot)
        assert message(app) == "› AP-FRG300 Fridge 300 L: scan its serials (0 of 2)"
        assert "▸  AP-FRG300" in screen.query_one(ChecklistView).visible_text()
        await pilot.press("enter")
        await enter(pilot, screen, "LT-ZEN14")

        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert message(app) == "✓ LT-ZEN14 cleared: scan it again (0 of 2)"
        rows = screen.query_one(ChecklistView).visible_text()
        assert "ZB24100001 to scan" in rows and "ZB24100002 to scan" in rows
        await enter(pilot, screen, "ZB24100002")
        rows = screen.query_one(ChecklistView).visible_text()
        assert "ZB24100001 to scan" in rows and "ZB24100002 to scan" not in rows
        assert "✓ 1 ZB24100002" in rows
        await pilot.press("escape")  # an ASN's scans are saved as they are made: no question
        await settle(pilot)
        assert isinstance(app.screen, ReceivingScreen)
    detail = asn_detail(demo_db, "ASN-T1")
    assert detail.status == "open"
    assert {line.sku: line.received for line in detail.lines}["LT-ZEN14"] == 1


@async_test
async def test_receive_all_takes_the_counted_products_once_every_serial_is_in(
    make_app: MakeApp, demo_db: Database, outbox_folder: Path
) -> None:
    import_asn(demo_db)
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await open_asn(pilot, app)
        await enter(pilot, screen, "ZB24100001")
        await enter(pilot, screen, "ZB24100002")
        await enter(pilot, screen, "AP-FRG300")
        await enter(pilot, screen, "FR-300-0101")
        await enter(pilot, screen, "FR-300-0102")
        assert message(app) == "✓ AP-FRG300 FR-300-0102: 2 of 2 ✓ AP-FRG300 complete"
        await pilot.press("f6")
        await settle(pilot)
        assert message(app) == "✓ taken as arrived: without serials in full: AC-USBC1 5"
        assert "9/9 units" in screen_text(app)
        await pilot.press("ctrl+f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CompleteDialog)
        assert dialog.question == "Complete ASN ASN-T1 from Northwind Computing: 9 units?"
        await pilot.press("y")
        await settle(pilot)
        assert message(app).startswith("✓ received 9 units: ASN-T1; event file written")
    assert read_event_file(outbox_folder / "asn_receipt-ASN-T1.csv") == {
        "AC-USBC1": (5, []),
        "AP-FRG300": (2, ["FR-300-0101", "FR-300-0102"]),
        "LT-ZEN14": (2, ["ZB24100001", "ZB24100002"]),
    }


def test_the_checklist_view_splices_the_selected_products_serials_under_it() -> None:
    """Rows are virtual: product rows in document order with the selected product's serials
    (newest first, then the listed ones still to scan) under it, found in constant time."""
    from serialpos.domain.checklist import Checklist, ChecklistLine

    lines = [
        ChecklistLine("A", "Alpha", 1, True),
        ChecklistLine("B", "Beta", 5, True, frozenset({f"B{n}" for n in range(5)})),
        ChecklistLine("C", "Gamma", 2, False),
    ]
    checklist = Checklist(lines, document="ASN-9")
    for serial in ("B3", "B0", "B4"):
        checklist.scan("B", serial)
    view = ChecklistView(checklist)
    assert view.rows == 3 and [view.row_at(r) for r in range(3)] == [
        ("product", 0),
        ("product", 1),
        ("product", 2),
    ]
    view.sync("B", ("B1", "B2"), "B4", to_newest=True)
    assert view.rows == 3 + 3 + 2
    assert [view.row_at(r) for r in range(8)] == [
        ("product", 0),
        ("product", 1),
        ("serial", 0),
        ("serial", 1),
        ("serial", 2),
        ("serial", 3),
        ("serial", 4),
        ("product", 2),
    ]
    assert view.cursor == 2  # the newest serial
    assert [view.serial_text(k, 40)[0].strip() for k in range(5)] == [
        "✓ 3 B4",
        "✓ 2 B0",
        "✓ 1 B3",
        "· B1 to scan",
        "· B2 to scan",
    ]
    assert view.serial_text(0, 40)[1] == "newest"
    assert [view.sku_at(r) for r in (0, 1, 4, 7)] == ["A", "B", "B", "C"]
    assert view.product_text(checklist.lines["B"], 40).startswith("▸  B Beta")
    assert view.product_text(checklist.lines["B"], 40).endswith("3/5 short 2")
    checklist.scan("B", "B1")
    checklist.scan("B", "B2")
    assert view.product_text(checklist.lines["B"], 40).startswith("▸✓ B Beta")
    assert view.product_text(checklist.lines["C"], 40).endswith("qty 0/2")
    checklist.scan("A", "X1")
    checklist.scan("A", "X2")  # over-scanned: a + and the words, not colour alone
    over = view.product_text(checklist.lines["A"], 40)
    assert over.startswith(" + A Alpha") and over.endswith("2/1 over 1")


OPTIONAL_CSV = """ASN,Vendor,SKU,Quantity,Serials,CasePack
ASN-T1,Northwind Computing,AC-USBC1,5,,
ASN-T1,Northwind Computing,TL-DRL18,3,,
"""


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_receive_all_names_the_optional_serial_units_it_takes(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """F6 takes a drill (serial optional) not scanned as arrived without its serial, and says
    so: its message named only "products without serials"."""
    stockroom = Actor("stockroom", Role.STOCKROOM, "T1")
    import_asn_data(demo_db, stockroom, "asn.csv", OPTIONAL_CSV.encode(), "S01")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_asn(pilot, app)
        await enter(pilot, screen, "TL-DRL18")
        await enter(pilot, screen, "DRL18-T001")  # one drill scanned by its serial
        await pilot.press("f6")
        await settle(pilot)
        said = message(app)
        assert said == (
            "✓ taken as arrived: without serials in full: AC-USBC1 5; serial optional, not "
            "scanned, without serials: TL-DRL18 2"
        ), said
        assert " ".join(said.split()[1:7]) in " ".join(screen_text(app).split())
        assert "8/8 units" in screen_text(app)
