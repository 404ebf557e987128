"""Texts around a void at 80x24 and 40x16: the returns screen says why an order has nothing
left to return (it said "0 sold lines; choose with Space, d for damaged"), the void's question
and the parked-orders list say "1 line" (they said "1 lines"), and after the walk's void the
unit's card names no order (it said "on open order …")."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.context import Actor
from serialpos.tui.screens.returns import ReturnsScreen
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.message_line import MessageLine

PHONE = "356938030000013"  # a demo phone in stock at S01
CASHIER = Actor("cashier", Role.CASHIER, "T1")


async def _screen(pilot: Pilot[object], key: str) -> object:
    await log_in(pilot, "cashier")
    await pilot.press(key)
    await settle(pilot)
    return pilot.app.screen


async def _enter(pilot: Pilot[object], text: str, field: str) -> None:
    widget = pilot.app.screen.query_one(field, Input)
    widget.focus()
    widget.value = text
    await pilot.press("enter")
    await settle(pilot)


def _message(pilot: Pilot[object]) -> str:
    return pilot.app.screen.query_one(MessageLine).text


def _voided_order(db: Database) -> str:
    from serialpos.services.order_void import void_order
    from serialpos.services.orders.host import NewLine, create_order

    view, _ = create_order(db, CASHIER, "S01", lines=[NewLine("PH-AUR15", PHONE)])
    void_order(db, CASHIER, view.order)
    return view.order


def _returned_sale(db: Database) -> str:
    from serialpos.services.orders.checkout import fulfil
    from serialpos.services.orders.host import NewLine, create_order
    from serialpos.services.returns import return_units

    view, _ = create_order(db, CASHIER, "S01", lines=[NewLine("PH-AUR15", PHONE)])
    done = fulfil(db, CASHIER, view.order, settle_in="card")
    return_units(db, CASHIER, view.order, lines=[view.lines[0].line])
    return done.invoice


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_returns_says_a_voided_order_has_nothing_to_return(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    order = _voided_order(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await _screen(pilot, "4")
        assert isinstance(screen, ReturnsScreen)
        await _enter(pilot, order, "#find")
        said = _message(pilot)
        assert f"{order} was voided" in said and "nothing to return" in said, said
        assert "0 sold lines" not in said
        assert "was voided" in screen_text(app)  # on screen at either size, not only stored


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_returns_says_every_line_came_back_already(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    invoice = _returned_sale(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await _screen(pilot, "4")
        assert isinstance(screen, ReturnsScreen)
        await _enter(pilot, invoice, "#find")
        said = _message(pilot)
        assert "nothing left to return" in said and "returned already" in said, said
        assert "0 sold lines" not in said


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_void_question_says_one_line(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    from serialpos.services.lookup import lookup_serial

    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await _screen(pilot, "3")
        assert isinstance(sale, SaleScreen)
        await _enter(pilot, PHONE, "#scan")
        assert sale.view is not None and len(sale.view.lines) == 1
        order = sale.view.order
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        question = str(app.screen.query_one("#question", Static).render())
        assert f"Void {order} (1 line)?" in question, question
        await pilot.press("y")
        await settle(pilot)
        assert _message(pilot).endswith(f"{order} voided")
    (card,) = lookup_serial(demo_db, PHONE)  # the walk's steps: no "on open order" after
    assert card.state == "in_stock" and card.sale is None, card.sale


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_parked_list_says_one_line(make_app: MakeApp, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await _screen(pilot, "3")
        assert isinstance(sale, SaleScreen)
        await _enter(pilot, PHONE, "#scan")
        await pilot.press("ctrl+p")  # park it, then see it in the list
        await settle(pilot)
        await pilot.press("ctrl+t", "o")
        await settle(pilot)
        prompt = str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert "· 1 line" in prompt and "1 lines" not in prompt, prompt
