"""Cycle counts in the console at 80x24 and 40x16: batches by counter, continuous scanning,
the repeat-scan alert and the two-batch flag (with the bell), the reconciliation lists, a
stockroom user told they cannot approve, and a manager's approval posting the adjustments."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

import pytest
import sqlalchemy as sa
from textual.pilot import Pilot
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.context import Actor
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.reconciling import reconcile
from serialpos.services.counts.scanning import scan
from serialpos.services.counts.views import get_count
from serialpos.tui.screens.counts import CountsScreen
from serialpos.tui.widgets.count_list import CountList
from serialpos.tui.widgets.message_line import MessageLine

PHONE_BARCODE = "5012345000015"  # PH-AUR15 in the demo
IN_STOCK = "356938030000013"  # a PH-AUR15 unit in stock at S01
AT_S02 = "356938030000062"  # a PH-AUR15 unit in stock at S02


def unit_state(db: Database, serial: str) -> str:
    return str(
        db.read(
            lambda conn: conn.execute(
                sa.text("SELECT state FROM serial_unit WHERE serial = :s"), {"s": serial}
            ).scalar_one()
        )
    )


async def open_counts(pilot: Pilot[object], user: str) -> CountsScreen:
    await log_in(pilot, user)
    await pilot.press("8")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CountsScreen)
    return screen


async def count_whole_store(pilot: Pilot[object], counter: str) -> CountsScreen:
    """The stockroom user on a new count of the whole store, scanning in ``counter``'s
    batch."""
    screen = await open_counts(pilot, "stockroom")
    await pilot.press("enter")  # a new count of the whole store
    await settle(pilot)
    await pilot.press(*counter, "enter")
    await settle(pilot)
    assert screen.stage == "scan"
    return screen


async def enter(pilot: Pilot[object], screen: CountsScreen, text: str) -> None:
    screen.field.focus()
    screen.field.value = text
    await pilot.press("enter")
    await settle(pilot)


def message(screen: CountsScreen) -> str:
    return screen.query_one(MessageLine).text


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_batches_alert_on_a_repeat_and_flag_a_serial_of_two_batches(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        rung: list[int] = []
        monkeypatch.setattr(app, "bell", lambda: rung.append(1))
        screen = await open_counts(pilot, "stockroom")
        await enter(pilot, screen, "")  # a new count of the whole store
        assert screen.count is not None and screen.count.number == "C-S01-000001"
        assert screen.stage == "counter"
        await enter(pilot, screen, "Ann")
        assert "batch 1 (Ann)" in message(screen)
        await enter(pilot, screen, PHONE_BARCODE)
        assert screen.current == "PH-AUR15" and "scan each unit's serial" in message(screen)
        await enter(pilot, screen, IN_STOCK)
        assert message(screen) == f"✓ PH-AUR15 {IN_STOCK} counted (1 in batch 1)"
        assert f"PH-AUR15 {IN_STOCK}" in screen.listing.visible_text()
        assert not rung
        await enter(pilot, screen, IN_STOCK)  # the same unit again: an alert, counted once
        assert message(screen) == (
            f"⚠ serial {IN_STOCK} of PH-AUR15 was already scanned in batch 1: counted once"
        )
        assert rung == [1]
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await enter(pilot, screen, "NOT-AN-IMEI")  # a refusal: said, the bell, nothing kept
        assert message(screen).startswith("✗ serial 'NOT-AN-IMEI' is not valid for PH-AUR15")
        assert len(rung) == 2
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await enter(pilot, screen, "5012345000077")  # a cable: counted by quantity
        await enter(pilot, screen, "+4")
        assert "AC-USBC1: +4, 5 in batch 1" in message(screen)
        await pilot.press("ctrl+n")  # the next batch, by Bob
        await settle(pilot)
        await enter(pilot, screen, "Bob")
        await enter(pilot, screen, IN_STOCK)  # a serial alone: resolved by the ledger
        assert message(screen) == (
            f"⚠ serial {IN_STOCK} of PH-AUR15 was also counted in batch 1: flagged, counted once"
        )
        assert len(rung) == 3
        assert f"{IN_STOCK} ⚑" in screen.listing.visible_text()
        assert "batch 1" in screen.listing.visible_text()
        await enter(pilot, screen, AT_S02)
        await pilot.press("f6")
        await settle(pilot)
        assert screen.stage == "review" and screen.result is not None
        assert screen.result.matched == 1 and len(screen.result.duplicates) == 1
        shown = screen_text(app)
        assert "C-S01-000001 to approve" in shown and "missing" in shown
        await pilot.press("right", "right")  # Missing -> Never seen -> Elsewhere
        await settle(pilot)
        assert "Elsewhere (1)" in screen.listing.visible_text()
        assert AT_S02 in screen.listing.visible_text()
        await pilot.press("ctrl+f")  # a stockroom user may count, not approve
        await settle(pilot)
        assert message(screen) == (
            "✗ you cannot approve a count (stockroom): a manager or admin approves it"
        )
    assert unit_state(demo_db, AT_S02) == "in_stock"
    assert get_count(demo_db, "C-S01-000001").status == "open"
    assert [(b.counter, b.status) for b in get_count(demo_db, "C-S01-000001").batches] == [
        ("Ann", "closed"),
        ("Bob", "open"),
    ]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_manager_resumes_reviews_and_approves(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], outbox_folder: Path
) -> None:
    who = Actor("stockroom", Role.STOCKROOM, "T1")
    number = open_count(demo_db, who, "S01", products=["PH-AUR15"]).number
    start_batch(demo_db, who, number, "Ann")
    scan(demo_db, who, number, 1, sku="PH-AUR15", serial=IN_STOCK)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_counts(pilot, "manager")
        assert number in screen.listing.visible_text()  # left open: listed, Enter resumes
        await enter(pilot, screen, "")
        assert screen.stage == "scan" and screen.batch_no == 1
        assert "batch 1 resumed (1 counted so far)" in message(screen)
        await pilot.press("f6")
        await settle(pilot)
        assert screen.result is not None and len(screen.result.missing) == 4
        assert "Missing (4)" in screen.listing.visible_text()
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert "F9/^F again to post" in message(screen)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert message(screen) == (f"✓ {number} approved: 4 written off, 0 added, on hand -4")
        assert f"{number} approved" in screen_text(app)
    assert unit_state(demo_db, "356938030000021") == "written_off"
    assert unit_state(demo_db, IN_STOCK) == "in_stock"
    assert (outbox_folder / f"count-{number}.csv").exists()


class _Watched(Sequence[str]):
    """A long list that records which rows were asked for."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read: set[int] = set()

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            raise AssertionError("the list must not be sliced whole")
        self.read.add(index)
        return f"PH SN{index:07d}"


@async_test
async def test_a_list_of_a_million_units_renders_only_the_rows_on_screen(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await open_counts(pilot, "manager")
        rows = _Watched(1_000_000)
        listing = screen.query_one(CountList)
        listing.show("Missing (1000000)", rows, lambda item, _w: item)
        listing.focus()
        await settle(pilot)
        assert rows.read and max(rows.read) < listing.size.height
        await pilot.press("end")
        await settle(pilot)
        assert "PH SN0999999" in listing.visible_text()
        assert "1000000/1000000" in listing.visible_text()
        assert len(rows.read) < 3 * listing.size.height


@async_test
async def test_a_burst_of_scanner_reads_lands_whole_and_in_order(
    make_app: MakeApp, demo_db: Database
) -> None:
    from serialpos.domain.decoder import decode
    from serialpos.tui.messages import ScanRead

    serials = ["356938030000013", "356938030000021", "356938030000039", "356938030000047"]
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await open_counts(pilot, "stockroom")
        await enter(pilot, screen, "")
        await enter(pilot, screen, "Ann")
        # The product, then its serials, read faster than any commit: no dialog, no wait.
        for raw in [PHONE_BARCODE, *serials, "]C1010501234500001521" + "SN-NOT-IMEI"]:
            app.post_message(ScanRead(raw, "test", decode(raw)))
        await settle(pilot)
        shown = screen.listing.visible_text()
        assert [line.split()[-1] for line in shown.splitlines()[1:5]] == serials[::-1]
        # The GS1 read (product + serial) was checked like any other: refused, said.
        assert message(screen).startswith("✗ serial 'SN-NOT-IMEI' is not valid for PH-AUR15")
    found = reconcile(demo_db, "C-S01-000001")
    assert found.matched == 4


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_f5_after_a_burst_closes_the_batch_behind_its_scans(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scans read, F5 (a new batch) before they were taken: the close ran on a worker of its
    own and overtook them, each scan then refused "batch 1 … is closed", none counted in
    Ann's batch. The close now waits its turn behind them (the scans' job thread)."""
    import threading

    from serialpos.domain.decoder import decode
    from serialpos.services import counts
    from serialpos.tui.messages import ScanRead

    serials = ["356938030000013", "356938030000021"]
    take, close = counts.take, counts.close_batch
    let_go, closed = threading.Event(), threading.Event()

    def take_later(*args: Any, **kwargs: Any) -> Any:
        """The scans wait (a slow database) until the test lets them go."""
        assert let_go.wait(timeout=30), "the scans were never let go"
        return take(*args, **kwargs)

    def close_said(*args: Any, **kwargs: Any) -> Any:
        try:
            return close(*args, **kwargs)
        finally:
            closed.set()

    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await count_whole_store(pilot, "Ann")
        monkeypatch.setattr(counts, "take", take_later)
        monkeypatch.setattr(counts, "close_batch", close_said)
        submitted: list[object] = []
        submit = screen.jobs.submit

        def counted(*args: Any, **kwargs: Any) -> None:
            submitted.append(args[0])
            submit(*args, **kwargs)

        monkeypatch.setattr(screen.jobs, "submit", counted)
        for raw in [PHONE_BARCODE, *serials]:
            app.post_message(ScanRead(raw, "test", decode(raw)))
        await pilot.pause()
        await pilot.press("f5")
        # Closed already (the race), or waiting behind the scans.
        deadline = time.monotonic() + 15
        while not closed.is_set() and len(submitted) < 4:
            assert time.monotonic() < deadline, "F5 neither closed the batch nor queued it"
            await pilot.pause(0.01)
        let_go.set()
        await settle(pilot)
        assert screen.stage == "counter"  # who counts the next batch is asked
        assert message(screen) == f"✓ PH-AUR15 {serials[1]} counted (2 in batch 1)"
        number = screen.count.number if screen.count is not None else ""
    [batch] = get_count(demo_db, number).batches
    assert (batch.counter, batch.status, batch.scans) == ("Ann", "closed", 2)
