"""Return to vendor asks the vendor, then the reason, before the units: a serial scanned while
either is asked became that text (the walk's reason was the unit's serial, the unit not taken).
Now a scan there (a wedge burst, or a serial scanner's read) is told from typing and refused
with the bell, kept until seen, as the count's "who counts" field does; typed words are taken
as before. At 80x24 and 40x16."""

from __future__ import annotations

import pytest
from scan_bursts import one_write
from tui_helpers import SIZES, KeyClock, MakeApp, async_test, settle

from serialpos.domain.decoder import decode
from serialpos.tui.messages import ScanRead

from test_burst_refusals import burst  # isort: skip
from test_rtv_screen import PHONES, open_rtv, said, type_in  # isort: skip


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_where_the_vendor_or_reason_is_asked_is_refused_not_taken(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        rung: list[int] = []
        monkeypatch.setattr(app, "bell", lambda: rung.append(1))
        screen = await open_rtv(pilot)
        await burst(pilot, clock, PHONES[0])  # before the vendor
        assert screen.vendor == "", said(pilot)
        assert f"'{PHONES[0]}' is the serial of a PH-AUR15 unit, not the vendor" in said(pilot), (
            said(pilot)
        )
        await type_in(pilot, "Aurora Devices")  # a person types the vendor
        assert screen.vendor == "Aurora Devices"
        await burst(pilot, clock, PHONES[0])  # a wedge scanner, at once
        pilot.app.post_message(ScanRead(PHONES[0], "serial", decode(PHONES[0])))
        await settle(pilot)
        assert screen.reason == "", said(pilot)
        assert not screen.entries
        assert len(rung) == 3 and len(screen.kept) == 3, screen.kept
        assert "was scanned, not returned: type the reason" in said(pilot), said(pilot)
        await pilot.press(*"dead", "enter")  # typed at a person's pace: the reason
        await settle(pilot)
        assert screen.reason == "dead", said(pilot)
        await burst(pilot, clock, PHONES[0])  # now the unit is taken
        assert [entry.serial for entry in screen.entries] == [PHONES[0]], said(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_vendor_pasted_in_one_write_is_taken_and_a_serial_so_is_refused(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vendor's name pasted in one write was dropped as "a scan cut by a pause" (the
    vendor could only be typed key by key). Now it goes into the field and the person's Enter
    takes it; a serial arriving so (a scan whose Enter came late) is refused at that Enter,
    naming its unit, and a burst closed by its Enter is still refused as a scan."""
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        rung: list[int] = []
        monkeypatch.setattr(app, "bell", lambda: rung.append(1))
        screen = await open_rtv(pilot)
        await one_write(pilot, clock, PHONES[0])
        await pilot.press("enter")
        await settle(pilot)
        assert screen.vendor == "" and rung == [1], said(pilot)
        assert f"'{PHONES[0]}' is the serial of a PH-AUR15 unit, not the vendor" in said(pilot)
        await one_write(pilot, clock, "Aurora Devices Ltd")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.vendor == "Aurora Devices Ltd", said(pilot)
        await burst(pilot, clock, PHONES[0])  # a scan with its Enter: refused as before
        assert screen.reason == "" and len(rung) == 2, said(pilot)
        await one_write(pilot, clock, "dead on arrival")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.reason == "dead on arrival", said(pilot)
        assert not screen.entries
