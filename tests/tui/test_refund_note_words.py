"""What the Returns screen says of a refund, at 80x24 and 40x16: a sale found by its refund
note's number names that note's amount and how it was given (kept as exchange credit, or
refunded in cash), and a refund's answer names the method it was made in, not the one F4
moved to while it ran."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from test_exchange_screen import choose_exchange
from test_returns_screen import LAPTOPS, find, open_returns, sell_three_laptops
from tui_helpers import SIZES, MakeApp, async_test, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services import returns
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.returns import REFUND_CHOICES
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.widgets.message_line import MessageLine


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_exchanges_refund_note_found_says_its_credit(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    sell_three_laptops(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])
        await choose_exchange(pilot, screen)
        await pilot.press("ctrl+y")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen) and sale.order_no is not None
        exchange = get_order(demo_db, sale.order_no)
        note, credit = exchange.exchange_of, exchange.totals.paid
        assert note is not None and credit > Decimal(0)
        await pilot.press("escape")  # back to Returns
        await settle(pilot)
        await find(pilot, screen, note)  # the number on the customer's paper
        said = screen.query_one(MessageLine).text
        assert said.startswith(f"✓ refund note {note}: {credit:.2f} kept as exchange credit · "), (
            said
        )
        assert said.endswith("2 sold lines; choose with Space, d for damaged"), said
        assert " ".join(said.split()) in " ".join(screen_text(app).split())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_refund_says_the_method_it_was_made_in(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F4 pressed while the cash refund ran: the answer said ``... 1438.80 card``."""
    sell_three_laptops(demo_db)
    app = make_app()
    release = threading.Event()
    real = returns.return_units

    def slow(*args: object, **kwargs: object) -> returns.ReturnResult:
        release.wait(5)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(returns, "return_units", slow)
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])
        assert REFUND_CHOICES[screen.method] == "cash"
        await pilot.press("ctrl+y")
        await settle(pilot)
        await pilot.press("y")
        for _ in range(20):  # the letter acts a key gap later; the refund then waits
            await pilot.pause(0.05)
            if app.screen is screen:
                break
        assert app.screen is screen
        await pilot.press("f4")  # the next refund's method: card
        await pilot.pause()
        assert REFUND_CHOICES[screen.method] == "card"
        release.set()
        await settle(pilot)
        said = screen.query_one(MessageLine).text
        assert said.startswith("✓ refund RF-S01-") and ": 1438.80 cash" in said, said
        # The note found again says the same: refunded in cash.
        note = said.split()[2].rstrip(":")
        await find(pilot, screen, note)
        said = screen.query_one(MessageLine).text
        assert said.startswith(f"✓ refund note {note}: 1438.80 refunded in cash · "), said
