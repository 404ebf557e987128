"""A scan cut by a pause on a form that refuses scans (the RTV reason, at 80x24 and 40x16):
refused as that field refuses a scan, named, with its advice (not the home menu's), and kept
for F7; a whole scan right after the cut one's tail is named as itself. RTV's fields take
text pasted in one write (``TAKES_PASTED_TEXT``: a vendor's name must be pasteable), so the
piece before the pause goes into the field as pasted text; when the scan's tail, a burst
closed by its Enter, follows within a second, the piece is taken out of the field again and
the scan is refused whole, named as read (the piece was left in the field and the tail
refused by itself: session seventeen's note)."""

from __future__ import annotations

import pytest
from tui_helpers import PERSON, SCANNER, SIZES, KeyClock, MakeApp, async_test, settle, terminal_keys

from test_burst_refusals import burst  # isort: skip
from test_rtv_screen import open_rtv, said, type_in  # isort: skip


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_cut_scan_on_the_reason_is_refused_with_the_fields_advice(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_rtv(pilot)
        await type_in(pilot, "acme")
        assert screen.vendor == "acme"
        await burst(pilot, clock, "356938030000013", "356938030000096")
        clock.now += PERSON
        clock.step = SCANNER
        for event in terminal_keys("3569"):
            pilot.app.post_message(event)
        await settle(pilot)  # the held keys' timer fires: a scan cut by a pause
        clock.now += 0.4
        for event in terminal_keys("38030001011\r05012345000077\r"):
            pilot.app.post_message(event)
        await settle(pilot)
        clock.step = PERSON
        kept = [k.message for k in screen.kept]
        assert screen.reason == "", said(pilot)
        assert len(kept) == 4, kept
        assert app.focused is not None and getattr(app.focused, "value", None) == "", kept
        assert kept[2].startswith("356938030001011 was scanned, not returned: type the reason")
        assert kept[3].startswith("05012345000077 was scanned, not returned"), kept
        assert not any("1 Lookup, 3 Sale" in k for k in kept), kept
