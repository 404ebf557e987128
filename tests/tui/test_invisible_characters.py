"""A scan or a typed serial holding an invisible character (zero-width space, no-break space,
byte-order mark, bidi override, line separator) is refused on every console screen that takes
one, naming the character and its position, with the bell, nothing recorded; as ``apply``
and the ASN import refuse it (README "One serial, one live unit").

Textual's own field drops such a key without a word (it is not printable), and the decoder
trimmed a no-break space or U+2028 off either end: the console took ``3569<U+200B>3803…`` as
``35693803…`` and sold that unit. The keys here are what a terminal's bytes become (Textual's
own parser), typed by a person or sent by a wedge scanner at 2 ms a key, or pasted."""

from __future__ import annotations

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import (
    PERSON,
    SCANNER,
    SIZES,
    KeyClock,
    MakeApp,
    async_test,
    bells,
    log_in,
    said,
    screen_text,
    settle,
    terminal_keys,
)

from serialpos.db.engine import Database
from serialpos.services.demo import _imei
from serialpos.services.lookup import lookup_serial
from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.sale import SaleScreen

from test_blind_receiving_screen import open_blind  # isort: skip

#: The characters the contract names, and where each is put in the entry.
HIDDEN = ["\u200b", "\u00a0", "\ufeff", "\u202e", "\u2028"]


async def keys(pilot: Pilot[object], text: str, clock: KeyClock, step: float = PERSON) -> None:
    """Every key of ``text`` as the terminal delivers it, ``step`` seconds apart."""
    clock.step = step
    for event in terminal_keys(text):
        pilot.app.post_message(event)
    await settle(pilot)
    clock.step = PERSON


async def open_home_entry(pilot: Pilot[object], user: str, key: str) -> None:
    await log_in(pilot, user)
    await pilot.press(key)
    await settle(pilot)


#: Each screen taking a serial, opened from the home menu: (user, key, the screen's name).
SCREENS = [
    pytest.param("cashier", "3", "SaleScreen", id="sale"),
    pytest.param("cashier", "4", "ReturnsScreen", id="returns"),
    pytest.param("stockroom", "6", "TransfersScreen", id="transfers"),
    pytest.param("stockroom", "7", "RtvScreen", id="rtv"),
    pytest.param("stockroom", "8", "CountsScreen", id="counts"),
    pytest.param("manager", "9", "AdjustmentsScreen", id="adjustments"),
    pytest.param("cashier", "f2", "LookupScreen", id="lookup"),
    pytest.param("cashier", "2", "ProductsScreen", id="products-packages"),
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("user", "key", "name"), SCREENS)
@async_test
async def test_every_serial_field_refuses_an_invisible_character_naming_it(
    make_app: MakeApp,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
    user: str,
    key: str,
    name: str,
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        await open_home_entry(pilot, user, key)
        assert type(app.screen).__name__ == name
        field = app.screen.focused
        assert isinstance(field, Input)
        rung = bells(app, monkeypatch)
        serial = _imei(1)
        await keys(pilot, f"{serial[:4]}\u200b{serial[4:]}\r", clock)  # typed
        assert "U+200B at position 5" in said(pilot), said(pilot)
        assert said(pilot).startswith("✗ ") and len(rung) == 1
        assert field.value == ""
        await keys(pilot, f"{serial}\u00a0\r", clock, SCANNER)  # a scanner's burst
        assert "U+00A0 at position 16" in said(pilot), said(pilot)
        assert len(rung) == 2


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("char", HIDDEN)
@async_test
async def test_a_sale_takes_no_unit_from_a_serial_holding_one(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], char: str
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        await open_home_entry(pilot, "cashier", "3")
        sale = app.screen
        assert isinstance(sale, SaleScreen)
        rung = bells(app, monkeypatch)
        serial = _imei(1)
        for text, position in ((f"{serial[:4]}{char}{serial[4:]}", 5), (f"{serial}{char}", 16)):
            await keys(pilot, f"{text}\r", clock, SCANNER)
            code = f"U+{ord(char):04X}"
            assert f"{code} at position {position}" in said(pilot), said(pilot)
            assert sale.view is None or not sale.view.lines  # nothing on the sale
        assert len(rung) == 2


async def paste(pilot: Pilot[object], text: str) -> None:
    field = pilot.app.screen.focused
    assert isinstance(field, Input)
    field.post_message(events.Paste(text))
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_blind_receipt_receives_no_unit_typed_scanned_or_pasted_with_one(
    make_app: MakeApp,
    demo_db: Database,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_blind(pilot, "Northwind", "PS-78")
        assert isinstance(screen, ChecklistScreen)
        await keys(pilot, "LT-ZEN14\r", clock)
        rung = bells(app, monkeypatch)
        await keys(pilot, "ZB2400\u200b9901\r", clock, SCANNER)
        assert "U+200B at position 7" in said(pilot), said(pilot)
        await keys(pilot, "\r", clock)  # seen
        # A paste of one serial shows the character where it is, and Enter refuses it.
        await paste(pilot, "ZB24009902\u202e")
        field = app.screen.focused
        assert isinstance(field, Input) and field.value == "ZB24009902⟨U+202E⟩"
        assert "ZB24009902⟨U+202E⟩" in screen_text(app)  # shown, never a raw bidi override
        await keys(pilot, "\r", clock)
        assert "U+202E at position 11" in said(pilot), said(pilot)
        await keys(pilot, "\r", clock)
        # A pasted list: a no-break space parts no entries, it is refused, named.
        await paste(pilot, "ZB24009903\nZB2400\u00a09904")
        assert "U+00A0 at position 7" in said(pilot), said(pilot)
        assert len(rung) == 3
        for serial in ("ZB24009901", "ZB24009902", "ZB24009903", "ZB24009904", "ZB2400"):
            assert lookup_serial(demo_db, serial) == []
        assert [line.scanned for line in screen.receiving.checklist.lines.values()] == [[]]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_on_the_home_menu_holding_one_opens_nothing(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """No field has the focus: the wedge takes the burst. The invisible key used to end the
    run, its digits before it went to the menu ('3' opened a sale)."""
    from serialpos.tui.screens.home import HomeScreen

    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        assert isinstance(app.screen, HomeScreen)
        rung = bells(app, monkeypatch)
        clock.now += PERSON
        await keys(pilot, f"3569\u200b{_imei(1)[4:]}\r", clock, SCANNER)
        assert isinstance(app.screen, HomeScreen)
        assert "U+200B at position 5" in said(pilot), said(pilot)
        assert len(rung) == 1
