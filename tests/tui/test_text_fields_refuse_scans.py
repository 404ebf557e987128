"""A field for words is never a scan field. A wedge scanner types into whatever has the focus:
an adjustment's note took a unit's serial (that unit stayed, the next was written off under
it), a blind receipt's vendor took two serials run together and its reference a product
barcode. Now a scan made while a field for words has the focus (a burst, or a serial
scanner's read) is refused with the bell and named; nothing is typed in or taken, and typing
works as before. (The blind receipt's vendor and reference are code fields: a scan there is
judged by services/scanned_codes.py, and a unit's serial or a product's barcode is refused
naming it; test_blind_receipt_scanned_codes.py has the codes they take.) The walk over the
console's sources keeps every new field to the rule."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import SIZES, KeyClock, MakeApp, async_test, bells, device_scan, log_in, settle

from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.receiving import BlindReceiptDialog, ReceivingScreen
from serialpos.tui.screens.transfers import TransfersScreen
from serialpos.tui.widgets.message_line import MessageLine

from test_burst_refusals import burst  # isort: skip
from test_adjustment_screen import open_adjustments  # isort: skip

TUI = Path(__file__).resolve().parents[2] / "src" / "serialpos" / "tui"
PHONES = ["356938030000112", "356938030000120"]
CABLE_BARCODE = "05012345000077"

#: Text inputs that are not a TextField, and why each may be (path, how many).
NOT_WORDS: dict[str, tuple[int, str]] = {
    "screens/login.py": (2, "user and PIN: before a log in the wedge is off"),
    "screens/sale_dialogs/tender.py": (1, "money (the money fields' own rules)"),
    "screens/shift.py": (1, "money (the money fields' own rules)"),
    "screens/sale_dialogs/discount.py": (1, "the discount's amount (money)"),
    "screens/sale_dialogs/quick_create.py": (3, "the whole form REFUSES_SCANS"),
    "widgets/report_dialogs.py": (1, "a SKU or serial filter takes a scan; others are words"),
}


def plain_inputs(path: Path) -> int:
    """How many times ``Input``/``CappedInput`` is made (called, or chosen to be called)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    count = 0
    for node in ast.walk(tree):
        made = node.func if isinstance(node, ast.Call) else None
        if isinstance(node, ast.IfExp):
            made = node.body
        if isinstance(made, ast.Name) and made.id in ("Input", "CappedInput"):
            count += 1
    return count


def test_every_text_input_of_the_console_is_a_scan_field_or_refuses_scans() -> None:
    found = {}
    for path in sorted(TUI.rglob("*.py")):
        name = path.relative_to(TUI).as_posix()
        if name == "widgets/capped_input.py":
            continue
        if count := plain_inputs(path):
            found[name] = count
    expected = {name: count for name, (count, _why) in NOT_WORDS.items()}
    assert found == expected, (
        "a new text field: a TextField for words (it refuses scans), a ScanInput for scans"
    )


def said(pilot: Pilot[object]) -> str:
    return pilot.app.screen.query_one(MessageLine).text


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_blind_receipts_vendor_and_reference_refuse_a_units_scans(
    make_app: MakeApp,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        rung = bells(app, monkeypatch)
        await log_in(pilot, "stockroom")
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, ReceivingScreen)
        await pilot.press("b")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, BlindReceiptDialog)
        await burst(pilot, clock, *PHONES)  # two serials, back to back
        vendor = dialog.query_one("#vendor", Input)
        assert vendor.value == "" and app.focused is vendor, (vendor.value, said(pilot))
        assert len(rung) == 2
        assert said(pilot) == (
            f"✗ 2 scans not used; last: '{PHONES[1]}' is no vendor on any ASN or receipt: "
            "type a new vendor once; scan the units once the receipt is open"
        )
        await pilot.press(*"Acme", "enter")  # a person types the vendor
        await settle(pilot)
        reference = dialog.query_one("#reference", Input)
        assert app.focused is reference
        await burst(pilot, clock, CABLE_BARCODE)
        await device_scan(pilot, CABLE_BARCODE)  # a serial scanner's read, too
        assert app.screen is dialog and reference.value == "", reference.value
        assert said(pilot) == (
            f"✗ 2 scans not used; last: '{CABLE_BARCODE}' is the barcode of AC-USBC1, not "
            "the reference; scan the units once the receipt is open"
        )
        await pilot.press(*"PS-1", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChecklistScreen)
        assert screen.receiving.title == "Blind receipt PS-1 from Acme"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_adjustments_note_refuses_a_scan(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        rung = bells(app, monkeypatch)
        screen = await open_adjustments(pilot)
        await pilot.press("2", "enter")  # lost
        await settle(pilot)
        assert screen.stage == "note"
        await burst(pilot, clock, "356938030000013", "356938030000096")
        await device_scan(pilot, "356938030000021")
        assert screen.note is None and not screen.entries, screen.head_words()
        assert len(rung) == 3 and len(screen.kept) == 3, screen.kept
        assert "356938030000021 not taken: type the note (or just Enter)" in said(pilot)
        await pilot.press("enter")  # no note
        await settle(pilot)
        assert screen.note == "" and screen.stage == "scan"
        await burst(pilot, clock, "356938030000013")  # now the unit is taken
        assert [e.serial for e in screen.entries] == ["356938030000013"], said(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_new_transfers_store_refuses_a_scan(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        rung = bells(app, monkeypatch)
        await log_in(pilot, "stockroom")
        await pilot.press("6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TransfersScreen)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await burst(pilot, clock, "356938030000013")
        assert screen.asking_store and app.screen is screen
        assert rung and "356938030000013 not taken: type the store's code" in said(pilot)
