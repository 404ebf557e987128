"""What a 40x16 handheld cut off, read whole now: each test reads the rendered screen (not a
widget's content) and looks for the whole sentence, wrapped or not.

The Returns head after a second refund (the newest refund note), the serial card's warranty
under a conflict's line, the fields' prompts on the counter, returns, receiving and count
screens, and the Conflicts screen's F7: the question says the unit is sold before Yes, and
the refusal is read to its end."""

from __future__ import annotations

import re
from datetime import date

import pytest
from test_conflicts_screen import _conflict
from test_serial_card import AURORA_1, sell_aurora
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import HANDHELD, SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.warranty import add_months
from serialpos.services import users
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order
from serialpos.services.orders.serials import set_serial
from serialpos.services.product_import import import_products_text
from serialpos.services.returns import return_units
from serialpos.tui.app import SerialposApp
from serialpos.tui.screens.conflicts import ConflictsScreen
from serialpos.tui.screens.counts import CountsScreen
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.message_line import MessageLine


def reads(app: SerialposApp) -> str:
    """The screen's words in one line: each row stripped, rows joined by a space, frames and
    scroll bars left out, so a sentence that wraps reads whole (and one cut does not)."""
    rows = re.sub("[\u2500-\u259f]", " ", screen_text(app)).splitlines()
    return " ".join(" ".join(row.split()) for row in rows if row.strip())


def shows_whole(app: SerialposApp, words: str) -> bool:
    return " ".join(words.split()) in reads(app)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_returns_head_keeps_the_newest_refund_note(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """A sale refunded twice: its invoice and two refund notes in the head took three rows at
    40 columns and the head had two, so the note just issued was the part cut."""
    manager = users.actor_for(demo_db, "manager", "till-1")
    order = open_order(demo_db, manager, "S01").order
    add_item(demo_db, manager, order, sku="PH-AUR15")
    set_serial(demo_db, manager, order, get_order(demo_db, order).lines[0].line, AURORA_1)
    add_item(demo_db, manager, order, sku="AC-CASE15")
    invoice = fulfil(demo_db, manager, order, settle_in="cash").invoice
    case_line = get_order(demo_db, order).lines[1].line
    first = return_units(demo_db, manager, order, lines=[case_line]).refund_invoice
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("4", *AURORA_1, "enter")  # Returns; the serial finds and chooses
        await settle(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        said = app.screen.query_one(MessageLine).text
        second = said.split("refund ", 1)[1].split(":", 1)[0]
        assert second.startswith("RF-") and second != first, said
        head = f"refund cash · {order} · invoices {invoice}, {first}, {second}"
        assert shows_whole(app, head), screen_text(app)
        assert shows_whole(app, said), screen_text(app)  # the note and the amount


def test_the_head_counts_earlier_documents_rather_than_cut_the_newest() -> None:
    """A store terminal's numbers are longer: what does not fit in three rows of 38 columns
    is counted, and the newest refund note stays whole."""
    from serialpos.tui.screens.return_head import return_head, rows_of

    numbers = ("INV-S1-F093AA80-000001", "RF-S1-F093AA80-000001", "RF-S1-F093AA80-000002")
    head = return_head("cash", "S1-F093AA80-000001", numbers, 38)
    assert head == ("refund cash · S1-F093AA80-000001 · invoices +2 earlier, RF-S1-F093AA80-000002")
    assert rows_of(head, 38) <= 3
    wide = return_head("cash", "S1-F093AA80-000001", numbers, 78)
    assert wide.endswith("invoices " + ", ".join(numbers))
    assert return_head("card", None, (), 38) == "refund card · no sale yet"


@async_test
async def test_the_serial_cards_warranty_is_read_whole_under_a_conflict(
    make_app: MakeApp, demo_db: Database
) -> None:
    """A unit sold at central that a till sold too: the card's conflict line and the product
    name took the card's rows at 40x16, and its warranty went under the scroll."""
    admin = users.actor_for(demo_db, "admin", "till-1")
    import_products_text(  # the Aurora with a warranty, as sell_aurora gives it
        demo_db,
        admin,
        "SKU,Name,Price,Serial Number Option,WarrantyMonths\n"
        "PH-AUR15,Aurora X15 smartphone 128GB,899.00,Required,24\n",
    )
    _conflict_id, serial = _conflict(demo_db)
    ends = add_months(date.today(), 24)
    warranty = f"in warranty until {ends.isoformat()} ({(ends - date.today()).days} days left)"
    app = make_app()
    async with app.run_test(size=HANDHELD) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("f2", *serial, "enter")
        await settle(pilot)
        await settle(pilot)
        assert shows_whole(app, "SOLD at S01 · PH-AUR15 Aurora X15 smartphone 128GB")
        assert shows_whole(app, warranty), screen_text(app)


async def _placeholder_whole(app: SerialposApp, where: str, cut: list[str]) -> None:
    field = app.focused
    assert isinstance(field, Input), (where, field)
    if not shows_whole(app, field.placeholder):
        cut.append(f"{where}: {field.placeholder!r}\n{screen_text(app)}")


@async_test
async def test_the_fields_prompts_are_read_whole_at_40_columns(
    make_app: MakeApp, demo_db: Database
) -> None:
    """The counter's, returns', receiving's, count's and return-to-vendor's field prompts lost
    their ends at 40 columns ("…serial, Enter", "…C-… resumes", "…a product")."""
    sell_aurora(demo_db, AURORA_1)
    cut: list[str] = []
    app = make_app()
    async with app.run_test(size=HANDHELD) as pilot:
        await log_in(pilot, "manager")
        for key, where in (("3", "counter"), ("4", "returns"), ("7", "return to vendor")):
            await pilot.press(key)
            await settle(pilot)
            await _placeholder_whole(app, where, cut)
            if where == "counter":  # a serial refused in the serial's dialog
                await pilot.press(*"PH-AUR15", "enter")
                await settle(pilot)
                await pilot.press(*AURORA_1, "enter")  # sold already
                await settle(pilot)
                await _placeholder_whole(app, "counter's serial refused", cut)
                await pilot.press("escape", "escape", "p")  # the dialog, the sale: parked
                await settle(pilot)
                continue
            if where == "returns":
                hint = "find the sale: invoice or a serial"
                if not shows_whole(app, hint):
                    cut.append(f"returns' empty list: {screen_text(app)}")
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("8")  # counts: the start, then one left open to resume
        await settle(pilot)
        await _placeholder_whole(app, "counts", cut)
        await pilot.press("enter")  # opens a count
        await settle(pilot)
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("8")
        await settle(pilot)
        assert isinstance(app.screen, CountsScreen)
        await _placeholder_whole(app, "counts, one open", cut)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("5", "b", *"Acme", "enter", "enter")  # a blind receipt
        await settle(pilot)
        await _placeholder_whole(app, "receiving", cut)
        await pilot.press(*"AC-CASE15", "enter")  # counted, not scanned: how many
        await settle(pilot)
        await _placeholder_whole(app, "receiving a counted product", cut)
    assert not cut, "\n".join(cut)


async def _f7(pilot: Pilot[object], app: SerialposApp) -> None:
    """Conflicts (Admin, c), then F7 on the one listed."""
    await pilot.press("a", "c")
    await settle(pilot)
    assert isinstance(app.screen, ConflictsScreen)
    await pilot.press("f7")
    await settle(pilot)


@async_test
async def test_f7_says_the_unit_is_sold_and_asks_nothing(
    make_app: MakeApp, demo_db: Database
) -> None:
    """F7 on a conflict whose unit the standing sale sold asked "Write off … for conflict
    #N?" as if it would go through. Its ``resolutions`` do not offer a write-off: F7 asks
    nothing and sends nothing, and says why and which keys work, read whole at 40x16."""
    conflict_id, _serial = _conflict(demo_db)
    app = make_app()
    async with app.run_test(size=HANDHELD) as pilot:
        await log_in(pilot, "manager")
        await _f7(pilot, app)
        assert isinstance(app.screen, ConflictsScreen)  # no question
        said = app.screen.query_one(MessageLine).text
        assert said.startswith(f"✗ F7 Write off is not offered for conflict #{conflict_id}"), said
        assert "keys that work: F5 Accept" in said, said
        assert shows_whole(app, said.removeprefix("✗ ")), screen_text(app)
        assert shows_whole(app, said), screen_text(app)
