"""A menu key typed the moment a store terminal's console logs in (before the login is
answered) reaches the Home menu and opens its flow, with central up or down, at 80x24 and
40x16: it was typed into the PIN field and lost."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from terminal_chain import Chain
from test_console_terminal import _console
from textual import events

sys.path.insert(0, str(Path(__file__).parents[1] / "tui"))

from tui_helpers import SIZES, async_test, screen_text, settle

from serialpos.tui.app import SerialposApp
from serialpos.tui.screens.sale import SaleScreen


def _type(app: SerialposApp, *keys: str) -> None:
    """Send keys as the terminal would, one after another, without waiting for the app
    (Pilot.press waits for the app to go idle after each key: the login would be done)."""
    assert app._driver is not None
    for key in keys:
        event = events.Key(key, "\r" if key == "enter" else key)
        event.set_sender(app)
        app._driver.send_message(event)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("central", ["online", "offline"])
@async_test
async def test_a_menu_key_right_after_login_opens_the_sale(
    chain: Chain, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], central: str
) -> None:
    till = chain.terminal(f"lk{size[0]}{central[1]}")
    # Offline: central's address answers nothing (a closed port), as with central down.
    server = chain.server.base if central == "online" else "http://127.0.0.1:9"
    app = _console(till, monkeypatch, server=server)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press(*"mia", "tab", *"1234")
        _type(app, "enter", "3")  # at once, as a cashier types: no wait for the login
        await settle(pilot)  # the login, then the kept "3" handed to Home (and its wedge)
        await settle(pilot)
        assert isinstance(app.screen, SaleScreen), screen_text(app)
