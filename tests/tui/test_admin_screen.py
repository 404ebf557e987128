"""The Admin screens, keyboard only, at 80x24 and 40x16: an admin adds a user, disables and
enables them, resets the PIN, changes the role and the stores; a manager sees the store
settings only, toggles and clears the store's own value and the chain default; an admin adds a
store; a cashier is told they may not administer."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.errors import UserDisabled
from serialpos.domain.users import Role
from serialpos.services import settings, stores, user_admin, users
from serialpos.tui.screens.admin import AdminScreen
from serialpos.tui.screens.admin_dialogs import FormDialog
from serialpos.tui.screens.admin_settings import StoreSettingsScreen, StoresScreen
from serialpos.tui.screens.admin_users import UsersScreen
from serialpos.tui.screens.home import HomeScreen
from serialpos.tui.widgets.message_line import MessageLine


def said(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    return str(screen.query_one("#message", MessageLine).text)


async def fill(pilot: object, *values: str) -> None:
    """Type each value into the dialog's fields in turn, then Enter."""
    for i, value in enumerate(values):
        if i:
            await pilot.press("down")  # type: ignore[attr-defined]
        await pilot.press(*value)  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_admin_manages_a_user(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AdminScreen)
        assert [o.id for o in app.screen.query_one(OptionList)._options] == [
            "users",
            "settings",
            "stores",
            "conflicts",
        ]
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        assert "cashier" in screen_text(app)

        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await fill(pilot, "dora", "cashier", "12")  # a PIN too short is refused, said
        assert isinstance(app.screen, UsersScreen)
        assert said(app) == "✗ a PIN is 4 to 12 digits"
        await pilot.press("a")
        await settle(pilot)
        await fill(pilot, "Dora", "cashier", "5678")
        assert said(app) == "✓ user Dora (cashier) added"
        assert "Dora" in screen_text(app)

        await pilot.press("down", "down")  # admin, cashier, Dora
        assert app.screen.chosen == "Dora"
        await pilot.press("e")
        await settle(pilot)
        assert said(app) == "✓ user Dora is disabled"
        with pytest.raises(UserDisabled):
            users.require_active(demo_db, "dora")
        await pilot.press("e")
        await settle(pilot)
        assert said(app) == "✓ user Dora is enabled"

        await pilot.press("i")
        await settle(pilot)
        await fill(pilot, "2468")
        assert said(app) == "✓ new PIN set for Dora"
        assert users.login(demo_db, "dora", "2468", "t").user == "Dora"

        await pilot.press("r")
        await settle(pilot)
        await fill(pilot, "manager")
        assert said(app) == "✓ user Dora is now manager"
        await pilot.press("o")
        await settle(pilot)
        await fill(pilot, "S02")
        assert said(app) == "✓ Dora may log in at S02"

        detail = user_admin.show_user(demo_db, "dora")
        assert (detail.role, detail.active, detail.stores) == (Role.MANAGER, True, ("S02",))
        assert [(e.actor, e.action) for e in detail.audit][:6] == [
            ("admin", "stores_set"),
            ("admin", "role_set"),
            ("Dora", "logged_in"),
            ("admin", "pin_set"),
            ("admin", "enabled"),
            ("admin", "disabled"),
        ]
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_manager_changes_the_store_settings(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a")
        await settle(pilot)
        assert [o.id for o in app.screen.query_one(OptionList)._options] == [
            "settings",
            "conflicts",
        ]
        await pilot.press("u")  # not for managers
        await settle(pilot)
        assert isinstance(app.screen, AdminScreen) and "may not open this" in said(app)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, StoreSettingsScreen)
        await pilot.press("down")  # serialized_inventory, auto_prompt_serial
        assert app.screen.chosen == "auto_prompt_serial"
        await pilot.press("t")
        await settle(pilot)
        assert said(app) == "✓ auto_prompt_serial is now off at S01"
        assert settings.get_settings(demo_db, "S01").auto_prompt_serial is False
        assert "S01: off" in screen_text(app)
        await pilot.press("g")
        await settle(pilot)
        assert said(app) == "✓ auto_prompt_serial is now off for the chain"
        await pilot.press("c")
        await settle(pilot)
        assert said(app) == "✓ auto_prompt_serial at S01 follows the chain again: off"
        sources = {s.key: s for s in settings.setting_sources(demo_db, "S01")}
        assert (sources["auto_prompt_serial"].store, sources["auto_prompt_serial"].chain) == (
            None,
            False,
        )
        assert "S01: chain" in screen_text(app)


@async_test
async def test_admin_adds_a_store_and_a_cashier_may_not_administer(
    make_app: MakeApp, demo_db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("a", "t")
        await settle(pilot)
        assert isinstance(app.screen, StoresScreen)
        await pilot.press("a")
        await settle(pilot)
        await fill(pilot, "S03", "Dockside")
        assert said(app) == "✓ store S03 (Dockside) added"
        assert ("S03", "Dockside") in [(s.code, s.name) for s in stores.list_stores(demo_db)]
        await pilot.press("ctrl+o")
        await settle(pilot)
        await log_in(pilot, "cashier")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "cashier (cashier) may not administer" in said(app)
