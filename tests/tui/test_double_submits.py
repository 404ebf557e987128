"""Money and a sale's serials: the customer saved, a sale or lay-by paid, parked, a refund, an
exchange, a re-issue, a serial checked; a second submit while the first one's worker still runs
writes nothing and opens nothing, at 80x24 and 40x16.

How each test is made: tests/tui/double_submits.py.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import (
    SIZES,
    HeldRead,
    MakeApp,
    async_test,
    said,
    settle,
)

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services import (
    customers,
    exchanges,
    held_line,
    orders,
)
from serialpos.services import returns as returns_service
from serialpos.services.context import SYSTEM, Actor
from serialpos.services.order_void import void_order
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.customer import CustomerDialog
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry

from test_exchange_screen import choose_exchange  # isort: skip
from test_returns_screen import LAPTOPS, find, open_returns, sell_three_laptops  # isort: skip
from test_sale import enter, open_sale  # isort: skip

from double_submits import answer_yes, pressed_again, second_handled, settle_keys, still_said  # isort: skip


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
