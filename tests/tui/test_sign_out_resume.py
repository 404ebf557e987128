"""Signing out from any screen with something open over it (80x24 and 40x16): ^O and the idle
log-out pop every screen above the login, and none of them may act as if still signed in. The
Transfers list reloaded with the session as the transfer it had opened was popped and raised
"a signed-in screen without a session": the console ended with a traceback."""

from __future__ import annotations

import pytest
from tui_helpers import SIZES, MakeApp, async_test, log_in, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.context import SYSTEM
from serialpos.tui.screens.home import HomeScreen, flows_for
from serialpos.tui.screens.login import LoginScreen
from serialpos.tui.screens.serial_mode import Confirm


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("how", ["ctrl+o", "idle"])
@async_test
async def test_signing_out_from_an_opened_transfer(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], how: str
) -> None:
    from serialpos.services.settings import set_setting

    set_setting(demo_db, SYSTEM, "idle_logout_minutes", "1")
    app = make_app()
    now = [1000.0]
    app.idle_clock = lambda: now[0]
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("6")
        await settle(pilot)
        transfers = app.screen
        await pilot.press("f5", *"s02", "enter")  # a new transfer to S02 opens over the list
        await settle(pilot)
        assert app.screen is not transfers
        if how == "ctrl+o":
            await pilot.press("ctrl+o")
        else:
            now[0] += 61
            app.check_idle_logout()
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.session is None
        assert app.is_running and app.return_code is None
        assert app._exception is None


def _roles() -> list[object]:
    return [pytest.param(role, id=role.value) for role in Role]


@pytest.mark.parametrize("role", _roles())
@async_test
async def test_signing_out_from_every_screen_with_a_dialog_over_it(
    make_app: MakeApp, demo_db: Database, role: Role
) -> None:
    """Every flow the role has, opened, a dialog pushed over it, then ^O: back at the login,
    the console still running."""
    user = role.value  # the demo's users are named after their roles
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for flow in flows_for(role):
            if flow.screen is None:
                continue
            await log_in(pilot, user)
            assert isinstance(app.screen, HomeScreen), flow
            await pilot.press(flow.key)
            await settle(pilot)
            assert len(app.screen_stack) > 2, flow.name  # the flow's screen, over Home
            app.push_screen(Confirm("a question left open"))
            await settle(pilot)
            await pilot.press("ctrl+o")
            await settle(pilot)
            await settle(pilot)
            assert app._exception is None, flow.name
            assert isinstance(app.screen, LoginScreen), flow.name
            assert app.session is None
