"""An exchange at the counter, at 80x24 and 40x16: from Returns, the refund method
"exchange" takes the laptop back and opens a sale carrying its credit; the replacement rung up
there leaves only the difference to pay."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from test_returns_screen import LAPTOPS, find, open_returns, sell_three_laptops, state_of
from textual.pilot import Pilot
from tui_helpers import SIZES, MakeApp, async_test, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services.lookup import lookup_serial
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.returns import REFUND_CHOICES, ReturnsScreen
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.serial_mode import Confirm


async def choose_exchange(pilot: Pilot[object], screen: ReturnsScreen) -> None:
    while REFUND_CHOICES[screen.method] != "exchange":
        await pilot.press("f4")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_exchange_opens_a_sale_carrying_the_credit(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    sell_three_laptops(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])
        await choose_exchange(pilot, screen)
        assert "refund exchange" in screen_text(app)  # the method leads the head
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)  # a refund note is issued: asked first
        asked = " ".join(screen_text(app).split())  # the box wraps at 40x16
        assert "for exchange:" in asked and "credit on a new sale?" in asked
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen), type(sale)
        assert screen.exchange_sale is not None and sale.order_no == screen.exchange_sale
        order = sale.order_no
        view = get_order(demo_db, order)
        credit = view.totals.paid
        assert credit > Decimal(0) and view.exchange_of is not None
        assert view.exchange_of.startswith("RF-S01-")
        await pilot.press("escape")
        await settle(pilot)
    assert state_of(demo_db, LAPTOPS[1]) == "in_stock"
    assert state_of(demo_db, LAPTOPS[0]) == "sold"


@pytest.mark.parametrize("key", ["f10", "ctrl+f"])
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_exchange_with_nothing_due_is_finished_by_f10_and_ctrl_f(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], key: str
) -> None:
    """The Returns footer names what F9 does in exchange mode (no money is refunded); the
    exchange's sale whose credit covers the replacement shows F10/^F Fulfil, and that key
    finishes it (both did nothing: only F9 Pay fulfilled, its word promising a payment)."""
    from serialpos.tui.widgets.key_footer import KeyFooter

    sell_three_laptops(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])
        assert "F9/^Y Refund" in screen.query_one(KeyFooter).plain
        await choose_exchange(pilot, screen)
        footer = screen.query_one(KeyFooter).plain
        assert "F9/^Y Exchange" in footer and "Refund" not in footer, footer
        await pilot.press("ctrl+y")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen)
        order = sale.order_no
        assert order is not None
        assert "Fulfil" not in sale.query_one(KeyFooter).plain  # nothing rung up yet
        await pilot.press(*LAPTOPS[1], "enter")  # the same model: the credit covers it
        await settle(pilot)
        assert get_order(demo_db, order).totals.due == Decimal(0)
        footer = sale.query_one(KeyFooter).plain
        assert "F10/^F Fulfil" in footer, footer
        await pilot.press(key)
        await settle(pilot)
        assert get_order(demo_db, order).status == "fulfilled", screen_text(app)
        assert "fulfilled: invoice" in screen_text(app)


@async_test
async def test_an_exchange_at_another_store_opens_its_sale_there(
    make_app: MakeApp, demo_db: Database, tmp_path: Path
) -> None:
    """Sold at S01, exchanged at a console of S02: the refund note and the new sale are
    S02's, the laptop back in S02's stock (they were S01's, the replacement from S01)."""
    sell_three_laptops(demo_db)
    config = tmp_path / "terminal.toml"
    config.write_text('[terminal]\nid = "till-s2"\nstore = "S02"\n', encoding="utf-8")
    app = make_app(config_path=str(config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])
        await choose_exchange(pilot, screen)
        await pilot.press("ctrl+y")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        assert screen.exchange_sale is not None
        view = get_order(demo_db, screen.exchange_sale)
        assert view.store == "S02" and view.exchange_of == "RF-S02-000001"
        await pilot.press("escape")
        await settle(pilot)
    (card,) = lookup_serial(demo_db, LAPTOPS[1])
    assert (card.state, card.store) == ("in_stock", "S02")


@async_test
async def test_voiding_the_exchange_sale_gives_the_credit_back_to_its_note(
    make_app: MakeApp, demo_db: Database
) -> None:
    """F7 on the new empty exchange sale asked "Refund exchange … to the customer" and the
    credit died with the sale; now nothing is offered as a refund and the note keeps it."""
    from serialpos.services.apply.dispatch import apply_object
    from serialpos.services.context import SYSTEM

    sell_three_laptops(demo_db)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])
        await choose_exchange(pilot, screen)
        await pilot.press("ctrl+y")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen)
        note = get_order(demo_db, str(sale.order_no)).exchange_of
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        asked = " ".join(screen_text(app).split())
        assert "Void " in asked and "Refund exchange" not in asked, asked
        await pilot.press("y")
        await settle(pilot)
        said = " ".join(screen_text(app).split())
        assert f"back on refund note {note}" in said, said
    again = apply_object(
        demo_db, SYSTEM, {"op": "order_create", "store": "S01", "exchange_of": note, "lines": []}
    )
    assert again["ok"], again  # the credit is spendable again (was credit_spent)


@async_test
async def test_reissue_on_a_refund_note_whose_sale_was_voided_carries_its_credit(
    make_app: MakeApp, demo_db: Database
) -> None:
    """The credit given back by a void is spent from the console: find the refund note,
    F5 opens a sale carrying it; a second F5 on it is refused (credit_spent)."""
    from serialpos.domain.users import Role
    from serialpos.services.context import Actor
    from serialpos.services.exchanges import start_exchange
    from serialpos.services.order_void import void_order
    from serialpos.services.returns import find_sale
    from serialpos.tui.widgets.message_line import MessageLine

    sell_three_laptops(demo_db)
    actor = Actor("cashier", Role.CASHIER, "T1")
    sold = find_sale(demo_db, LAPTOPS[1])
    line = next(ln.line for ln in sold.lines if ln.serial == LAPTOPS[1])
    ex = start_exchange(demo_db, actor, sold.order, lines=[line])
    void_order(demo_db, actor, ex.sale.order)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, ex.refund_note)
        await pilot.press("f5")
        await settle(pilot)
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen), screen.query_one(MessageLine).text
        view = get_order(demo_db, str(sale.order_no))
        assert view.exchange_of == ex.refund_note and view.totals.paid == ex.credit
        await pilot.press("escape")
        await settle(pilot)
        screen.exchange_sale = None  # a clerk coming back later: only the note is found
        await find(pilot, screen, ex.refund_note)
        await pilot.press("f5")
        await settle(pilot)
        assert "carried by order" in screen.query_one(MessageLine).text


@async_test
async def test_reissue_after_voiding_the_exchange_sale_opens_one_carrying_the_credit(
    make_app: MakeApp, demo_db: Database
) -> None:
    """Exchange, F7 void the new sale, Escape back to Returns, F5: Re-issue reopened the
    voided sale ("✓ S01-000004 opened", every scan refused "it cannot change") and the
    credit waited for its refund note to be typed. Now the void question names the credit
    going back to the note, and Re-issue opens a new sale carrying it."""
    from serialpos.tui.widgets.message_line import MessageLine

    sell_three_laptops(demo_db)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])
        await choose_exchange(pilot, screen)
        await pilot.press("ctrl+y")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen)
        voided = str(sale.order_no)
        view = get_order(demo_db, voided)
        note, credit = view.exchange_of, view.totals.paid
        await pilot.press("f7")
        await settle(pilot)
        asked = " ".join(screen_text(app).replace("│", " ").split())  # the box wraps it
        assert f"Exchange credit {credit:.2f} goes back to refund note {note}" in asked, asked
        await pilot.press("y")
        await settle(pilot)
        while app.screen is not screen:
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await settle(pilot)
        again = app.screen
        assert isinstance(again, SaleScreen), screen.query_one(MessageLine).text
        assert again.order_no != voided
        fresh = get_order(demo_db, str(again.order_no))
        assert str(fresh.status.value) == "open"
        assert (fresh.exchange_of, fresh.totals.paid) == (note, credit)
        said = screen.query_one(MessageLine).text
        assert f"{voided} was voided; credit of {note} carried to new sale" in said, said


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_exchange_change_beyond_the_drawer_is_asked_first_naming_the_cash_short(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """A laptop paid by card, exchanged for a cable in a shift opened with 50.00: the
    change (1423.21) was given with no word though the drawer should hold 50.00. Now F10
    asks, naming the cash short; No leaves the sale open, Yes gives the change."""
    from serialpos.services import shifts, users
    from serialpos.tui.widgets.message_line import MessageLine

    sell_three_laptops(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        till = users.actor_for(demo_db, "cashier", app.screen.session.actor.terminal)
        shifts.open_shift(demo_db, till, "S01", "50.00")
        await find(pilot, screen, LAPTOPS[1])
        await choose_exchange(pilot, screen)
        await pilot.press("ctrl+y")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen)
        order = sale.order_no
        assert order is not None
        await pilot.press(*"AC-USBC1", "enter")
        await settle(pilot)
        credit = get_order(demo_db, order).totals.paid
        change = credit - get_order(demo_db, order).totals.total
        short = change - Decimal("50.00")
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, Confirm), screen_text(app)
        asked = " ".join(screen_text(app).split())
        assert (
            f"The change {change:.2f} is more than the 50.00 cash the drawer should hold "
            f"(short {short:.2f}). Give it anyway (cash from the safe)?"
        ) in asked, asked
        await pilot.press("n")
        await settle(pilot)
        assert get_order(demo_db, order).status == "open"
        assert sale.query_one(MessageLine).text == "› not given: nothing changed"
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert get_order(demo_db, order).status == "fulfilled"
        assert f"change {change:.2f}" in screen_text(app)
