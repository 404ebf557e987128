"""A case's code scanned at an ASN's serial prompt, at 80x24 and 40x16: a GTIN-14 of a case and
a GS1 case or shipping label are each refused naming what was scanned (never the product's
format speaking, "an IMEI has only digits"), the whole sentence on the screen, and nothing is
counted. A case-pack ID the ASN lists counts the units its line lists, on its own product's
line, once (it was refused: "not a serial: scan the serial on each unit", or "type how many
arrived" on the case's own line)."""

from __future__ import annotations

import pytest
from tui_helpers import (
    PERSON,
    SCANNER,
    SIZES,
    KeyClock,
    MakeApp,
    async_test,
    bells,
    screen_text,
    settle,
    terminal_keys,
)
from tui_helpers import device_scan as scan

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.asn import import_asn_data
from serialpos.services.context import Actor

from test_blind_receiving_screen import (  # isort: skip
    data_home,  # noqa: F401 - the autouse fixture: drafts in the test's own folder
    enter,
)
from test_receiving_screen import message, open_asn  # isort: skip

AURORA_BARCODE = "05012345000015"  # PH-AUR15, serials in the IMEI format
ASN_CSV = """ASN,Vendor,SKU,Quantity,Serials,CasePack
ASN-T1,Aurora Devices Ltd,PH-AUR15,2,356938030000112|356938030000120,
ASN-T1,Aurora Devices Ltd,AC-USBC1,20,,CP-T1-7
"""

#: What a person scans off the carton, and the words that must name it.
CASE_CODES = [
    ("15012345000012", "is a case's barcode (GTIN 15012345000012, packaging level 1)"),
    ("(02)15012345000012(37)20", "is a case label: 20 units of GTIN 15012345000012"),
    ("00350123450000000016", "is a shipping label (SSCC 350123450000000016)"),
]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_case_code_at_the_serial_prompt_is_named_not_called_a_bad_imei(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stockroom = Actor("stockroom", Role.STOCKROOM, "T1")
    import_asn_data(demo_db, stockroom, "asn.csv", ASN_CSV.encode(), "S01")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_asn(pilot, app)
        rung = bells(app, monkeypatch)
        await scan(pilot, AURORA_BARCODE)
        assert message(app).startswith("› PH-AUR15")
        for code, words in CASE_CODES:
            before = len(rung)
            await scan(pilot, code)
            said = message(app)
            assert said.startswith("✗ ") and words in said, (code, said)
            assert said.endswith("not a serial: scan the serial on each unit"), said
            assert "IMEI" not in said, said
            assert len(rung) > before, code  # with the bell
            # The whole sentence is on the screen, wrapped, none of it cut.
            flat = " ".join(screen_text(app).split())
            assert " ".join(said.split()) in flat, (said, screen_text(app))
            line = screen.receiving.checklist.lines["PH-AUR15"]
            assert line.scanned == [] and line.received == 0
            await enter(pilot, screen, "")  # the refusal seen (kept until then)
        # The unit's own serial still lands.
        await scan(pilot, "356938030000112")
        assert message(app).startswith("✓ PH-AUR15 356938030000112")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_case_pack_id_scanned_counts_its_units_once(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stockroom = Actor("stockroom", Role.STOCKROOM, "T1")
    import_asn_data(demo_db, stockroom, "asn.csv", ASN_CSV.encode(), "S01")
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_asn(pilot, app)
        rung = bells(app, monkeypatch)
        await scan(pilot, AURORA_BARCODE)  # the phone selected: its serials asked
        # The carton's ID as a wedge scanner types it: one burst, keys 2 ms apart.
        clock.now += PERSON
        clock.step = SCANNER
        for event in terminal_keys("CP-T1-7\r"):
            app.post_message(event)
        await settle(pilot)
        clock.step = PERSON
        said = message(app)
        assert said == "✓ AC-USBC1: case CP-T1-7 (20 units), 20 of 20 ✓ complete", said
        assert " ".join(said.split()) in " ".join(screen_text(app).split())
        cable = screen.receiving.checklist.lines["AC-USBC1"]
        assert cable.counted == 20 and rung == []
        await scan(pilot, "CP-T1-7")  # the same carton again: an alert, counted once
        assert "CP-T1-7 of AC-USBC1 was already counted" in message(app)
        assert cable.counted == 20 and len(rung) == 1
        phone = screen.receiving.checklist.lines["PH-AUR15"]
        assert phone.scanned == [] and phone.counted == 0
