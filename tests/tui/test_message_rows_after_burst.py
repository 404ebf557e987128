"""After a burst of scans on a handheld (40x16), the receiving and scan-out screens show the
last scan's answer and the latest refusal whole, inside the message line's rows and above the
footer. The line said the kept refusals oldest first and the latest answer last; four rows cut
the end (``… then ✓ PH-AUR15 356938030000021 ✓ 3 units`` was never seen). The line takes up
to six rows; it now says the newest answer first and the refusals after it, newest first, so
what a long line loses is the oldest refusal (F7 lists it), marked cut with ``…``."""

from __future__ import annotations

from textual.pilot import Pilot
from tui_helpers import HANDHELD, KeyClock, MakeApp, async_test, screen_text

from serialpos.db.engine import Database
from serialpos.tui.app import SerialposApp
from serialpos.tui.widgets.key_footer import KeyFooter
from serialpos.tui.widgets.message_line import MessageLine

from test_blind_receiving_screen import enter, open_blind  # isort: skip
from test_burst_refusals import burst, open_transfer_pick  # isort: skip


def visible_message(app: SerialposApp) -> str:
    """The message line's rows as the terminal shows them, joined as one sentence; checked to
    lie above the footer."""
    line = app.screen.query_one(MessageLine)
    footer = app.screen.query_one(KeyFooter)
    region = line.region
    assert region.height > 0 and region.bottom <= footer.region.y, (region, footer.region)
    rows = screen_text(app).split("\n")[region.y : region.bottom]
    return " ".join(row.strip() for row in rows)


async def blind_receipt_of_laptops(pilot: Pilot[object], reference: str) -> None:
    """A blind receipt from Northwind, its product (LT-ZEN14) chosen: serials next."""
    screen = await open_blind(pilot, "Northwind", reference)
    await enter(pilot, screen, "LT-ZEN14")


@async_test
async def test_a_blind_receipts_burst_shows_its_latest_refusal_and_answer(
    make_app: MakeApp, demo_db: Database
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=HANDHELD) as pilot:
        await blind_receipt_of_laptops(pilot, "PS-91")
        await burst(pilot, clock, "ZB24009901", "356938030000013", "ZB24000101", "ZB24009903")
        shown = visible_message(app)
        assert shown.startswith(
            "✓ LT-ZEN14 ZB24009903: 2 · before it: 2 refused (F7 lists them), newest first: "
            "serial ZB24000101 of LT-ZEN14 is already recorded (in stock at S01)"
        ), shown


@async_test
async def test_a_transfer_picks_burst_shows_its_latest_refusal_and_answer(
    make_app: MakeApp, demo_db: Database
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=HANDHELD) as pilot:
        await open_transfer_pick(pilot)
        await burst(
            pilot,
            clock,
            "356938030000013",
            "356938030000062",
            "ZB24000101",
            "ZB24000101",
            "356938030000021",
        )
        shown = visible_message(app)
        assert shown.startswith(
            "✓ PH-AUR15 356938030000021 ✓ 3 units · before it: 2 refused (F7 lists them), "
            "newest first: serial ZB24000101 is already on the list (counted once)"
        ), shown


@async_test
async def test_a_long_duplicate_refusal_alone_is_shown_whole(
    make_app: MakeApp, demo_db: Database
) -> None:
    """A serial live under another product: the refusal names that product and its state."""
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=HANDHELD) as pilot:
        await blind_receipt_of_laptops(pilot, "PS-92")
        await burst(pilot, clock, "356938030000013")
        message = app.screen.query_one(MessageLine).text
        assert "PH-AUR15" in message
        assert visible_message(app) == message
