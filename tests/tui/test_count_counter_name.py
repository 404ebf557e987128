"""A count's batch asks who counts it before the first scan; the verify walk's stockroom
scanned a serial at once, and the serial became the counter's name, the unit uncounted.
While the name is asked, a scan (a wedge burst, or a serial scanner's read) is told from
typing and refused with the bell, kept until seen, and nothing is started; a person typing
a name starts the batch as before. At 80x24 and 40x16, the keys as a scanner sends them."""

from __future__ import annotations

import pytest
from scan_bursts import one_write, scanner_types
from tui_helpers import (
    SIZES,
    KeyClock,
    MakeApp,
    async_test,
    bells,
    settle,
)

from serialpos.db.engine import Database
from serialpos.domain.decoder import decode
from serialpos.services.counts.views import get_count
from serialpos.tui.messages import ScanRead

from test_burst_refusals import burst  # isort: skip
from test_counts_screen import IN_STOCK, enter, message, open_counts  # isort: skip


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_where_the_counter_is_asked_is_refused_not_taken_as_the_name(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        rung: list[int] = []
        monkeypatch.setattr(app, "bell", lambda: rung.append(1))
        screen = await open_counts(pilot, "stockroom")
        await enter(pilot, screen, "")  # a new count of the whole store
        assert screen.stage == "counter"
        await burst(pilot, clock, IN_STOCK)  # a wedge scanner, at once
        pilot.app.post_message(ScanRead(IN_STOCK, "serial", decode(IN_STOCK)))  # a serial one
        await settle(pilot)
        assert screen.stage == "counter", message(screen)
        assert not get_count(demo_db, "C-S01-000001").batches
        assert len(screen.kept) == 2 and len(rung) == 2, screen.kept
        assert "was scanned, not counted: type who counts this batch" in message(screen)
        # A person types the name (keys at a person's pace): the batch starts, the unit counts.
        await pilot.press(*"Ann", "enter")
        await settle(pilot)
        assert screen.stage == "scan", message(screen)
        [batch] = get_count(demo_db, "C-S01-000001").batches
        assert batch.counter == "Ann"
        await enter(pilot, screen, IN_STOCK)
        assert f"{IN_STOCK} counted" in message(screen), message(screen)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_name_pasted_in_one_write_is_taken_and_a_cut_scan_leaves_nothing(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person pasting the counter's name with the terminal's paste (one write, no
    bracketed paste) got it dropped as a scan cut by a pause. Now it goes into the field and
    the person's Enter starts the batch. A scan cut by jitter (two bursts 0.4 s apart) is
    refused whole, nothing of it left in the field; a scan in pieces slower than a form's
    key gap reaches Enter as typed text and is refused there as a unit's serial."""
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        rung = bells(app, monkeypatch)
        screen = await open_counts(pilot, "stockroom")
        await enter(pilot, screen, "")  # a new count of the whole store
        assert screen.stage == "counter"
        await one_write(pilot, clock, IN_STOCK[:7])  # a scan's first piece, then its tail
        await one_write(pilot, clock, IN_STOCK[7:] + "\r", after=0.4)
        assert screen.field.value == "", message(screen)
        assert f"{IN_STOCK} was scanned, not counted" in message(screen)
        assert rung and screen.stage == "counter"
        clock.now += 2
        await scanner_types(pilot, clock, IN_STOCK + "\r", "jitter")  # typed, refused at Enter
        assert screen.field.value == "" and screen.stage == "counter", message(screen)
        assert f"'{IN_STOCK}' is the serial of a PH-AUR15 unit" in message(screen)
        assert not get_count(demo_db, "C-S01-000001").batches
        clock.now += 2
        await one_write(pilot, clock, "Ann Smith")
        assert screen.field.value == "Ann Smith", message(screen)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.stage == "scan", message(screen)
        [batch] = get_count(demo_db, "C-S01-000001").batches
        assert batch.counter == "Ann Smith"
