"""Returns at 80x24 and 40x16: a customer with three laptops returns one (found by its
serial, or by the invoice and chosen with Space); a damaged unit is written off."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services.context import Actor
from serialpos.services.lookup import lookup_serial
from serialpos.tui.screens.returns import ReturnsScreen
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.message_line import MessageLine

LAPTOPS = ["ZB24000101", "ZB24000102", "ZB24000103"]


def sell_three_laptops(db: Database) -> str:
    """One sale of three laptops, fulfilled; returns its invoice number."""
    from serialpos.domain.users import Role
    from serialpos.services.orders.checkout import fulfil
    from serialpos.services.orders.header import open_order
    from serialpos.services.orders.lines import add_item

    actor = Actor("cashier", Role.CASHIER, "T1")
    order = open_order(db, actor, "S01").order
    for serial in LAPTOPS:
        add_item(db, actor, order, sku="LT-ZEN14", serial=serial)
    done = fulfil(db, actor, order, settle_in="card")
    return done.invoice


def state_of(db: Database, serial: str) -> str:
    (card,) = lookup_serial(db, serial)
    return card.state


async def open_returns(pilot: Pilot[object]) -> ReturnsScreen:
    await log_in(pilot, "cashier")
    await pilot.press("4")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReturnsScreen)
    return screen


async def find(pilot: Pilot[object], screen: ReturnsScreen, text: str) -> None:
    from textual.widgets import Input

    field = screen.query_one("#find", Input)
    field.focus()
    field.value = text
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_one_of_three_laptops_comes_back_by_its_serial(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    sell_three_laptops(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])  # the sale found by the unit's serial
        assert screen.view is not None and len(screen.view.lines) == 3
        assert screen.lines.marked == {screen.view.lines[1].line}  # that unit is chosen
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)  # money leaves the drawer: asked first
        await pilot.press("y")
        await settle(pilot)
        text = screen.query_one(MessageLine).text
        assert "refund RF-S01-" in text, text  # its own series (issue 14)
        assert "INV-S01-" in screen_text(app)
    assert state_of(demo_db, LAPTOPS[1]) == "in_stock"
    assert state_of(demo_db, LAPTOPS[0]) == "sold" and state_of(demo_db, LAPTOPS[2]) == "sold"


@async_test
async def test_by_invoice_a_chosen_damaged_unit_is_written_off_and_reissue_opens_a_sale(
    make_app: MakeApp, demo_db: Database
) -> None:
    invoice = sell_three_laptops(demo_db)
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, invoice)
        assert screen.view is not None and not screen.lines.marked
        await pilot.press("down", "down", "d")  # the third laptop, damaged
        await settle(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert "1 damaged, written off?" in str(app.screen.query_one("#question").render())
        await pilot.press("y")
        await settle(pilot)
        assert "refund" in screen.query_one(MessageLine).text
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, SaleScreen)
    assert state_of(demo_db, LAPTOPS[2]) == "written_off"
    assert state_of(demo_db, LAPTOPS[0]) == "sold"


@async_test
async def test_nothing_chosen_or_nothing_found_is_said_with_the_bell(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rung: list[int] = []
        screen = await open_returns(pilot)
        monkeypatch.setattr(app, "bell", lambda: rung.append(1))
        await find(pilot, screen, "INV-NOPE")
        assert rung and screen.query_one(MessageLine).kind == "error"
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert len(rung) == 2


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_what_no_sale_matches_is_named_through_the_resolver(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    """A product barcode names its product; a unit never sold names its product, state and
    store (it was "no order, invoice or sold unit matches")."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        message = screen.query_one(MessageLine)
        await find(pilot, screen, "5012345000015")
        assert message.text == (
            "✗ '5012345000015' is the barcode of PH-AUR15, not a serial: scan the serial label"
        )
        await find(pilot, screen, "ZB24000101")  # a laptop in stock, never sold
        assert message.text.startswith("✗ serial ZB24000101 is LT-ZEN14 "), message.text
        assert message.text.endswith("in stock at S01: no sale of it to take back")
        assert screen.view is None


def squeezed(text: str) -> str:
    """Text with white space and a dialog's side borders gone (a wrapped sentence reads whole)."""
    return "".join(text.translate(str.maketrans("", "", "│▊▎")).split())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_refund_asks_first_with_its_amount_and_the_head_shows_the_method(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """F9 on a return pays out only after a yes, and the question names the amount, the method
    and the unit; at 40x16 the head still shows the refund method (issue 14, item 10)."""
    sell_three_laptops(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])
        assert screen.view is not None
        assert "refund cash · S01-" in screen_text(app)  # the method first, never cut
        price = screen.view.lines[1].total
        await pilot.press("f4")  # the method: card
        await settle(pilot)
        assert "refund card · S01-" in screen_text(app)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        question = f"Refund {price:.2f} card to the customer for 1 line (LT-ZEN14 {LAPTOPS[1]})?"
        assert squeezed(question) in squeezed(screen_text(app)), screen_text(app)
        await pilot.press("n")  # no: nothing is refunded
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one(MessageLine).text == "› not refunded: nothing changed"
        assert state_of(demo_db, LAPTOPS[1]) == "sold"
        await pilot.press("ctrl+y")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        text = screen.query_one(MessageLine).text
        assert text.startswith("✓ refund RF-S01-"), text
        assert f": {price:.2f} card" in text
    assert state_of(demo_db, LAPTOPS[1]) == "in_stock"


@async_test
async def test_a_return_at_another_store_is_booked_at_this_consoles_store(
    make_app: MakeApp, demo_db: Database, tmp_path: Path
) -> None:
    """Sold at S01, handed in at a console of S02: the laptop comes back into S02's stock
    and the refund note is S02's (it was RF-S01-… and the unit went back to S01)."""
    sell_three_laptops(demo_db)
    config = tmp_path / "terminal.toml"
    config.write_text('[terminal]\nid = "till-s2"\nstore = "S02"\n', encoding="utf-8")
    app = make_app(config_path=str(config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        text = screen.query_one(MessageLine).text
        assert "refund RF-S02-000001" in text, text
    (card,) = lookup_serial(demo_db, LAPTOPS[1])
    assert (card.state, card.store) == ("in_stock", "S02")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_lines_chosen_on_one_sale_are_let_go_out_loud_when_another_opens(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """A return is of one sale: a second sale's serial opens that sale, and the line chosen
    on the first is let go. That is said (a warning, the bell), never done silently."""
    from serialpos.domain.users import Role
    from serialpos.services.orders.checkout import fulfil
    from serialpos.services.orders.header import open_order
    from serialpos.services.orders.lines import add_item

    actor = Actor("cashier", Role.CASHIER, "T1")
    phone = open_order(demo_db, actor, "S01").order
    add_item(demo_db, actor, phone, sku="PH-AUR15", serial="356938030000013")
    fulfil(demo_db, actor, phone, settle_in="card")
    sell_three_laptops(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, "356938030000013")  # the phone's sale
        assert screen.view is not None and screen.view.order == phone
        assert len(screen.lines.marked) == 1
        await find(pilot, screen, LAPTOPS[0])  # a unit of the laptops' sale
        assert screen.view.order != phone and len(screen.lines.marked) == 1
        text = screen.query_one(MessageLine).text
        assert text.startswith(f"⚠ {screen.view.order}: the scanned unit chosen; "), text
        assert text.endswith(f"{phone}'s 1 chosen line let go"), text
