"""A blind receipt's vendor and reference scanned off the delivery (80x24 and 40x16; a burst,
jitter, a lone first key): a vendor's code label that an ASN or an earlier receipt names fills
the vendor, spelt as recorded; the packing slip's barcode fills the reference; only the
person's Enter starts the receipt. Both fields refused every scan ("was scanned, not used:
type the vendor"), so the stockroom typed what the scanner in their hand could read."""

from __future__ import annotations

from pathlib import Path

import pytest
from scan_bursts import FIRST_KEY_ARRIVALS, scanner_types
from textual.widgets import Input
from tui_helpers import SIZES, KeyClock, MakeApp, async_test, bells, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.asn import import_asn_data
from serialpos.services.context import Actor
from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.receiving import BlindReceiptDialog, ReceivingScreen
from serialpos.tui.widgets.message_line import MessageLine

ASN_CSV = """ASN,Vendor,SKU,Quantity,Serials,CasePack
ASN-V1,AURORA-01,AC-USBC1,5,,
"""


@pytest.mark.parametrize("arrival", FIRST_KEY_ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_known_vendors_code_and_the_packing_slip_are_taken_when_scanned(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    arrival: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    stockroom = Actor("stockroom", Role.STOCKROOM, "T1")
    import_asn_data(demo_db, stockroom, "asn.csv", ASN_CSV.encode(), "S02")  # another store's
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
        await scanner_types(pilot, clock, "aurora-01\r", arrival)  # the label, in lower case
        await settle(pilot)
        vendor = dialog.query_one("#vendor", Input)
        reference = dialog.query_one("#reference", Input)
        said = dialog.query_one(MessageLine).text
        assert app.focused is reference and rung == [], said
        if arrival != "burst":
            # Keys slowed by the link reach the field as typed text, the Enter with them (a
            # person's Enter, as far as anything can tell): the service spells the vendor as
            # recorded when the receipt starts.
            assert vendor.value == "aurora-01", (vendor.value, said)
            await scanner_types(pilot, clock, "PS-77812\r", arrival)
        else:
            assert vendor.value == "AURORA-01", (vendor.value, said)
            assert said == "✓ vendor AURORA-01 scanned; the reference (optional), then Enter"
            await scanner_types(pilot, clock, "PS-77812\r", arrival)
            said = dialog.query_one(MessageLine).text
            assert reference.value == "PS-77812", (reference.value, said)
            assert said == "✓ reference PS-77812 scanned; Enter to start the receipt"
            assert "reference PS-77812 scanned" in " ".join(screen_text(app).split())
            assert app.screen is dialog and rung == []  # not started by a scan's Enter
            await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChecklistScreen), screen
        assert screen.receiving.title == "Blind receipt PS-77812 from AURORA-01"
        assert rung == []


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_cut_before_its_last_key_is_refused_whole_and_said_whole(
    make_app: MakeApp,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A unit's serial whose last key came after a pause (the link's jitter): its first piece
    went in as pasted text and the scan was handed on without its last key, named
    '35693803000001' (the dialog's four rows then cut the refusal's last words). Now it is
    judged whole, and the whole refusal is on the screen."""
    from scan_bursts import one_write

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    clock = KeyClock()
    app = make_app(key_clock=clock)
    serial = "356938030000013"  # in stock at S01: a PH-AUR15
    async with app.run_test(size=size) as pilot:
        rung = bells(app, monkeypatch)
        await log_in(pilot, "stockroom")
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, BlindReceiptDialog)
        await one_write(pilot, clock, serial[:-1])
        await one_write(pilot, clock, serial[-1] + "\r", after=0.3)
        await settle(pilot)
        said = dialog.query_one(MessageLine).text
        assert said == (
            f"✗ '{serial}' is the serial of a PH-AUR15 unit, not the vendor; scan the units "
            "once the receipt is open"
        ), said
        assert dialog.query_one("#vendor", Input).value == "" and len(rung) == 1
        flat = " ".join(screen_text(app).replace("│", " ").split())
        assert said in flat, flat
