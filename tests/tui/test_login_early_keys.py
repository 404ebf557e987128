"""Keys typed the instant the console starts (a fast typist, a password manager, a script
sending "cashier" as the login screen first draws) land in the login form, in order.

The terminal is read from the moment the app starts, before the login screen has mounted and
focused its user field. Such keys used to go to the screen itself and were lost: the user field
stayed empty. Here the keys are posted while the app loads (before its first screen exists),
as the driver's input thread posts what it reads, and the test checks that they really were
handled before the screen had mounted (else it would prove nothing).
"""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input
from tui_helpers import PINS, SIZES, async_test, screen_text, settle, terminal_keys

from serialpos.cli.context import CliState
from serialpos.tui.app import SerialposApp
from serialpos.tui.screens.home import HomeScreen
from serialpos.tui.screens.login import LoginScreen


class TypedAtStart(SerialposApp):
    """The console with ``typed`` arriving from the terminal as it starts."""

    def __init__(self, url: str, typed: str) -> None:
        super().__init__(CliState(db_url=url))
        self.typed = typed
        #: Whether the first key reached the app before the login screen had mounted.
        self.first_key_before_mount: bool | None = None

    def on_load(self) -> None:
        for key in terminal_keys(self.typed):
            self.post_message(key)

    async def on_event(self, event: events.Event) -> None:
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and self.first_key_before_mount is None
        ):
            self.first_key_before_mount = not (self.screen_stack and self.screen.is_mounted)
        await super().on_event(event)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_keys_typed_as_the_console_starts_fill_the_form(
    demo_url: str, no_config: None, size: tuple[int, int]
) -> None:
    app = TypedAtStart(demo_url, "cashier\t1234")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert app.first_key_before_mount is True  # the race this test is about happened
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#user", Input).value == "cashier"
        pin = app.screen.query_one("#pin", Input)
        assert pin.value == "1234" and pin.has_focus
        assert "cashier" in screen_text(app)


@async_test
async def test_a_whole_login_typed_at_start_logs_in(demo_url: str, no_config: None) -> None:
    app = TypedAtStart(demo_url, f"cashier\t{PINS['cashier']}\r")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(50):  # the login runs on a worker; at most 5 s
            if isinstance(app.screen, HomeScreen):
                break
            await pilot.pause(0.1)
            await settle(pilot)
        assert app.first_key_before_mount is True
        assert isinstance(app.screen, HomeScreen), screen_text(app)
        assert app.session is not None and app.session.user == "cashier"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_login_typed_before_raw_mode_ends_in_a_newline_and_logs_in(
    demo_url: str, no_config: None, size: tuple[int, int]
) -> None:
    """Typed while the console was still starting, before it put the terminal in raw mode:
    the terminal's line discipline turned Enter into a newline ("\\n", Ctrl+J to Textual).
    Seen with tty-run after ``serialpos demo``: the form filled, never sent."""
    app = TypedAtStart(demo_url, f"cashier\t{PINS['cashier']}\n")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for _ in range(50):  # the login runs on a worker; at most 5 s
            if isinstance(app.screen, HomeScreen):
                break
            await pilot.pause(0.1)
            await settle(pilot)
        assert isinstance(app.screen, HomeScreen), screen_text(app)
        assert app.session is not None and app.session.user == "cashier"
