"""A refused scan in the middle of a scanner's burst stays on screen until seen (receiving
against an ASN, a blind receipt, a count; 80x24 and 40x16): the message line keeps every
refusal with the good scans after it, the bell rings once per refusal, F7 (shown while
something is kept) lists them whole, and closing the list or an empty Enter marks them seen.

The scans arrive as a scanner sends them: every key of ``A\\rB\\rC\\r`` in one read of the
terminal, typed 2 ms apart (the wedge's clock), before the first answer is back."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from tui_helpers import (
    PERSON,
    SCANNER,
    SIZES,
    KeyClock,
    MakeApp,
    async_test,
    bells,
    log_in,
    screen_text,
    settle,
    shows,
    terminal_keys,
)

from serialpos.db.engine import Database
from serialpos.tui.screens.counts import CountsScreen
from serialpos.tui.screens.transfers import TransferPickScreen
from serialpos.tui.widgets.message_line import MessageLine

from test_blind_receiving_screen import enter, open_blind  # isort: skip
from test_counts_screen import enter as count_enter  # isort: skip
from test_counts_screen import open_counts  # isort: skip
from test_receiving_screen import data_home, import_asn, open_asn  # noqa: F401  # isort: skip


async def burst(pilot: Pilot[object], clock: KeyClock, *scans: str) -> None:
    """The scans as one burst of a wedge scanner: all keys at once, 2 ms apart."""
    clock.now += PERSON
    clock.step = SCANNER
    for event in terminal_keys("".join(f"{scan}\r" for scan in scans)):
        pilot.app.post_message(event)
    await settle(pilot)
    clock.step = PERSON


def said(pilot: Pilot[object]) -> MessageLine:
    return pilot.app.screen.query_one(MessageLine)


async def open_transfer_pick(pilot: Pilot[object], to: str = "S02") -> TransferPickScreen:
    """A new transfer to ``to``, opened for picking by the stockroom."""
    await log_in(pilot, "stockroom")
    await pilot.press("6")
    await settle(pilot)
    await pilot.press("ctrl+n", *to, "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TransferPickScreen)
    return screen


async def the_list_then_seen(pilot: Pilot[object], *refused: str) -> None:
    """F7 lists every kept refusal whole; Enter closes the list, and they are seen."""
    from serialpos.tui.screens.kept_refusals import RefusalsDialog

    await pilot.press("f7")
    await settle(pilot)
    assert isinstance(pilot.app.screen, RefusalsDialog)
    count = len(refused)
    await shows(pilot, f"{count} refused scan{'s' if count > 1 else ''}, oldest first", *refused)
    await pilot.press("enter")
    await settle(pilot)
    assert not isinstance(pilot.app.screen, RefusalsDialog)
    seen = "› refusal seen: scan on" if count == 1 else f"› {count} refusals seen: scan on"
    assert said(pilot).text == seen
    assert "F7 Refused" not in screen_text(pilot.app)  # nothing kept: the key goes


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_not_on_the_asn_stays_said_after_the_good_scans_of_its_burst(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_asn(demo_db)
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_asn(pilot, app)
        rung = bells(app, monkeypatch)
        await burst(pilot, clock, "ZB24100001", "ZB24100009", "ZB24100002")
        assert screen.receiving.checklist.lines["LT-ZEN14"].scanned == [
            "ZB24100001",
            "ZB24100002",
        ]
        assert said(pilot).text == (  # the newest scan's answer first (its kind), then it
            "✓ LT-ZEN14 ZB24100002: 2 of 2 ✓ LT-ZEN14 complete "
            "· before it: ✗ serial ZB24100009 of LT-ZEN14 is not on ASN ASN-T1"
        )
        assert said(pilot).has_class("-ok")
        assert rung == [1]
        await shows(pilot, "ZB24100009", "F7 Refused")
        # Another burst: the good scans still do not take the refusal's place.
        await burst(pilot, clock, "AP-FRG300", "FR-300-0101")
        assert said(pilot).text.startswith("✓ AP-FRG300 FR-300-0101: 1 of 2")
        assert said(pilot).text.endswith(
            "· before it: ✗ serial ZB24100009 of LT-ZEN14 is not on ASN ASN-T1"
        )
        await the_list_then_seen(pilot, "1. ✗ serial ZB24100009")
        assert app.screen is screen and screen.field.has_focus
        await burst(pilot, clock, "FR-300-0102")
        assert said(pilot).text == "✓ AP-FRG300 FR-300-0102: 2 of 2 ✓ AP-FRG300 complete"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_every_refusal_of_a_blind_receipts_burst_is_kept_and_listed(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_blind(pilot, "Northwind", "PS-90")
        await enter(pilot, screen, "LT-ZEN14")
        rung = bells(app, monkeypatch)
        await burst(
            pilot, clock, "ZB70000001", "FR-300-0001", "ZB70000002", "ZB1000000", "ZB70000003"
        )
        assert screen.receiving.checklist.lines["LT-ZEN14"].scanned == [
            "ZB70000001",
            "ZB70000002",
            "ZB70000003",
        ]
        text = said(pilot).text
        assert text.startswith(
            "✓ LT-ZEN14 ZB70000003: 3 · before it: 2 refused (F7 lists them), newest first: "
            "serial 'ZB1000000' is not valid for LT-ZEN14"
        ), text
        assert text.index("'ZB1000000'") < text.index("serial FR-300-0001 "), text
        assert rung == [1, 1]  # the bell per refusal
        await shows(pilot, "2 refused", "F7 Refused")
        await the_list_then_seen(pilot, "1. ✗ serial FR-300-0001", "2. ✗ serial 'ZB1000000'")
        # An empty Enter marks them seen too; with nothing kept it is refused as before.
        await burst(pilot, clock, "ZB1")
        assert said(pilot).text.startswith("✗ serial 'ZB1' is not valid for LT-ZEN14")
        await enter(pilot, screen, "")
        assert said(pilot).text == "› refusal seen: scan on"
        await enter(pilot, screen, "")
        assert said(pilot).text == "✗ scan or type a product, a serial or a quantity, then Enter"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_phone_scanned_into_a_count_of_fridges_stays_refused_on_screen(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_counts(pilot, "stockroom")
        await count_enter(pilot, screen, "AP-FRG300")  # a count of the fridges only
        await count_enter(pilot, screen, "Ann")
        assert isinstance(app.screen, CountsScreen) and screen.stage == "scan"
        rung = bells(app, monkeypatch)
        await burst(pilot, clock, "AP-FRG300", "FR-300-0001", "356938030000013", "FR-300-0002")
        text = said(pilot).text
        assert text.startswith("✓ AP-FRG300 FR-300-0002 counted (2 in batch 1) · before it: ")
        assert text.endswith("✗ PH-AUR15 is not in count C-S01-000001 (it counts AP-FRG300)")
        assert rung == [1]
        await shows(pilot, "✗ PH-AUR15 is", "F7 Refused")  # after the answer, wrapped
        await the_list_then_seen(pilot, "1. ✗ PH-AUR15 is not in count")
        assert screen.field.has_focus


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_unit_at_another_store_stays_refused_in_a_transfers_picking_burst(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The scan-out loop (a transfer picked here; returns to vendor and adjustments share
    it) keeps its refusals the same way."""
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_transfer_pick(pilot)
        rung = bells(app, monkeypatch)
        await burst(pilot, clock, "356938030000013", "356938030000062", "356938030000021")
        assert [e.serial for e in screen.entries] == ["356938030000013", "356938030000021"]
        assert said(pilot).text == (
            "✓ PH-AUR15 356938030000021 ✓ 2 units "
            "· before it: ✗ serial 356938030000062 is in stock at S02, not at S01"
        )
        assert rung == [1]
        await shows(pilot, "F7 Refused")
        await the_list_then_seen(pilot, "1. ✗ serial 356938030000062")
        assert screen.field.has_focus
