"""The Conflicts screen shows only the resolution keys the highlighted conflict offers
(issue 16): central lists them with each conflict (``resolutions``, as ``conflicts show``
names them), and the screen showed F5-F9 for every conflict and sent whichever key was
pressed. A key not offered now says why and which keys work, and sends nothing: at 80x24 and
40x16, on the list and on one conflict opened whole."""

from __future__ import annotations

import pytest
from test_conflict_refund_key import _one_line_conflict
from test_conflicts_screen import _conflict, _status
from tui_helpers import SIZES, MakeApp, async_test, log_in, settle

from serialpos.db.engine import Database
from serialpos.domain.conflict_keys import key_hints, not_offered
from serialpos.tui.screens.conflict_detail import ConflictDetailScreen
from serialpos.tui.screens.conflicts import ConflictsScreen
from serialpos.tui.widgets.key_footer import KeyFooter
from serialpos.tui.widgets.message_line import MessageLine


def _footer(app: object) -> str:
    return str(app.screen.query_one(KeyFooter).plain)  # type: ignore[attr-defined]


def _said(app: object) -> str:
    return str(app.screen.query_one("#message", MessageLine).text)  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_only_the_offered_keys_are_shown_and_others_say_why(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """A till's sale of a unit central sold first offers accept, return and refund (the unit
    is sold: no write-off; a bare ``sell``: no rest of a sale to record): the footer shows
    F5, F6 and F9, and F7 and F8 each say why, asking nothing and sending nothing."""
    conflict_id, _serial = _conflict(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")  # Admin, Conflicts
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        assert app.screen.listed[str(conflict_id)]["resolutions"] == ["accept", "return", "refund"]
        footer = _footer(app)
        assert "F5 Accept" in footer and "F6 Return" in footer and "F9 Refund" in footer
        for gone in ("F7", "F8"):
            assert gone not in footer, footer
        for key, why in (
            ("f7", "its unit is not in stock at"),
            ("f8", "it is no till's sale of lines and tenders (sell)"),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, ConflictsScreen), key  # nothing asked
            said = _said(app)
            assert f"is not offered for conflict #{conflict_id}: {why}" in said, said
            assert said.endswith("keys that work: F5 Accept, F6 Return, F9 Refund"), said
        await pilot.press("enter")  # the conflict whole: the same keys
        await settle(pilot)
        assert isinstance(app.screen, ConflictDetailScreen)
        footer = _footer(app)
        assert "F6 Return" in footer and "F9 Refund" in footer and "F7" not in footer, footer
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDetailScreen)  # said here, nothing sent
        assert "F7 Write off is not offered" in _said(app), _said(app)
    assert _status(demo_db, conflict_id) == "open"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_footer_follows_the_highlighted_conflict(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """Two conflicts offering different keys: the footer shows each one's as it is
    highlighted (a till's sale of two lines, one of them lost, offers F8 Record sale; a bare
    sale does not)."""
    plain_id, _serial = _conflict(demo_db)
    sale_id, _lost, _order = _one_line_conflict(demo_db, extra=1)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        assert screen.chosen == str(plain_id)
        assert "F8" not in _footer(app), _footer(app)
        await pilot.press("down")
        await settle(pilot)
        assert screen.chosen == str(sale_id)
        offered = screen.listed[str(sale_id)]["resolutions"]
        assert "record_sale" in offered, offered
        assert "F8 Record sale" in _footer(app), _footer(app)
        await pilot.press("up")
        await settle(pilot)
        assert "F8" not in _footer(app), _footer(app)


def test_a_conflict_listed_without_resolutions_shows_every_key() -> None:
    """A central older than the list (or a till's own conflict read offline) says nothing of
    them: every key, as before, and central decides."""
    assert [k for k, _w in key_hints({"id": 3})] == ["F5", "F6", "F7", "F8", "F9"]
    assert not_offered({"id": 3}, "refund") is None
    resolved = {"id": 4, "status": "resolved", "resolutions": []}
    assert key_hints(resolved) == ()
    assert not_offered(resolved, "accept") == (
        "F5 Accept is not offered for conflict #4: it is resolved already; keys that work: "
        "none: it is settled"
    )
