"""The shell around the flows: the home menu, honest "not built yet" messages, a footer that
shows every key at 40 columns, F-keys with letter/Ctrl twins, NO_COLOR, and a start-up that
does not load the database layer."""

from __future__ import annotations

import subprocess
import sys

import pytest
from textual.binding import Binding
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle, shows

from serialpos.tui.app import SerialposApp
from serialpos.tui.keymap import ACTION_KEY
from serialpos.tui.screens.home import FLOWS, HomeScreen
from serialpos.tui.screens.login import LoginScreen
from serialpos.tui.screens.lookup import LookupScreen
from serialpos.tui.screens.product_details import ProductDetails
from serialpos.tui.screens.products import ProductsScreen
from serialpos.tui.screens.serial_mode import ChooseSerialMode, Confirm
from serialpos.tui.widgets.key_footer import KeyFooter, layout
from serialpos.tui.widgets.message_line import MessageLine

NOT_BUILT: dict[str, str] = {}  # every flow is built now; a new one not built goes here


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_home_lists_the_roles_flows_and_says_which_are_not_built(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        assert isinstance(app.screen, HomeScreen)
        text = screen_text(app)
        shown = [flow.name for flow in FLOWS if f"{flow.key}  {flow.name}" in text]
        assert shown == [
            "Serial lookup",
            "Products",
            "Receiving (ASN/blind)",
            "Transfers",
            "Return to vendor",
            "Counts",
        ]
        for key, sentence in NOT_BUILT.items():
            await pilot.press(key)
            await settle(pilot)  # a digit is held for one key interval: it may begin a scan
            assert isinstance(app.screen, HomeScreen)  # no pretend screen
            assert app.screen.query_one(MessageLine).text == f"› {sentence}"
        # arrows and Enter work as well as digits: down to Transfers, Enter opens it
        target = shown.index("Transfers")
        await pilot.press("home", *["down"] * target, "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TransfersScreen"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, ProductsScreen)
        await pilot.press("escape", "1")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_cashier_sees_only_the_counter_and_a_hidden_key_says_why(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert [flow.name for flow in home.flows] == [
            "Serial lookup",
            "Products",
            "Sale",
            "Returns",
            "Shift (open, X, close, Z)",
        ]
        text = screen_text(app)
        for hidden in ("Adjustments", "Reports", "Admin", "Receiving", "Counts"):
            assert hidden not in text
        await pilot.press("9")
        await settle(pilot)
        assert app.screen is home
        assert home.query_one(MessageLine).text == (
            "✗ cashier (cashier) may not adjust stock; that needs the role manager or admin"
        )
        await pilot.press("a")
        await settle(pilot)
        assert app.screen is home and "may not administer" in home.query_one(MessageLine).text
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "admin")
        assert [flow.key for flow in app.screen.flows] == [flow.key for flow in FLOWS]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_footer_shows_every_key_without_cutting_any(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    width = size[0]
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        seen: dict[str, str] = {}

        async def check(expected: list[str]) -> None:
            footer = app.screen.query_one(KeyFooter)
            for pair in expected:
                assert pair in footer.plain, (type(app.screen).__name__, pair, footer.plain)
            # On screen, not cropped: once the frame after the key is painted (a cropped pair
            # never shows; ``shows`` fails naming it, with the screen).
            await shows(pilot, *(f"{keys} {description}" for keys, description in footer.pairs))
            seen[type(app.screen).__name__] = footer.plain

        await check(["Enter Log in", "Tab Next field", "F12/^X Quit"])
        await log_in(pilot, "manager")
        await check(["0-9/Enter Open", "F2/^L Lookup", "^O Log out", "F12/^X Quit"])
        await pilot.press("f2")
        await settle(pilot)
        await check(["Enter Look up", "Esc Back", "F2/^L Lookup", "^O Log out", "F12/^X Quit"])
        await pilot.press("escape", "2")
        await settle(pilot)
        await pilot.press("down")
        await check(
            ["Space Select", "* All", "M Serial mode", "F3 Search", "Esc Back", "F12/^X Quit"]
        )
        await pilot.press("m")
        await pilot.pause()
        await check(["R Required", "O Optional", "D Disabled", "Esc Cancel"])
        await pilot.press("r")
        await settle(pilot)  # the letter acts one key gap later (a scan may begin with it)
        await check(["Y/Enter Yes", "N/Esc No"])
        await pilot.press("n")
        await settle(pilot)  # "n" acts one key gap later (a scan may begin with it)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProductDetails)
        await check(["Esc/Enter Close"])
        for line in screen_text(app).splitlines():
            assert len(line) <= width


def test_footer_layout_never_splits_a_key_from_its_description() -> None:
    pairs = [("F2/^L", "Lookup"), ("^O", "Log out"), ("Esc", "Back"), ("^Q", "Quit")]
    lines = layout(pairs, 24).plain.splitlines()
    assert lines == ["F2/^L Lookup  ^O Log out", "Esc Back  ^Q Quit"]
    assert layout(pairs, 80).plain == "F2/^L Lookup  ^O Log out  Esc Back  ^Q Quit"


def test_every_shared_function_key_has_its_ctrl_twin() -> None:
    """A function key whose action the keymap gives a Ctrl key has that twin. (Lookup's F3/F4
    and Products' F3 have none: one meaning per Ctrl key leaves too few Ctrl letters, and
    letters there are typed into the field.)"""
    screens = (
        SerialposApp,
        LoginScreen,
        HomeScreen,
        LookupScreen,
        ProductsScreen,
        ChooseSerialMode,
        Confirm,
        ProductDetails,
    )
    for owner in screens:
        by_action: dict[str, list[str]] = {}
        for binding in Binding.make_bindings(owner.BINDINGS):
            by_action.setdefault(binding.action, []).append(binding.key)
        for action, keys in by_action.items():
            if any(k.startswith("f") and k[1:].isdigit() for k in keys) and action in ACTION_KEY:
                assert ACTION_KEY[action] in keys, (owner, action)


@async_test
async def test_no_color_keeps_every_cue_in_words_or_symbols(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        assert app.no_color
        await log_in(pilot, "cashier", "0000")
        assert "✗ unknown user or wrong PIN" in screen_text(app)
        await pilot.press(*"3333", "enter")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("down", "space")
        await settle(pilot)
        text = screen_text(app)
        assert "✓" in text  # the selected row is marked by a symbol, not only a colour
        assert "disabled" in text or "required" in text  # serial modes are words


def test_console_modules_do_not_load_the_database_layer() -> None:
    code = (
        "import sys, serialpos.tui.app, serialpos.tui.screens.login; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel') "
        "or m.startswith(('serialpos.services', 'serialpos.db'))); "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
