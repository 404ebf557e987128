"""A second submit while the first one's worker still runs writes nothing and opens nothing,
at 80x24 and 40x16.

Textual "cancels" the older worker of an exclusive group when a newer one starts, but a thread
worker cannot be stopped: both service calls ran. Each test holds the first call (its write
made, its answer not yet back: :class:`~tui_helpers.HeldRead`), submits again, lets the first
go, and checks that the service was called once, what the database holds, and what is on the
screen (tui/backend.one_at_a_time).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import (
    PINS,
    SIZES,
    HeldRead,
    MakeApp,
    async_test,
    keys_released,
    log_in,
    open_from_home,
    said,
    screen_text,
    settle,
)

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services import (
    adjustments,
    blind_receiving,
    conflicts,
    counts,
    customers,
    exchanges,
    exports,
    held_line,
    orders,
    picking,
    products,
    settings,
    shifts,
    transfers,
    users,
)
from serialpos.services import returns as returns_service
from serialpos.services.context import SYSTEM, Actor
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.order_void import void_order
from serialpos.tui.screens import count_jobs, receiving
from serialpos.tui.screens.admin_settings import StoreSettingsScreen
from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.conflicts import ConflictsScreen
from serialpos.tui.screens.home import HomeScreen
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.customer import CustomerDialog
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry
from serialpos.tui.screens.serial_mode import ChooseSerialMode, Confirm
from serialpos.tui.screens.shift import ShiftScreen
from serialpos.tui.screens.transfers import TransferPickScreen, TransfersScreen
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.report_dialogs import ExportDialog

from test_adjustment_screen import open_adjustments, type_in  # isort: skip
from test_conflict_refund_key import _one_line_conflict as till_sale_in_conflict  # isort: skip
from test_counts_screen import open_counts  # isort: skip
from test_exchange_screen import choose_exchange  # isort: skip
from test_fulfilment_screen import (  # isort: skip
    MANAGER,
    NOVA,
    line_serial,
    open_fulfilment,
    waiting_orders,
)
from test_receiving_screen import import_asn  # isort: skip
from test_returns_screen import LAPTOPS, find, open_returns, sell_three_laptops  # isort: skip
from test_sale import enter, open_sale  # isort: skip

STILL = "still working"


async def until(pilot: Pilot[object], shown: Callable[[], bool], what: str) -> None:
    """Wait until ``shown()`` holds."""
    deadline = time.monotonic() + 15
    while not shown():
        if time.monotonic() > deadline:
            raise AssertionError(f"never: {what}; the screen:\n{screen_text(pilot.app)}")
        await pilot.pause(0.01)


def still_said(pilot: Pilot[object]) -> bool:
    """The screen in front says the first submit still runs."""
    line = pilot.app.screen.query(MessageLine)
    return bool(line) and STILL in line.first().text


async def second_handled(pilot: Pilot[object], held: HeldRead) -> None:
    """Wait until the second submit was answered: said to be refused while the first runs,
    or (the defect) its own call made."""
    await until(pilot, lambda: held.calls >= 2 or still_said(pilot), "the second submit")


async def pressed_again(pilot: Pilot[object], held: HeldRead, *keys: str) -> None:
    """The first submit held in its service call, ``keys`` pressed again meanwhile and
    handled, then the call let go: the service was called once."""
    await held.held(pilot)
    await pilot.press(*keys)
    await second_handled(pilot, held)
    await held.let_go(pilot)
    assert held.calls == 1


async def settle_keys(pilot: Pilot[object]) -> None:
    """The keys pressed have acted (a letter waits one key gap for a scan to follow it)."""
    await keys_released(pilot)
    await pilot.pause()


async def answer_yes(pilot: Pilot[object]) -> None:
    """A question asked again for the second submit (the defect): a hurried yes."""
    await settle_keys(pilot)
    if isinstance(pilot.app.screen, Confirm):
        await pilot.press("y")


# -- money and records -----------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_new_customer_saved_twice_is_one_record(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter on the last field of a new customer, again while it saves: two records of the
    same person (the order was given the second)."""
    held = HeldRead(customers.add_customer)
    monkeypatch.setattr(customers, "add_customer", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "AC-USBC1")
        await pilot.press("f4")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CustomerDialog)
        await enter(pilot, "Zed Twicer", "#customer-find")  # none: "+ new customer" is listed
        await pilot.press("enter")  # the new customer's fields, the name filled in
        await settle(pilot)
        dialog.query_one("#customer-address", Input).focus()
        await pilot.press("enter")  # saved (held)
        await pressed_again(pilot, held, "enter")
        assert app.screen is sale
        assert sale.view is not None and sale.view.customer is not None
        assert sale.view.customer.name == "Zed Twicer"
    found = customers.find_customers(demo_db, SYSTEM, "twicer").customers
    assert [c.name for c in found] == ["Zed Twicer"]


async def paid_twice(pilot: Pilot[object], held: HeldRead, key: str) -> bool:
    """``key`` (F9 pay, F10 fulfil) and Enter on the tender, again while the first runs
    (the sale's jobs run in turn: a second payment waits behind the held one); whether the
    second key was told the first still runs."""
    from serialpos.tui.screens.sale_dialogs.tender import Tender

    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, Tender)
    await pilot.press("enter")  # the amount due, taken (held)
    await held.held(pilot)
    await pilot.press(key)
    await settle_keys(pilot)
    if isinstance(pilot.app.screen, Tender):  # asked again (the defect): Enter takes it
        await pilot.press("enter")
        await settle_keys(pilot)
    told = still_said(pilot)
    await held.let_go(pilot)
    return told


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_layby_paid_again_while_it_is_paid_is_paid_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F9 and Enter on a lay-by, again while the payment runs: the tender offered the amount
    due as the screen last showed it, and Enter took it a second time (15.59 paid twice)."""
    held = HeldRead(orders.take_payment)
    monkeypatch.setattr(orders, "take_payment", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await pilot.press("f3")  # sale type: 3 lay-by, p pickup later, Enter
        await settle(pilot)
        await pilot.press("3", "p", "enter")
        await settle(pilot)
        await enter(pilot, "AC-USBC1")
        assert sale.order_no is not None and sale.view is not None
        total = sale.view.totals.total
        told = await paid_twice(pilot, held, "f9")
        assert held.calls == 1
        assert app.screen is sale
        assert said(pilot).startswith(f"✓ cash {total} taken; "), said(pilot)
        order = sale.order_no
    view = orders.get_order(demo_db, order)
    assert [p.amount for p in view.payments] == [total]
    assert view.totals.due == 0
    assert told


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_sale_paid_again_while_it_is_paid_keeps_its_invoice_said(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F9 and Enter on a sale, again while it is paid and fulfilled: the second payment ran
    once the first had finished the sale, and "there is no order 'None'" was said with the
    bell over the invoice."""
    held = HeldRead(orders.fulfil)
    monkeypatch.setattr(orders, "fulfil", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "AC-USBC1")
        order = sale.order_no
        assert order is not None
        told = await paid_twice(pilot, held, "f9")
        assert held.calls == 1
        assert app.screen is sale
        [invoice] = orders.get_order(demo_db, order).invoices
        assert said(pilot).startswith(f"✓ invoice {invoice}"), said(pilot)
        assert told


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_sale_parked_again_while_it_parks_keeps_parked_said(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F5 (park) and F5 again while it parks: the second park ran once the first had
    finished the sale, and "there is no order 'None'" was said with the bell over
    "parked"."""
    held = HeldRead(orders.park)
    monkeypatch.setattr(orders, "park", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "AC-USBC1")
        order = sale.order_no
        await pilot.press("f5")
        await held.held(pilot)
        await pilot.press("f5")
        await settle_keys(pilot)
        told = still_said(pilot)
        await held.let_go(pilot)
        assert held.calls == 1
        assert app.screen is sale
        assert said(pilot).startswith(f"✓ {order} parked"), said(pilot)
        assert told


async def refund_twice(pilot: Pilot[object], held: HeldRead) -> None:
    """F9 (^Y), yes; again while the first runs."""
    await pilot.press("ctrl+y")
    await settle(pilot)
    await pilot.press("y")
    await held.held(pilot)
    await pilot.press("ctrl+y")
    await answer_yes(pilot)
    await second_handled(pilot, held)
    await held.let_go(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_refund_asked_again_while_it_is_paid_is_paid_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F9 and yes again while the refund runs: a second refund of the same lines was sent to
    the service. It refused it (the lines were returned: "nothing to return"), so no money
    went out twice, but the refusal was said with the bell as well as the refund, whichever
    answer came last staying on the message line."""
    sell_three_laptops(demo_db)
    held = HeldRead(returns_service.return_units)
    monkeypatch.setattr(returns_service, "return_units", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])
        await refund_twice(pilot, held)
        assert held.calls == 1
        assert app.screen is screen
        assert said(pilot).startswith("✓ refund RF-S01-"), said(pilot)
    view = returns_service.find_sale(demo_db, LAPTOPS[0])
    assert sum(1 for invoice in view.invoices if invoice.startswith("RF-")) == 1


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_exchange_asked_again_while_it_runs_opens_one_sale(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F9 and yes again while the exchange runs: a second exchange of the same lines was
    sent (the service refused it: the lines were returned)."""
    sell_three_laptops(demo_db)
    held = HeldRead(exchanges.start_exchange)
    monkeypatch.setattr(exchanges, "start_exchange", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])
        await choose_exchange(pilot, screen)
        await refund_twice(pilot, held)
        assert held.calls == 1
        sales = [s for s in app.screen_stack if isinstance(s, SaleScreen)]
        assert len(sales) == 1 and app.screen is sales[0]
        assert sales[0].order_no == screen.exchange_sale


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_reissue_twice_opens_the_exchange_sale_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F5 twice on Returns after an exchange: the exchange sale opened twice, one sale
    screen of the same order over the other."""
    sell_three_laptops(demo_db)
    actor = Actor("cashier", Role.CASHIER, "T1")
    sold = returns_service.find_sale(demo_db, LAPTOPS[1])
    line = next(ln.line for ln in sold.lines if ln.serial == LAPTOPS[1])
    ex = exchanges.start_exchange(demo_db, actor, sold.order, lines=[line])
    held = HeldRead(exchanges.resume_exchange)
    monkeypatch.setattr(exchanges, "resume_exchange", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        screen.exchange_sale = ex.sale.order  # the exchange made at this Returns screen
        await pilot.press("f5")
        await pressed_again(pilot, held, "f5")
        sales = [s for s in app.screen_stack if isinstance(s, SaleScreen)]
        assert [s.order_no for s in sales] == [ex.sale.order]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_reissue_twice_on_a_refund_note_spends_its_credit_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F5 twice on a found refund note whose exchange sale was voided: its credit was asked
    for twice (the service refused the second: carried by the sale the first opened)."""
    sell_three_laptops(demo_db)
    actor = Actor("cashier", Role.CASHIER, "T1")
    sold = returns_service.find_sale(demo_db, LAPTOPS[1])
    line = next(ln.line for ln in sold.lines if ln.serial == LAPTOPS[1])
    ex = exchanges.start_exchange(demo_db, actor, sold.order, lines=[line])
    void_order(demo_db, actor, ex.sale.order)
    held = HeldRead(exchanges.spend_credit)
    monkeypatch.setattr(exchanges, "spend_credit", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, ex.refund_note)
        await pilot.press("f5")
        await pressed_again(pilot, held, "f5")
        sales = [s for s in app.screen_stack if isinstance(s, SaleScreen)]
        assert len(sales) == 1 and app.screen is sales[0]


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


# -- serials on a sale's lines ----------------------------------------------------------------

AUR15 = "356938030000013"  # a PH-AUR15 in stock at S01


async def serial_prompted(pilot: Pilot[object]) -> SaleScreen:
    """A sale whose PH-AUR15 (its serial required) is held, its serial entry in front."""
    sale = await open_sale(pilot)
    await enter(pilot, "PH-AUR15")
    assert isinstance(pilot.app.screen, SerialEntry), said(pilot)
    return sale


def sale_serials(db: Database, sale: SaleScreen) -> list[str | None]:
    assert sale.order_no is not None
    return [line.serial for line in orders.get_order(db, sale.order_no).lines]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_enter_again_while_a_serial_is_checked_waits_for_its_answer(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The serial and Enter, Enter again while it is checked (the field emptied as it was
    sent): nothing was sent again, but the second Enter was told, with the bell, "scan or
    type the serial", as if none had been entered."""
    held = HeldRead(held_line.commit_held)
    monkeypatch.setattr(held_line, "commit_held", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await serial_prompted(pilot)
        await pilot.press(*AUR15, "enter")
        await pressed_again(pilot, held, "enter")
        assert app.screen is sale
        assert said(pilot) == f"✓ serial {AUR15} recorded on line 1", said(pilot)
    assert sale_serials(demo_db, sale) == [AUR15]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_serial_read_twice_while_it_is_checked_waits_for_its_answer(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scanner's second read of the serial while the first is checked: nothing was sent
    again, but it was told, with the bell, to scan the serial again once answered (the
    first one's answer closes the prompt: there is nothing to scan again)."""
    from serialpos.domain.decoder import decode
    from serialpos.tui.messages import ScanRead

    held = HeldRead(held_line.commit_held)
    monkeypatch.setattr(held_line, "commit_held", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await serial_prompted(pilot)
        app.post_message(ScanRead(AUR15, "test", decode(AUR15)))
        await held.held(pilot)
        app.post_message(ScanRead(AUR15, "test", decode(AUR15)))
        await second_handled(pilot, held)
        assert said(pilot) == f"› still working on {AUR15}: wait for its answer", said(pilot)
        await held.let_go(pilot)
        assert held.calls == 1
        assert app.screen is sale
    assert sale_serials(demo_db, sale) == [AUR15]


# -- the drawer ------------------------------------------------------------------------------


async def amount(pilot: Pilot[object], text: str) -> None:
    """``text`` typed in the Shift screen's field, and Enter."""
    await pilot.press(*text, "enter")


def shifts_held(db: Database) -> list[tuple[int, bool]]:
    """The demo store's shifts: (number, closed), in order."""
    import sqlalchemy as sa

    from serialpos.db.shift_tables import shift_t

    def read(conn: sa.Connection) -> list[tuple[int, bool]]:
        rows = conn.execute(
            sa.select(shift_t.c.number, shift_t.c.closed_at).order_by(shift_t.c.number)
        )
        return [(int(number), closed is not None) for number, closed in rows]

    return db.read(read)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_float_typed_again_while_the_shift_opens_opens_one_shift(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The float and Enter, typed again while the shift opens: a second open of the drawer
    was sent (the service refused it: shift 1 already open), said with the bell."""
    held = HeldRead(shifts.open_shift)
    monkeypatch.setattr(shifts, "open_shift", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_from_home(pilot, "cashier", "s", ShiftScreen)
        await amount(pilot, "100")
        await pressed_again(pilot, held, *"100", "enter")
        assert app.screen is screen
        assert said(pilot) == "✓ shift 1 open with a float of 100.00", said(pilot)
    assert shifts_held(demo_db) == [(1, False)]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_enter_again_while_the_shift_closes_closes_it_once(
    make_app: MakeApp,
    demo_db: Database,
    outbox_folder: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The count, Enter (asked), Enter (closed), and Enter again while it closes (a
    scanner's second Enter, a key pressed twice): a second close of the drawer was sent (the
    service refused it: no shift open), its refusal said with the bell."""
    held = HeldRead(shifts.close_shift)
    monkeypatch.setattr(shifts, "close_shift", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_from_home(pilot, "cashier", "s", ShiftScreen)
        await amount(pilot, "100")
        await settle(pilot)
        await amount(pilot, "100")  # asked: balances, Enter again to close
        await settle(pilot)
        await pilot.press("enter")  # closed (held)
        await pressed_again(pilot, held, "enter")
        assert app.screen is screen
        assert said(pilot).startswith("✓ shift 1 closed: PDF "), said(pilot)
    assert shifts_held(demo_db) == [(1, True)]


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


# -- reads that open a screen --------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_enter_twice_on_a_fulfilment_line_opens_one_serial_entry(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter on a line, again while its order is read: two serial entries, one over the
    other."""
    waiting_orders(demo_db)
    held = HeldRead(orders.get_order)
    monkeypatch.setattr(orders, "get_order", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("enter")
        await pressed_again(pilot, held, "enter")
        entries = [s for s in app.screen_stack if isinstance(s, SerialEntry)]
        assert len(entries) == 1 and app.screen is entries[0]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_enter_twice_on_an_asn_opens_one_checklist(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter on an ASN, again while it opens: two checklists of the same ASN."""
    import_asn(demo_db)
    held = HeldRead(receiving.open_asn_session)
    monkeypatch.setattr(receiving, "open_asn_session", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        menu = await open_from_home(pilot, "stockroom", "5", receiving.ReceivingScreen)
        assert menu.asns
        await pilot.press("down", "enter")
        await pressed_again(pilot, held, "enter")
        lists = [s for s in app.screen_stack if isinstance(s, ChecklistScreen)]
        assert len(lists) == 1 and app.screen is lists[0]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_enter_twice_on_a_blind_draft_resumes_it_once(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    outbox_folder: Path,
) -> None:
    """Enter on an unfinished blind receipt, again while it is resumed: two checklists
    appending to the one draft file."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    blind_receiving.open_blind_receipt(
        demo_db,
        Actor("stockroom", Role.STOCKROOM, "T1"),
        "S01",
        "Acme",
        "R9",
        outbox_folder,
        receiving.drafts_folder(),
    )
    held = HeldRead(blind_receiving.resume_blind_receipt)
    monkeypatch.setattr(blind_receiving, "resume_blind_receipt", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        menu = await open_from_home(pilot, "stockroom", "5", receiving.ReceivingScreen)
        assert menu.drafts
        await pilot.press("down", "enter")
        await pressed_again(pilot, held, "enter")
        lists = [s for s in app.screen_stack if isinstance(s, ChecklistScreen)]
        assert len(lists) == 1 and app.screen is lists[0]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_enter_twice_at_the_login_starts_one_session(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter on the PIN, again while it is checked: the second Enter is kept for the menu
    (tui/type_ahead.py), never a second log-in."""
    held = HeldRead(users.login)
    monkeypatch.setattr(users, "login", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press(*"cashier", "tab", *PINS["cashier"], "enter")
        await held.held(pilot)
        await pilot.press("enter")
        await held.let_go(pilot)
        assert held.calls == 1
        assert len([s for s in app.screen_stack if isinstance(s, HomeScreen)]) == 1


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_serial_read_twice_on_a_fulfilment_line_is_recorded_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scanner's second read of a line's serial while the first is recorded: both reach
    the service, which records the serial the line already holds as nothing new (no second
    reservation, nothing journaled; a different serial is refused, serial_recorded). Not
    guarded, on purpose: scans of other lines go on while one is recorded."""
    from serialpos.domain.decoder import decode
    from serialpos.services.lookup import lookup_serial
    from serialpos.tui.messages import ScanRead

    first, _ = waiting_orders(demo_db)
    held = HeldRead(orders.set_serial)
    monkeypatch.setattr(orders, "set_serial", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("p")  # the pending lines: first's phone under the cursor
        await settle(pilot)
        app.post_message(ScanRead(NOVA, "test", decode(NOVA)))
        await held.held(pilot)
        app.post_message(ScanRead(NOVA, "test", decode(NOVA)))
        await until(pilot, lambda: held.calls == 2, "the second read")
        await held.let_go(pilot)
        assert app.screen is screen
        assert said(pilot) == f"✓ {first} line 2: serial {NOVA} recorded", said(pilot)
    assert line_serial(demo_db, first, 2) == NOVA
    [unit] = lookup_serial(demo_db, NOVA)
    assert [event.action for event in unit.events] == ["receive", "reserve"]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_fulfilment_asked_again_while_it_runs_is_made_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F10 and yes again while the fulfilment runs: a second fulfilment of the same order was
    sent; the service refused it (the order fulfilled), and the refusal was said with the
    bell over the first one's invoice."""
    from serialpos.services import orders as orders_service
    from serialpos.services.orders.checkout import add_payment
    from serialpos.services.orders.serials import set_serial

    first, _second = waiting_orders(demo_db)
    view = orders_service.get_order(demo_db, first)
    [nova] = [line for line in view.lines if line.sku == "PH-NOVA7"]
    set_serial(demo_db, MANAGER, first, nova.line, NOVA)
    add_payment(
        demo_db, MANAGER, first, "card", orders_service.get_order(demo_db, first).totals.due
    )
    held = HeldRead(orders_service.fulfil)
    monkeypatch.setattr(orders_service, "fulfil", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("y")
        await held.held(pilot)
        await pilot.press("f10")
        await answer_yes(pilot)
        await second_handled(pilot, held)
        await held.let_go(pilot)
        assert held.calls == 1
        assert app.screen is screen
        invoice = orders_service.get_order(demo_db, first).invoices[0]
        assert said(pilot) == f"✓ {first} fulfilled: invoice {invoice}", said(pilot)
