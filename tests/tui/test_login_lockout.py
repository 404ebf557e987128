"""The login screen under attack and when left alone: five wrong PINs lock a name (said with
the word "locked" and for how long, the same for a name that does not exist), a user limited
to other stores is refused, and an idle session is logged out with the reason on screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import MakeApp, async_test, log_in, settle

from serialpos.db.engine import Database
from serialpos.services import user_admin, users
from serialpos.services.context import SYSTEM
from serialpos.tui.screens.home import HomeScreen
from serialpos.tui.screens.login import LoginScreen
from serialpos.tui.widgets.message_line import MessageLine


@pytest.mark.parametrize("name", ["cashier", "nobody"])
@async_test
async def test_five_wrong_pins_lock_the_name(make_app: MakeApp, name: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, name, "9999")
        message = app.screen.query_one(MessageLine)
        assert message.text == "✗ unknown user or wrong PIN"
        for _ in range(4):
            await pilot.press(*"9999", "enter")
            await settle(pilot)
        assert message.text == (
            "✗ sign-in for this name is locked for 5 more minutes after too "
            "many wrong PINs; a manager can unlock it"
        )
        await pilot.press(*"3333", "enter")  # the right PIN (for cashier) waits too
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "locked for 5 more minutes" in message.text


@async_test
async def test_unlocked_by_a_manager(make_app: MakeApp, demo_db: Database) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "cashier", "9999")
        for _ in range(4):
            await pilot.press(*"9999", "enter")
            await settle(pilot)
        assert "locked" in app.screen.query_one(MessageLine).text
        manager = users.require_active(demo_db, "manager", "t")
        assert user_admin.unlock(demo_db, manager, "cashier") is True
        await pilot.press(*"3333", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


@async_test
async def test_a_user_of_other_stores_is_refused(make_app: MakeApp, demo_db: Database) -> None:
    user_admin.set_stores(demo_db, SYSTEM, "cashier", ["S02"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")  # the first store, S01, is chosen
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one(MessageLine).text == (
            "✗ cashier may not log in at store S01; only at S02"
        )


@async_test
async def test_idle_session_is_logged_out(make_app: MakeApp, demo_db: Database) -> None:
    from serialpos.services.settings import set_setting

    set_setting(demo_db, SYSTEM, "idle_logout_minutes", "2")
    app = make_app()
    now = [1000.0]
    app.idle_clock = lambda: now[0]
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        assert isinstance(app.screen, HomeScreen)
        now[0] += 119
        app.check_idle_logout()
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("down")  # a key is activity
        now[0] += 119
        app.check_idle_logout()
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        now[0] += 2
        app.check_idle_logout()
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.session is None
        assert app.screen.query_one(MessageLine).text.endswith("logged out after 2 idle minutes")
    assert users.require_active(demo_db, "cashier").user == "cashier"


@async_test
async def test_logins_are_logged_without_the_pin(make_app: MakeApp, state_home: Path) -> None:
    from serialpos import logs

    log_file = logs.configure()
    assert log_file is not None
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier", "97531")
        await pilot.press(*"3333", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("ctrl+o")
        await settle(pilot)
    text = log_file.read_text(encoding="utf-8")
    assert "user=cashier terminal=terminal action=login refused: unknown user or wrong PIN" in text
    assert "user=cashier terminal=terminal action=logged in document=store S01" in text
    assert "user=cashier terminal=terminal action=logged out" in text
    assert "97531" not in text and "3333" not in text
