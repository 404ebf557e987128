"""A dialog's footer names each key once (80x24 and 40x16): the admin's form dialogs (add a
user, a store) said "Esc Cancel" twice, once from the hints a screen lists and once from its
Escape binding."""

from __future__ import annotations

import pytest
from tui_helpers import SIZES, MakeApp, async_test, log_in, settle

from serialpos.db.engine import Database
from serialpos.tui.screens.admin_dialogs import FormDialog
from serialpos.tui.widgets.key_footer import KeyFooter


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_add_user_forms_footer_says_esc_cancel_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        footer = " ".join(app.screen.query_one(KeyFooter).plain.split())
        assert footer.count("Esc Cancel") == 1, footer
        assert "Enter OK" in footer, footer
