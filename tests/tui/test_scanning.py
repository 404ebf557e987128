"""Scans in the console: a serial-port scanner on a real pty and the keyboard wedge reach the
screen in front as the same ScanRead; bursts versus typing in one field; product barcodes,
unreadable scans and dropped frames said plainly; the scanner's state in the status line."""

from __future__ import annotations

import os
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.app import ComposeResult
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static
from tui_helpers import (
    PERSON,
    SCANNER,
    SIZES,
    KeyClock,
    MakeApp,
    async_test,
    log_in,
    screen_text,
    settle,
    terminal_keys,
)

from serialpos.tui.app import SerialposApp
from serialpos.tui.messages import ScanRead
from serialpos.tui.scanners import key_time
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.screens.home import FLOWS, HomeScreen, not_built_message
from serialpos.tui.screens.lookup import LookupScreen
from serialpos.tui.screens.products import ProductsScreen
from serialpos.tui.screens.serial_mode import ChooseSerialMode
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.scan_input import ScanInput
from serialpos.tui.widgets.status_line import StatusLine

AURORA_1 = "356938030000013"  # a demo IMEI, in stock at S01
AURORA_GTIN = "05012345000015"  # PH-AUR15's barcode 5012345000015 as a GTIN-14
BAD_EAN = "]E04006381333932"  # EAN-13 symbology, wrong check digit


class Pty:
    """A pseudo-terminal playing a serial scanner: scans are written to ``master``, the
    console reads ``path`` (the slave end, raw)."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.master_open = True

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def close_master(self) -> None:
        """The scanner goes away (as an unplugged USB serial adapter does)."""
        if self.master_open:
            self.master_open = False
            os.close(self.master)

    def close(self) -> None:
        self.close_master()
        os.close(self.slave)


@pytest.fixture
def pty_pair() -> Iterator[Pty]:
    pty = Pty()
    yield pty
    pty.close()


def config_file(tmp_path: Path, scanner: str) -> str:
    path = tmp_path / "terminal.toml"
    path.write_text("[scanner]\n" + scanner, encoding="utf-8")
    return str(path)


def serial_config(tmp_path: Path, port: str) -> str:
    return config_file(tmp_path, f'gs_substitute = "~"\n\n[[scanner.serial]]\nport = "{port}"\n')


async def wait_for(
    pilot: Pilot[object], ready: Callable[[], bool], what: str, timeout: float = 15.0
) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def message(app: SerialposApp) -> str:
    return app.screen.query_one(MessageLine).text


def status(app: SerialposApp) -> str:
    return app.screen.query_one(StatusLine).plain


def submitted(seen: list[Message]) -> list[str]:
    """The entries Enter ended in the lookup field (seen once per node the message passed)."""
    values = [m.value for m in seen if isinstance(m, ScanInput.Entered) and m.input.id == "serial"]
    return values[::2] if values[::2] == values[1::2] else values


def count_bells(app: SerialposApp, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    bells: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    return bells


async def open_lookup(pilot: Pilot[object]) -> LookupScreen:
    await pilot.press("ctrl+l")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, LookupScreen)
    return screen


async def scan(pilot: Pilot[object], clock: KeyClock, text: str) -> None:
    """A wedge scanner types ``text`` and Enter, 2 ms a key, after a pause.

    The keys reach the app together, as a terminal delivers a burst (Pilot's presses come
    about 40 ms apart in real time, which would let the wedge's 50 ms hold time run out
    between them); the clock says they were typed 2 ms apart. Then keys are a person's again.
    """
    clock.now += PERSON
    clock.step = SCANNER
    for event in terminal_keys(text + "\r"):
        pilot.app.post_message(event)
    await settle(pilot)
    clock.step = PERSON


# -- a serial-port scanner on a real pty ------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_serial_scan_from_a_pty_shows_the_unit_card(
    make_app: MakeApp, tmp_path: Path, pty_pair: Pty, size: tuple[int, int]
) -> None:
    pty, port = pty_pair, pty_pair.path
    app = make_app(config_path=serial_config(tmp_path, port))
    seen: list[Message] = []
    async with app.run_test(size=size, message_hook=seen.append) as pilot:
        await log_in(pilot, "cashier")
        await wait_for(pilot, lambda: "scanner connected" in status(app), "the scanner")
        lookup = await open_lookup(pilot)
        assert "scanner connected" in status(app)

        pty.write(AURORA_1.encode() + b"\r")
        await wait_for(pilot, lambda: "IN STOCK at S01" in screen_text(app), "the unit card")
        await settle(pilot)
        assert "PH-AUR15 Aurora X15" in str(lookup.query_one("#units", Static).render())
        assert message(app) == f"✓ {AURORA_1}: 1 unit, 1 event"
        scans = [m for m in seen if isinstance(m, ScanRead)]
        assert {(m.raw, m.source, m.decoded.kind) for m in scans} == {(AURORA_1, port, "serial")}

        # The same path takes a GS1 product+serial scan, GS sent as the configured "~".
        pty.write(f"]C101{AURORA_GTIN}10LOT1~21356938030000021\r\n".encode())
        await wait_for(pilot, lambda: "356938030000021: 1 unit" in message(app), "GS1 scan")


@async_test
async def test_scanner_state_is_shown_when_the_pty_goes_away(
    make_app: MakeApp, tmp_path: Path, pty_pair: Pty
) -> None:
    pty, port = pty_pair, pty_pair.path
    app = make_app(config_path=serial_config(tmp_path, port))
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "stockroom")
        await wait_for(pilot, lambda: "scanner connected" in status(app), "the scanner")
        assert f"scanner {port}: connected" in message(app)
        pty.close_master()
        gone = ("scanner disconnected", "scanner waiting")
        await wait_for(pilot, lambda: any(word in status(app) for word in gone), "the loss")
        assert any(word in screen_text(app) for word in gone)
        assert message(app).startswith(f"› scanner {port}: ")
        # A screen opened now shows the state from the start.
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert any(word in status(app) for word in gone)


@async_test
async def test_a_frame_that_is_not_text_is_dropped_with_the_bell(
    make_app: MakeApp, tmp_path: Path, pty_pair: Pty, monkeypatch: pytest.MonkeyPatch
) -> None:
    pty, port = pty_pair, pty_pair.path
    app = make_app(config_path=serial_config(tmp_path, port))
    bells = count_bells(app, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        await wait_for(pilot, lambda: "scanner connected" in status(app), "the scanner")
        await open_lookup(pilot)
        pty.write(b"\xff\xfe\x80\r")
        await wait_for(pilot, lambda: "not text" in message(app), "the dropped frame")
        assert message(app).startswith(f"✗ scanner {port}: received 3 bytes that are not text")
        assert bells
        assert not app.screen.query_one("#units-box").display


@async_test
async def test_a_scan_from_a_device_on_the_login_screen_is_not_used(
    make_app: MakeApp, tmp_path: Path, pty_pair: Pty
) -> None:
    pty, port = pty_pair, pty_pair.path
    app = make_app(config_path=serial_config(tmp_path, port))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        await wait_for(pilot, lambda: "scanner connected" in status(app), "the scanner")
        await pilot.press("ctrl+o")  # log out: the scanner stays on
        await settle(pilot)
        pty.write(AURORA_1.encode() + b"\r")
        await wait_for(pilot, lambda: "log in first" in message(app), "the note")
        assert app.session is None


@async_test
async def test_a_bad_scanner_table_is_said_and_the_console_goes_on(
    make_app: MakeApp, tmp_path: Path
) -> None:
    app = make_app(config_path=config_file(tmp_path, "key_gap_ms = 0\n"))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        assert message(app).startswith("✗ scanners are off: ")
        assert "'key_gap_ms' must be at least 300" in message(app)
        lookup = await open_lookup(pilot)
        await pilot.press(*AURORA_1, "enter")
        await settle(pilot)
        assert "IN STOCK at S01" in str(lookup.query_one("#units", Static).render())


# -- the keyboard wedge -------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_wedge_scan_into_a_field_is_one_entry_and_leaves_the_field_empty(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    seen: list[Message] = []
    async with app.run_test(size=size, message_hook=seen.append) as pilot:
        await log_in(pilot, "cashier")
        lookup = await open_lookup(pilot)
        field = lookup.query_one("#serial", Input)
        await scan(pilot, clock, AURORA_1)

        assert "IN STOCK at S01" in screen_text(app)
        assert message(app) == f"✓ {AURORA_1}: 1 unit, 1 event"
        assert field.value == ""
        assert submitted(seen) == [AURORA_1]
        assert not [
            m
            for m in seen  # one path, not two
            if isinstance(m, Input.Submitted) and m.input.id == "serial"
        ]

        # Typed by hand first, then a scan lands on it: one entry, as it is one line of text.
        await pilot.press(*"ZB24")
        await scan(pilot, clock, "000101")
        assert field.value == ""
        assert submitted(seen) == [AURORA_1, "ZB24000101"]
        assert "ZB24000101: 1 unit" in message(app)
        assert "ZenBook 14" in screen_text(app)


@async_test
async def test_typing_at_any_pace_and_enter_is_one_entry(make_app: MakeApp) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    seen: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await log_in(pilot, "cashier")
        lookup = await open_lookup(pilot)
        await pilot.press(*AURORA_1, "enter")
        await settle(pilot)
        assert "IN STOCK at S01" in str(lookup.query_one("#units", Static).render())
        assert submitted(seen) == [AURORA_1]

        # Three fast keys are an entry too: no length or speed makes typing something else.
        clock.step = SCANNER
        await pilot.press(*"NO1", "enter")
        clock.step = PERSON
        await settle(pilot)
        assert submitted(seen) == [AURORA_1, "NO1"]
        assert message(app) == "✗ no unit has the serial 'NO1'"
        assert lookup.query_one("#serial", Input).value == ""


@async_test
async def test_with_real_key_timestamps_a_field_takes_fast_and_slow_keys_alike(
    make_app: MakeApp,
) -> None:
    """Without a test clock (Textual's own stamp on each key): 3 ms or 150 ms between keys,
    what comes before Enter is one entry."""
    app = make_app(key_clock=key_time, key_hold=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        lookup = await open_lookup(pilot)

        async def typed(text: str, gap: float) -> None:
            start = time.monotonic()
            for number, event in enumerate(terminal_keys(text + "\r")):
                event.time = start + number * gap
                app.post_message(event)
            await settle(pilot)

        await typed(AURORA_1, 0.003)  # a scanner
        assert message(app) == f"✓ {AURORA_1}: 1 unit, 1 event"
        assert lookup.query_one("#serial", Input).value == ""
        await typed("NOPE-42", 0.150)  # a person: each key 150 ms after the last
        assert message(app) == "✗ no unit has the serial 'NOPE-42'"


@async_test
async def test_an_unreadable_scan_is_said_with_the_bell_and_changes_nothing(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    bells = count_bells(app, monkeypatch)
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "cashier")
        lookup = await open_lookup(pilot)
        await scan(pilot, clock, AURORA_1)
        table: DataTable[object] = lookup.query_one("#history", DataTable)
        before = (str(lookup.query_one("#units", Static).render()), table.row_count)
        bells.clear()

        await scan(pilot, clock, BAD_EAN)
        assert message(app) == (
            "✗ unreadable scan: wrong check digit in GTIN 4006381333932 (expected 1, got 2)"
        )
        assert bells == [1]
        assert (str(lookup.query_one("#units", Static).render()), table.row_count) == before
        assert lookup.query_one("#serial", Input).value == ""


@async_test
async def test_a_product_barcode_in_lookup_is_named_as_such(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    bells = count_bells(app, monkeypatch)
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "cashier")
        lookup = await open_lookup(pilot)
        await scan(pilot, clock, "5012345000015")
        # The scan resolver names the product the barcode belongs to (issue 10).
        assert message(app) == (
            "✗ '5012345000015' is the barcode of PH-AUR15, not a serial: scan the serial label"
        )
        assert bells == [1]
        assert not lookup.query_one("#units-box").display
        assert "PH-AUR15" in screen_text(app) and "not a serial" in screen_text(app)


@async_test
async def test_a_gs1_wedge_scan_with_the_gs_substitute_looks_up_its_serial(
    make_app: MakeApp, tmp_path: Path
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(config_path=config_file(tmp_path, 'gs_substitute = "~"\n'), key_clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        await open_lookup(pilot)
        await scan(pilot, clock, f"01{AURORA_GTIN}10LOT1~21{AURORA_1}")
        assert message(app) == f"✓ {AURORA_1}: 1 unit, 1 event"


@async_test
async def test_a_product_scan_searches_products(make_app: MakeApp) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProductsScreen)
        screen.table.focus()  # even from the table: its letter keys are not fired by a scan
        await pilot.pause()
        await scan(pilot, clock, "]E05012345000015")
        assert list(screen.products) == ["PH-AUR15"]
        search = screen.query_one("#search", Input)
        assert search.value == ""  # nothing for the next scan to land behind
        assert search.placeholder.startswith(f"{AURORA_GTIN} (searched)")
        assert app.screen is screen  # no serial-mode dialog ("m"), nothing selected ("a")
        assert not screen.selected


@async_test
async def test_a_scan_on_the_home_menu_opens_the_serial_card(make_app: MakeApp) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "cashier")
        assert isinstance(app.screen, HomeScreen)
        # The IMEI holds digits that are menu keys (1 opens lookup, 3 says Sale is not built):
        # held back as a burst, none of them fires.
        await scan(pilot, clock, AURORA_1)
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["HomeScreen", "LookupScreen"]
        assert message(app) == f"✓ {AURORA_1}: 1 unit, 1 event"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one(MessageLine).text == ""  # no "not built" note either
        await scan(pilot, clock, "5012345000015")
        assert isinstance(app.screen, ProductsScreen)
        assert list(app.screen.products) == ["PH-AUR15"]


@async_test
async def test_menu_keys_typed_by_a_person_still_work(make_app: MakeApp) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock, key_hold=None)  # held for the real key interval, 50 ms
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        not_built = [flow for flow in FLOWS if flow.screen is None]
        if not_built:
            await pilot.press(not_built[0].key)
            assert app.wedge.holding  # held for one key interval: it might begin a scan
            await settle(pilot)
            assert message(app) == f"› {not_built_message(not_built[0])}"
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)


class PlainScreen(ConsoleScreen):
    """A screen that knows nothing of scans: one field whose Enter is remembered."""

    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[str] = []

    def compose(self) -> ComposeResult:
        yield CappedInput(id="field")
        yield MessageLine()

    def on_mount(self) -> None:
        self.query_one(CappedInput).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submitted.append(event.value)
        event.input.clear()


@async_test
async def test_a_screen_that_takes_no_scans_gets_them_as_typing(
    make_app: MakeApp, tmp_path: Path, pty_pair: Pty, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(config_path=serial_config(tmp_path, pty_pair.path), key_clock=clock)
    bells = count_bells(app, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        await wait_for(pilot, lambda: "connected" in message(app), "the scanner")
        plain = PlainScreen()
        await app.push_screen(plain)
        await settle(pilot)
        assert not app.wedge_on()

        # A wedge burst is typing here: Enter submits the field as it always did.
        await scan(pilot, clock, AURORA_1)
        # A serial-port scan is typed into the focused field and submitted, as a wedge would.
        pty_pair.write(b"SN-77\r")
        await wait_for(pilot, lambda: len(plain.submitted) == 2, "the serial scan")
        assert plain.submitted == [AURORA_1, "SN-77"]

        # A dialog with no field takes no scan: the bell, and the dialog stays.
        dialog = ChooseSerialMode("X")
        await app.push_screen(dialog)
        await settle(pilot)
        pty_pair.write(b"ROD1\r")
        await wait_for(pilot, lambda: bool(bells), "the bell")
        assert app.screen is dialog
