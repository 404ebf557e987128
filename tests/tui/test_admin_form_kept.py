"""An admin form submitted while the change before it still runs is made after it, never
dropped: a second store added (or a user, a PIN, a role, a user's stores) while the first was
being written was refused "still working" and what the admin had typed was lost
(tui/screens/admin.AdminListScreen.change). A key that changes something at once (T, C, G,
E) is still refused while its change runs: pressed twice, it would undo itself
(test_double_submits_documents.py)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import SIZES, HeldRead, MakeApp, async_test, log_in, said, settle

from serialpos.db.engine import Database
from serialpos.services import stores, users
from serialpos.tui.screens.admin_dialogs import FormDialog
from serialpos.tui.screens.admin_settings import StoresScreen
from serialpos.tui.screens.admin_users import UsersScreen

from double_submits import settle_keys  # isort: skip


async def submit_form(pilot: Pilot[object], *values: str) -> None:
    """Open the list's A (add) form, type ``values`` into its fields, Enter (no settle: a
    change may be held)."""
    await pilot.press("a")
    await settle_keys(pilot)
    assert isinstance(pilot.app.screen, FormDialog), type(pilot.app.screen).__name__
    for field, value in zip(pilot.app.screen.query(Input), values, strict=True):
        field.value = value
    pilot.app.screen.query(Input).last().focus()
    await pilot.press("enter")
    await settle_keys(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_store_added_while_another_is_added_is_added_after_it(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldRead(stores.add_store)
    monkeypatch.setattr(stores, "add_store", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("a", "t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StoresScreen)
        await submit_form(pilot, "S03", "Dockside")
        await held.held(pilot)
        await submit_form(pilot, "S04", "Harbour")
        assert app.screen is screen
        assert "still working" not in said(pilot), said(pilot)
        assert "S04" in said(pilot) and "after" in said(pilot), said(pilot)
        await held.let_go(pilot)
        await settle(pilot)
        assert said(pilot) == "✓ store S04 (Harbour) added", said(pilot)
        assert held.calls == 2
    codes = {s.code: s.name for s in stores.list_stores(demo_db)}
    assert (codes.get("S03"), codes.get("S04")) == ("Dockside", "Harbour"), codes


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_user_added_while_another_is_added_is_added_after_it(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldRead(users.add_user)
    monkeypatch.setattr(users, "add_user", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("a", "u")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        await submit_form(pilot, "dora", "cashier", "5555")
        await held.held(pilot)
        await submit_form(pilot, "eve", "cashier", "6666")
        await held.let_go(pilot)
        await settle(pilot)
        assert said(pilot) == "✓ user eve (cashier) added", said(pilot)
        assert held.calls == 2
