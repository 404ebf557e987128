"""Documents and settings: an adjustment, a count and its batches, a transfer, a conflict's
resolution, a product's serial mode, a store setting, a pick list, an export, a receipt; a
second submit while the first one's worker still runs writes nothing and opens nothing, at 80x24
and 40x16.

How each test is made: tests/tui/double_submits.py.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import (
    SIZES,
    HeldRead,
    MakeApp,
    async_test,
    log_in,
    open_from_home,
    said,
    settle,
)

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services import (
    adjustments,
    blind_receiving,
    conflicts,
    counts,
    exports,
    orders,
    picking,
    products,
    settings,
    transfers,
)
from serialpos.services.context import Actor
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.tui.screens import count_jobs, receiving
from serialpos.tui.screens.admin_settings import StoreSettingsScreen
from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.conflicts import ConflictsScreen
from serialpos.tui.screens.serial_mode import ChooseSerialMode
from serialpos.tui.screens.transfers import TransferPickScreen, TransfersScreen
from serialpos.tui.widgets.report_dialogs import ExportDialog

from test_adjustment_screen import open_adjustments, type_in  # isort: skip
from test_conflict_refund_key import _one_line_conflict as till_sale_in_conflict  # isort: skip
from test_counts_screen import open_counts  # isort: skip
from test_fulfilment_screen import (  # isort: skip
    open_fulfilment,
    waiting_orders,
)
from test_sale import enter  # isort: skip

from double_submits import answer_yes, pressed_again, second_handled, settle_keys, still_said, until  # isort: skip


# -- documents and records ------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_adjustment_posted_again_while_it_posts_is_posted_once(
    make_app: MakeApp,
    demo_db: Database,
    outbox_folder: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three cases found, F10 and yes, and F10 and yes again while it posts: the second
    finish was queued behind the first and posted the same list again, a second document:
    six cases added for three found."""
    from serialpos.services.stock import stock_levels

    def cases() -> int:
        [level] = stock_levels(demo_db, "S01", "AC-CASE15")
        return level.quantity

    before = cases()
    held = HeldRead(adjustments.adjust)
    monkeypatch.setattr(adjustments, "adjust", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_adjustments(pilot)
        await type_in(pilot, "3")  # found: adds
        await type_in(pilot, "")  # no note
        await type_in(pilot, "AC-CASE15")
        await type_in(pilot, "3")
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("y")  # posted (held)
        await held.held(pilot)
        await pilot.press("f10")
        await answer_yes(pilot)
        await second_handled(pilot, held)
        await held.let_go(pilot)
        assert held.calls == 1
        assert app.screen is screen
        assert said(pilot) == "✓ posted A-S01-000001: 3 units (+3 on hand), found", said(pilot)
    assert [p.name for p in outbox_folder.iterdir()] == ["adjustment-A-S01-000001.csv"]
    assert cases() == before + 3


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_enter_twice_on_counts_opens_one_count(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter (a new count of the whole store) and Enter again as it opens: two counts of the
    whole store, both left open."""
    held = HeldRead(count_jobs.open_new)
    monkeypatch.setattr(count_jobs, "open_new", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_counts(pilot, "stockroom")
        await pilot.press("enter")
        await pressed_again(pilot, held, "enter")
        assert screen.count is not None and screen.stage == "counter"
        assert [c.number for c in screen.open_counts] == [screen.count.number]

    assert len(counts.open_counts(demo_db, "S01")) == 1


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_batch_started_again_while_it_starts_is_one_batch(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counter's name and Enter, typed again while the batch starts: two batches."""
    held = HeldRead(count_jobs.start_batch)
    monkeypatch.setattr(count_jobs, "start_batch", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_counts(pilot, "stockroom")
        await pilot.press("enter")  # a new count of the whole store: who counts?
        await settle(pilot)
        assert screen.stage == "counter" and screen.count is not None
        await pilot.press(*"Ann", "enter")
        await pressed_again(pilot, held, *"Ann", "enter")
        assert screen.stage == "scan" and screen.batch_no == 1
        number = screen.count.number

    assert [b.number for b in counts.get_count(demo_db, number).batches] == [1]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_f5_again_while_a_batch_closes_closes_it_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F5 (a new batch: Ann's is closed) and F5 again while it closes: the screen forgot the
    batch as the first F5 was pressed, so the second asks who counts, and closes nothing."""
    held = HeldRead(counts.close_batch)
    monkeypatch.setattr(counts, "close_batch", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_counts(pilot, "stockroom")
        await pilot.press("enter")  # a new count of the whole store
        await settle(pilot)
        await pilot.press(*"Ann", "enter")
        await settle(pilot)
        assert screen.stage == "scan" and screen.count is not None
        await pilot.press("f5")
        await held.held(pilot)
        await pilot.press("f5")
        await settle_keys(pilot)
        await held.let_go(pilot)
        assert held.calls == 1
        assert screen.stage == "counter" and screen.batch_no is None
        number = screen.count.number
    assert [(b.number, b.status) for b in counts.get_count(demo_db, number).batches] == [
        (1, "closed")
    ]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_count_approved_again_while_it_posts_is_posted_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F9/^F twice (asked, then posted), and twice again while it posts: a second approval
    was sent (the service refused it: a count is approved once)."""
    who = Actor("stockroom", Role.STOCKROOM, "T1")
    number = open_count(demo_db, who, "S01", products=["PH-AUR15"]).number
    start_batch(demo_db, who, number, "Ann")
    held = HeldRead(count_jobs.approve)
    monkeypatch.setattr(count_jobs, "approve", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_counts(pilot, "manager")
        await pilot.press("enter")  # resumes the count left open
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert screen.result is not None
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("ctrl+f")  # posted (held)
        await held.held(pilot)
        await pilot.press("ctrl+f")
        await settle_keys(pilot)
        if not still_said(pilot):
            await pilot.press("ctrl+f")  # asked again (the defect): posted again
        await second_handled(pilot, held)
        await held.let_go(pilot)
        assert held.calls == 1
        assert said(pilot).startswith(f"✓ {number} approved"), said(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_transfer_started_again_while_it_starts_is_one_transfer(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """^N, the store and Enter, again while the transfer is made: two open transfers, two
    pick screens one over the other."""
    held = HeldRead(transfers.create_transfer)
    monkeypatch.setattr(transfers, "create_transfer", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_from_home(pilot, "stockroom", "6", TransfersScreen)
        await pilot.press("ctrl+n", *"S02", "enter")
        await pressed_again(pilot, held, "ctrl+n", *"S02", "enter")
        picking_screens = [s for s in app.screen_stack if isinstance(s, TransferPickScreen)]
        assert len(picking_screens) == 1 and app.screen is picking_screens[0]
    made = transfers.list_transfers(demo_db, "S01", incoming=False)
    assert len(made) == 1


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_transfer_cancelled_again_while_it_cancels_is_cancelled_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F8 and yes, again while the cancel runs (the database slow: the list read again as the
    question closed has not answered either): a second cancel of the same transfer, refused
    by the service ("there is no transfer"), said with the bell."""
    clerk = Actor("stockroom", Role.STOCKROOM, "T1")
    made = transfers.create_transfer(demo_db, clerk, "S01", "S02")
    transfers.add_units(demo_db, clerk, made.number, "S01", "PH-AUR15", ["356938030000013"])
    held = HeldRead(transfers.cancel_transfer)
    monkeypatch.setattr(transfers, "cancel_transfer", held)
    listed, slow, let_go = transfers.list_transfers, threading.Event(), threading.Event()

    def list_slowly(*args: Any, **kwargs: Any) -> Any:
        """The list, read at once until the database is ``slow``, then once let go."""
        if slow.is_set():
            assert let_go.wait(timeout=30), "the list was never let go"
        return listed(*args, **kwargs)

    monkeypatch.setattr(transfers, "list_transfers", list_slowly)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_from_home(pilot, "stockroom", "6", TransfersScreen)
        await pilot.press("f8")
        await settle(pilot)
        slow.set()
        await pilot.press("y")
        await held.held(pilot)
        await pilot.press("f8")
        await answer_yes(pilot)
        await second_handled(pilot, held)
        let_go.set()
        await held.let_go(pilot)
        assert held.calls == 1
        assert app.screen is screen
        assert said(pilot).startswith(f"› cancelled {made.number}"), said(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_conflict_refunded_again_while_it_is_refunded_is_refunded_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F9 and yes on a till's sale in conflict, again while its refund runs: a second
    resolve of the conflict was sent (the service refused it: already resolved), said with
    the bell over the first one's line."""
    conflict_id, _serial, order = till_sale_in_conflict(demo_db)
    held = HeldRead(conflicts.resolve)
    monkeypatch.setattr(conflicts, "resolve", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")  # Admin, Conflicts
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("y")
        await held.held(pilot)
        await pilot.press("f9")
        await answer_yes(pilot)
        await second_handled(pilot, held)
        await held.let_go(pilot)
        assert held.calls == 1
        assert app.screen is screen
        assert said(pilot) == (
            f"✓ conflict {conflict_id}: the sale voided and its money refunded"
        ), said(pilot)
    refunds = [p for p in orders.get_order(demo_db, order).payments if p.amount < 0]
    assert len(refunds) == 1, refunds


# -- settings, files ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_serial_mode_set_again_while_it_is_set_is_set_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """m, the mode and yes, again while the change runs: the mode was set twice."""
    held = HeldRead(products.set_serial_mode)
    monkeypatch.setattr(products, "set_serial_mode", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press(*"AC-CASE15", "enter")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("y")
        await held.held(pilot)
        await pilot.press("m")
        await settle_keys(pilot)
        if isinstance(app.screen, ChooseSerialMode):  # asked again (the defect)
            await pilot.press("o")
            await answer_yes(pilot)
        await second_handled(pilot, held)
        await held.let_go(pilot)
        assert held.calls == 1
        assert said(pilot) == "✓ serial mode is now optional for 1 product: AC-CASE15"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_setting_toggled_again_while_it_is_set_is_set_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """t on a store's setting, and t again while it is set: the second read what the first
    left and flipped it back (on again, "now on" said last)."""
    held = HeldRead(settings.set_setting)
    monkeypatch.setattr(settings, "set_setting", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StoreSettingsScreen)
        await pilot.press("down")
        assert screen.chosen == "auto_prompt_serial"
        await pilot.press("t")
        await pressed_again(pilot, held, "t")
        assert said(pilot) == "✓ auto_prompt_serial is now off at S01", said(pilot)
    assert settings.get_settings(demo_db, "S01").auto_prompt_serial is False


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_pick_list_asked_again_while_it_is_written_is_written_once(
    make_app: MakeApp, outbox_folder: Path, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """3 on Reports, again while the pick list is written: two threads wrote the same PDF
    file."""
    held = HeldRead(picking.write_pick_list)
    monkeypatch.setattr(picking, "write_pick_list", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("0")
        await settle(pilot)
        await pilot.press("3")
        await pressed_again(pilot, held, "3")
        assert "to pick" in said(pilot), said(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_export_asked_again_while_it_is_written_is_written_once(
    make_app: MakeApp,
    demo_db: Database,
    outbox_folder: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """F5 again while a report's export is written: refused (the progress bar runs), never a
    second export into the file (already so on main: the export dialog is asked only while
    no export runs)."""
    waiting_orders(demo_db)
    held = HeldRead(exports.write_csv)
    monkeypatch.setattr(exports, "write_csv", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("enter")
        await held.held(pilot)
        await pilot.press("f5")
        await settle_keys(pilot)
        assert app.screen is screen
        assert said(pilot) == "✗ an export is running: wait for it, or Esc to stop it"
        await held.let_go(pilot)
        assert held.calls == 1
        [written] = outbox_folder.iterdir()
        assert said(pilot) == f"✓ 5 rows written to {written}", said(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_receipt_completed_again_while_it_completes_is_completed_once(
    make_app: MakeApp,
    demo_db: Database,
    outbox_folder: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """F10 and yes on a blind receipt, F10 again while it completes: once the first had
    answered the completion was asked again, and a yes sent a second one, refused ("this
    receipt was completed as R-S01-000001") with the bell over "received"."""
    from serialpos.tui.screens.complete_receipt import CompleteDialog

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    held = HeldRead(blind_receiving.BlindReceiving.complete)

    def complete(receipt: blind_receiving.BlindReceiving, **kwargs: Any) -> Any:
        return held(receipt, **kwargs)

    monkeypatch.setattr(blind_receiving.BlindReceiving, "complete", complete)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_from_home(pilot, "stockroom", "5", receiving.ReceivingScreen)
        await pilot.press("b")  # a blind receipt: the vendor, the reference
        await settle(pilot)
        await pilot.press(*"Acme", "enter", *"Q-1", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChecklistScreen)
        await enter(pilot, "AC-USBC1", "#scan")
        await enter(pilot, "3", "#scan")
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("y")  # completed (held)
        await held.held(pilot)
        await pilot.press("ctrl+f")
        await settle_keys(pilot)
        await until(
            pilot,
            lambda: still_said(pilot) or isinstance(app.screen, CompleteDialog) or held.calls > 1,
            "the second F10",
        )
        await held.let_go(pilot)
        if isinstance(app.screen, CompleteDialog):  # asked again (the defect): a hurried yes
            await pilot.press("y")
            await settle(pilot)
        assert held.calls == 1
        assert app.screen is screen
        assert said(pilot).startswith("✓ received 3 units: R-S01-000001"), said(pilot)
    assert [p.name for p in outbox_folder.iterdir()] == ["blind_receipt-R-S01-000001.csv"]
