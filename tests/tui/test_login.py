"""Logging in: a wrong PIN is refused on the screen, the right one opens the home screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Select
from tui_helpers import (
    SIZES,
    MakeApp,
    async_test,
    log_in,
    screen_text,
    settle,
    terminal_keys,
)

from serialpos.tui.screens.home import HomeScreen
from serialpos.tui.screens.login import LoginScreen
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.status_line import StatusLine


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_wrong_pin_then_right_pin(make_app: MakeApp, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier", "9999")
        assert isinstance(app.screen, LoginScreen)
        message = app.screen.query_one(MessageLine)
        assert message.text == "✗ unknown user or wrong PIN"
        assert message.has_class("-error")
        pin = app.screen.query_one("#pin", Input)
        assert pin.value == "" and pin.has_focus
        assert app.screen.query_one("#user", Input).value == "cashier"
        assert "unknown user or wrong PIN" in screen_text(app)

        await pilot.press(*"3333", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.session is not None
        assert (app.session.user, app.session.role, app.session.store) == (
            "cashier",
            "cashier",
            "S01",
        )
        status = str(app.screen.query_one(StatusLine).render())
        for word in ("cashier (cashier)", "S01", "terminal"):
            assert word in status
        # The terminal with no id set is called "terminal": said once, not "terminal terminal".
        assert "terminal terminal" not in status.replace("\n", " ")
        assert "cashier (cashier)" in screen_text(app)


@async_test
async def test_unknown_user_gets_the_same_message(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "nobody", "1234")
        assert app.screen.query_one(MessageLine).text == "✗ unknown user or wrong PIN"


@async_test
async def test_pin_is_masked_and_takes_digits_only(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab", *"12ab34")
        pin = app.screen.query_one("#pin", Input)
        assert pin.password
        assert pin.value == "1234"
        assert "1234" not in screen_text(app)


@async_test
async def test_store_defaults_to_the_first_and_can_be_chosen(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        store: Select[str] = app.screen.query_one("#store", Select)
        assert store.display and store.value == "S01"
        # Keyboard only: user, PIN, then Tab to the store list, open it (Down), pick the
        # second; Enter on the list then logs in, as in every field (it does not reopen it).
        await pilot.press(*"manager", "tab", *"2222", "tab", "down", "down", "enter")
        await pilot.pause()
        assert store.value == "S02"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.session is not None and app.session.store == "S02"


@async_test
async def test_store_from_the_terminal_config(make_app: MakeApp, tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text('[terminal]\nid = "till-7"\nstore = "S02"\n', encoding="utf-8")
    app = make_app(config_path=str(config))
    async with app.run_test(size=(40, 16)) as pilot:
        await settle(pilot)
        assert not app.screen.query("#store")  # no store list: the config decides
        assert "S02 (this terminal's store)" in screen_text(app)
        await log_in(pilot, "stockroom")
        assert app.session is not None
        assert (app.session.store, app.session.terminal) == ("S02", "till-7")
        assert "till-7" in screen_text(app)


@async_test
async def test_demo_hint_lists_the_users_passed_in(make_app: MakeApp) -> None:
    app = make_app(demo_users=(("admin", "1111"), ("cashier", "3333")))
    async with app.run_test(size=(40, 16)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "admin 1111" in text and "cashier 3333" in text


@async_test
async def test_database_that_cannot_be_opened_is_a_message(
    make_app: MakeApp, tmp_path: Path
) -> None:
    (tmp_path / "a-directory.sqlite").mkdir()
    app = make_app(url=f"sqlite:///{tmp_path / 'a-directory.sqlite'}")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        message = app.screen.query_one(MessageLine)
        assert message.kind == "error" and message.text.startswith("✗ ")
        await log_in(pilot, "cashier")
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one(MessageLine).kind == "error"


@async_test
async def test_log_out_returns_to_an_empty_login(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
        assert app.screen.query_one("#user", Input).value == ""
        assert app.screen.query_one("#pin", Input).value == ""
        await pilot.press("f2")  # no lookup without a user
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, "manager")  # the next user, on the same screen
        assert isinstance(app.screen, HomeScreen)
        assert app.session is not None
        assert (app.session.user, app.session.store) == ("manager", "S01")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_user_tab_pin_as_one_burst_fills_both_fields(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    """A password manager or a fast typist: every key read before the Tab has moved focus."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key in terminal_keys("cashier\t3333\t"):  # one read of the terminal, at once
            app.post_message(key)
        await settle(pilot)
        assert app.screen.query_one("#user", Input).value == "cashier"
        assert app.screen.query_one("#pin", Input).value == "3333"
        assert app.focused is app.screen.query_one("#store", Select)
        await pilot.press("enter")  # Enter on the store list logs in, it does not reopen it
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.session is not None and app.session.store == "S01"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_each_field_is_named_on_the_row_of_its_text(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    """The names are drawn by the fields' container (tui/widgets/named_fields.py), not by a
    label each: "User", "PIN" and "Store" at the left of the row where each field's text
    is (inside the frame at 80x24, on the field's one row at 40x16), before and after the
    store list replaces the store's text, and nowhere else."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        framed = size[1] >= 20
        rows = screen_text(app).splitlines()
        for selector, name in (("#user", "User"), ("#pin", "PIN"), ("#store", "Store")):
            field = app.screen.query_one(selector)
            row = field.region.y + (1 if framed else 0)
            assert rows[row].startswith(f" {name} "), (selector, rows[row])
            assert rows[row][len(name) + 1 : 8].strip() == ""  # the name alone in its columns
        named = [r for r in rows if r.startswith((" User ", " PIN ", " Store "))]
        assert len(named) == 3


@async_test
async def test_keys_typed_after_a_refused_login_are_dropped(make_app: MakeApp) -> None:
    """Keys typed while a wrong PIN is checked were meant for the menu: they are not put in
    the PIN field the refusal empties (a PIN made of them would be wrong again)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"cashier", "tab", *"9999")
        assert app._driver is not None
        for key in ("enter", "3"):  # at once, without waiting for the check
            event = events.Key(key, "\r" if key == "enter" else key)
            event.set_sender(app)
            app._driver.send_message(event)
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#pin", Input).value == ""
        assert not app.type_ahead.holding
        await pilot.press(*"3333", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
