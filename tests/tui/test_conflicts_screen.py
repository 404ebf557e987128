"""The Conflicts screen and the link line of a store terminal (issue 16), at 80x24 and 40x16:
a manager sees the sale central could not apply, with both events, and resolves it by a new
event (the unit back to stock); a cashier is told the screen needs a manager; the link line
says ONLINE / OFFLINE, the entries waiting and the oldest one's age at both widths."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from textual.app import App, ComposeResult
from tui_helpers import COUNTER, SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services import apply as apply_service
from serialpos.services import entries, snapshot, users
from serialpos.tui.screens.conflicts import ConflictsScreen, open_conflicts, resolve_question
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.link_status import LinkStatus, age_text, link_text
from serialpos.tui.widgets.message_line import MessageLine


def _conflict(db: Database) -> tuple[int, str]:
    """A till's offline sale of a unit sold meanwhile: recorded as a conflict."""
    with db.engine.connect() as conn:
        serial, sku, store = conn.execute(
            sa.text(
                "SELECT u.serial, p.sku, s.code FROM serial_unit u JOIN product p ON "
                "p.id = u.product_id JOIN store s ON s.id = u.store_id "
                "WHERE u.state = 'in_stock' ORDER BY u.id LIMIT 1"
            )
        ).one()
    manager = users.actor_for(db, "manager", "central")
    line = {"op": "sell", "store": store, "sku": sku, "serial": serial}
    assert apply_service.apply_object(db, manager, line)["ok"]  # sold at central first
    token = users.actor_for(db, "manager", f"api-{uuid.uuid4().hex[:6]}")
    snapshot.link(db, token, store, "till-9")
    entry = {"id": str(uuid.uuid4()), **line, "journal": {"terminal": "till-9", "seq": 1}}
    verdict = entries.apply_entry(db, token, entry, apply_service.apply_object)
    assert verdict["error"] == "sync_conflict", verdict
    return int(verdict["conflict"]["id"]), serial


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_manager_resolves_a_conflict(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    conflict_id, serial = _conflict(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")  # Admin, Conflicts
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        shown = screen_text(app)
        assert f"#{conflict_id}" in shown and serial[:10] in shown and "open" in shown
        assert app.screen.chosen == str(conflict_id)
        await pilot.press("f6")  # return: the standing sale takes it back, refunded
        await settle(pilot)
        assert isinstance(app.screen, Confirm)  # asked first
        await pilot.press("enter")
        await settle(pilot)
        said = str(app.screen.query_one("#message", MessageLine).text)
        assert said == f"✓ conflict {conflict_id}: returned to stock"
        assert "no open conflicts" in screen_text(app)
        await pilot.press("f3")  # all: the resolved one, and by whom
        await settle(pilot)
        assert "resolved: manager return" in screen_text(app).replace("\n  ", " ")
    with demo_db.engine.connect() as conn:
        state = conn.execute(
            sa.text("SELECT state FROM serial_unit WHERE serial = :s"), {"s": serial}
        ).scalar()
        resolution = conn.execute(
            sa.text("SELECT resolution, resolved_by FROM sync_conflict WHERE id = :i"),
            {"i": conflict_id},
        ).one()
    assert state == "in_stock" and tuple(resolution) == ("return", "manager")


def _flat(shown: str) -> str:
    """The screen's words in one line, without box-drawing and block characters (the
    dialog's sides, the list's frame behind it), so a question that wraps reads whole."""
    return " ".join(re.sub("[\u2500-\u259f]", " ", shown).split())


def _status(db: Database, conflict_id: int) -> str:
    with db.engine.connect() as conn:
        return str(
            conn.execute(
                sa.text("SELECT status FROM sync_conflict WHERE id = :i"), {"i": conflict_id}
            ).scalar()
        )


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_each_resolution_is_asked_first(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """F5 and F6 resolved at once, a new event (and for F6 a refund) from one key: each
    offered asks first, naming the conflict, the unit and what it does, in a box that fits at
    80x24 and 40x16; Escape (or n) changes nothing, Enter resolves. (F7, not offered for a
    sold unit, asks nothing: test_conflict_keys_offered.py.)"""
    conflict_id, serial = _conflict(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")  # Admin, Conflicts
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        for key, words in (
            ("f5", f"Accept conflict #{conflict_id}"),
            ("f6", "customer is refunded"),  # the standing sale sold it
        ):
            for no in ("escape", "n"):
                await pilot.press(key)
                await settle(pilot)
                assert isinstance(app.screen, Confirm), key
                shown = screen_text(app)
                flat = _flat(shown)  # the question wraps at 40 columns
                assert words in flat and f"#{conflict_id}" in flat, shown
                assert "Yes" in shown and "No" in shown, shown  # its keys, in the box
                await pilot.press(no)
                await settle(pilot)
                assert isinstance(app.screen, ConflictsScreen)
                said = str(app.screen.query_one("#message", MessageLine).text)
                assert said.endswith(f"conflict {conflict_id} not resolved"), said
                assert _status(demo_db, conflict_id) == "open"
        await pilot.press("f5")
        await settle(pilot)
        question = _flat(screen_text(app))
        assert "The event that stands stays" in question, question
        await pilot.press("enter")
        await settle(pilot)
        said = str(app.screen.query_one("#message", MessageLine).text)
        assert said == f"✓ conflict {conflict_id}: accepted"
    assert _status(demo_db, conflict_id) == "resolved"
    assert serial  # the unit named by _conflict stays as the standing sale left it


def test_the_question_names_a_refund_only_for_a_sold_unit() -> None:
    """A return is a refund only when a sale stands; a unit received elsewhere comes back by
    a return event alone, and the question does not promise a refund then."""
    unit = {"sku": "PH1", "serial": "CC-1", "store": "S1"}
    sold = {**unit, "first_event": {"action": "sell"}}
    received = {**unit, "first_event": {"action": "receive"}}
    assert resolve_question(3, "return", sold, at_central=False) == (
        "Return PH1 CC-1 to stock at S1 for conflict #3? The sale that stands takes it back "
        "and the customer is refunded."
    )
    assert resolve_question(3, "return", received, at_central=True) == (
        "Return PH1 CC-1 to stock at S1 for conflict #3 (at central)?"
    )
    assert resolve_question(3, "write_off", received, at_central=False) == (
        "Write off PH1 CC-1 at S1 for conflict #3?"
    )
    assert resolve_question(3, "accept", sold, at_central=False) == (
        "Accept conflict #3 (PH1 CC-1)? The event that stands stays and the till's entry is "
        "never applied."
    )
    assert resolve_question(4, "accept", {}, at_central=True).startswith(  # names no unit
        "Accept conflict #4 (at central)? "
    )


def test_the_write_off_question_says_the_units_state() -> None:
    """F7's question says what the write-off will do, from the event that stands: a unit in
    stock leaves stock; a sold one's write-off will be refused (the rule: domain MOVES, in
    services/conflict_outlook.py); no event known, the question alone."""
    from serialpos.services.conflict_outlook import write_off_outlook

    unit = {"sku": "PH1", "serial": "CC-1", "store": "S1"}
    stocked = {**unit, "first_event": {"action": "receive", "terminal": "till-2", "to": "in_stock"}}
    sold = {**unit, "first_event": {"action": "sell", "terminal": "central", "to": "sold"}}
    assert write_off_outlook(stocked).allowed and not write_off_outlook(sold).allowed
    assert resolve_question(3, "write_off", stocked, at_central=False) == (
        "Write off PH1 CC-1 at S1 for conflict #3? It is in stock (receive by till-2 "
        "stands): it leaves stock, written off."
    )
    assert resolve_question(3, "write_off", sold, at_central=True) == (
        "Write off PH1 CC-1 at S1 for conflict #3 (at central)? It is SOLD (sell by central "
        "stands): only a unit in stock is written off, so this will be refused and change "
        "nothing. Return it first (F6), or accept (F5)."
    )
    assert resolve_question(3, "write_off", unit, at_central=False) == (
        "Write off PH1 CC-1 at S1 for conflict #3?"
    )


@async_test
async def test_f7_on_a_sold_unit_says_why_and_what_to_use(
    make_app: MakeApp, demo_db: Database
) -> None:
    """F7 (write off) on a conflict whose unit the standing sale sold said only "serial X is
    already sold": it says why a write-off cannot apply and what to use instead, without
    asking (the conflict does not offer it: its ``resolutions``)."""
    conflict_id, _serial = _conflict(demo_db)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")  # Admin, Conflicts
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)  # not asked: not offered
        said = str(app.screen.query_one("#message", MessageLine).text)
        assert "F7 Write off is not offered" in said and "not in stock" in said, said
        assert "keys that work: F5 Accept, F6 Return" in said, said
        assert f"#{conflict_id}" in screen_text(app)  # still open


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_cashier_may_not_open_conflicts(make_app: MakeApp, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        open_conflicts(app)
        await settle(pilot)
        assert not isinstance(app.screen, ConflictsScreen)
        said = str(app.screen.query_one("#message", MessageLine).text)
        assert "may not resolve conflicts" in said and "manager" in said


class _LinkApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LinkStatus(id="link")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_link_line_at_both_sizes(size: tuple[int, int]) -> None:
    app = _LinkApp()
    async with app.run_test(size=size) as pilot:
        line = app.query_one(LinkStatus)
        assert line.plain.startswith("CONNECTING")
        line.show_link("offline", 12, 3 * 3600 + 5 * 60, "central cannot be reached")
        await pilot.pause()
        # At 40 columns the reason gives way and the words stay, as they do with no reason.
        expected = (
            "OFFLINE · 12 waiting · oldest 3h05m · central cannot be reached"
            if size[0] >= 80
            else "OFFLINE · 12 waiting · oldest 3h05m"
        )
        assert line.plain == expected
        assert expected in "\n".join(
            "".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()
        )
        line.show_link("online", 0, None)
        await pilot.pause()
        assert line.plain == "ONLINE · 0 waiting"


def test_link_text_words() -> None:
    assert [age_text(s) for s in (None, 5, 60, 3599, 3600 * 25)] == [
        "",
        "<1m",
        "1m",
        "59m",
        "1d01h",
    ]
    assert link_text("offline", 3, 120).plain == "OFFLINE · 3 waiting · oldest 2m"
    assert link_text("offline", 3, 120).style == "bold"  # said in bold, not colour alone
    assert link_text("online", 3, 120).style == ""
    assert link_text("online", 0, None, width=10).plain == "ONLINE 0"
    assert link_text(None, 0, None).plain == "CONNECTING · 0 waiting"
    # The till's own reason for being offline is long: it gives way, the words stay (at 80
    # columns it read "OFFLINE 1 waiting <1m", the 40-column form).
    why = "central http://127.0.0.1:18716 cannot be reached (ConnectError); working offline"
    assert link_text("offline", 1, 30, width=78, message=why).plain == (
        "OFFLINE · 1 waiting · oldest <1m"
    )
    assert link_text("refused", 1, 30, width=38, message="token revoked").plain == (
        "REFUSED 1 waiting · token revoked"
    )


@async_test
async def test_the_screen_resolves_the_entry_it_listed(
    make_app: MakeApp, demo_db: Database
) -> None:
    """The number listed names another entry's conflict by the time F5 is pressed (central
    restored from an older backup numbers its conflicts afresh): refused, nothing resolved,
    since the screen names the entry of the line chosen."""
    conflict_id, _serial = _conflict(demo_db)
    app = make_app()
    async with app.run_test(size=COUNTER) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")
        await settle(pilot)
        assert app.screen.chosen == str(conflict_id)
        with demo_db.engine.begin() as conn:  # the number now names another entry's
            conn.execute(
                sa.text("UPDATE sync_conflict SET entry_id = 'another-entry' WHERE id = :i"),
                {"i": conflict_id},
            )
        await pilot.press("f5", "enter")  # asked, then yes
        await settle(pilot)
        said = str(app.screen.query_one("#message", MessageLine).text)
        assert "another journal entry's" in said and "nothing was resolved" in said
    with demo_db.engine.connect() as conn:
        status = conn.execute(
            sa.text("SELECT status FROM sync_conflict WHERE id = :i"), {"i": conflict_id}
        ).scalar()
    assert status == "open"
