"""A till's sale in conflict, read whole and resolved on the console (new-user walk, round
two). At 40x16 the list's one option for the sale is taller than the list: its lines and
the money taken could not be reached by any key. Enter opens the conflict whole, scrollable
by keyboard; and once resolved its words say what the resolution did, no longer "was not
recorded" as if nothing had been done."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.resolved_sale import sale_for_people
from serialpos.services import apply as apply_service
from serialpos.services import entries, snapshot, users
from serialpos.tui.screens.conflict_detail import ConflictDetailScreen
from serialpos.tui.screens.conflicts import ConflictsScreen
from serialpos.tui.screens.serial_mode import Confirm


def _sale_conflict(db: Database) -> tuple[int, str, str]:
    """A till's two-line sale, paid 837.60 in cash, whose first unit central sold first:
    (the conflict's number, the conflicting serial, the other line's serial)."""
    with db.engine.connect() as conn:
        (lost, sku, store), (other, sku2, _store) = conn.execute(
            sa.text(
                "SELECT u.serial, p.sku, s.code FROM serial_unit u JOIN product p ON "
                "p.id = u.product_id JOIN store s ON s.id = u.store_id "
                "WHERE u.state = 'in_stock' ORDER BY u.id LIMIT 2"
            )
        ).all()
    manager = users.actor_for(db, "manager", "central")
    sold = {"op": "sell", "store": store, "sku": sku, "serial": lost}
    assert apply_service.apply_object(db, manager, sold)["ok"]
    token = users.actor_for(db, "manager", f"api-{uuid.uuid4().hex[:6]}")
    snapshot.link(db, token, store, "till-9")
    entry = {
        "id": str(uuid.uuid4()),
        "op": "order_create",
        "store": store,
        "lines": [
            {"sku": sku, "serial": lost, "quantity": 1, "catalogue_price": "418.80"},
            {"sku": sku2, "serial": other, "quantity": 1, "catalogue_price": "418.80"},
        ],
        "fulfil": True,
        "payments": [{"method": "cash", "amount": "837.60"}],
        "journal": {"terminal": "till-9", "seq": 1},
    }
    verdict = entries.apply_entry(db, token, entry, apply_service.apply_object)
    assert verdict["error"] == "sync_conflict", verdict
    return int(verdict["conflict"]["id"]), lost, other


def _flat(shown: str) -> str:
    """The screen's words in one line, without box-drawing and block characters."""
    return " ".join(re.sub("[\u2500-\u259f]", " ", shown).split())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_whole_sale_is_reached_by_keyboard_and_resolved_from_there(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    conflict_id, lost, other = _sale_conflict(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")  # Admin, Conflicts
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        assert "Enter Detail" in screen_text(app)  # the footer says how
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDetailScreen)
        assert f"Conflict #{conflict_id}" in screen_text(app)
        seen = _flat(screen_text(app))
        for _ in range(6):  # ↓ reads on to the last line, whatever the height
            await pilot.press("pagedown")
            await settle(pilot)
            seen += " " + _flat(screen_text(app))
        assert "837.60 taken (cash 837.60)" in seen, seen
        assert f"* PH-AUR15 {lost} x1 at 418.80" in seen, seen
        assert f"- PH-AUR15 {other} x1 at 418.80" in seen, seen
        assert "F5 Accept" in seen and "Esc Back" in seen
        await pilot.press("f5")  # resolved from here: asked first, as on the list
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert f"Accept conflict #{conflict_id}" in _flat(screen_text(app))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        said = str(app.screen.message_line.text)
        assert said == f"✓ conflict {conflict_id}: accepted", said
        await pilot.press("f3")  # all: the resolved one
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDetailScreen)
        shown = _flat(screen_text(app))
        for _ in range(6):  # the whole of it, as `conflicts show` says it: read on
            await pilot.press("pagedown")
            await settle(pilot)
            shown += " " + _flat(screen_text(app))
        assert "RESOLVED: accepted by manager: the event that stands stays;" in shown, shown
        assert "NOT RECORDED" not in shown and "was not recorded" not in shown, shown
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)


def _resolved(action: str) -> dict[str, object]:
    line = {
        "op": "order_create",
        "lines": [
            {"sku": "PH1", "serial": "S-034", "quantity": 1, "catalogue_price": "418.80"},
            {"sku": "CAB", "quantity": 2, "catalogue_price": "9.50", "price": "8.00"},
        ],
        "payments": [{"method": "cash", "amount": "434.80"}],
        "numbers": {"order": "S01-B-3", "invoice": "INV-B-3"},
    }
    return {
        "serial": "S-034",
        "status": "resolved",
        "entry": {"line": line},
        "resolution": {"action": action, "by": "mia"},
    }


def test_each_resolution_says_what_it_did() -> None:
    held = "2 lines, 434.80 taken (cash 434.80)"
    sale = "sale S01-B-3 (invoice INV-B-3)"
    assert sale_for_people(_resolved("record_sale")) == (
        "RECORDED",
        [
            f"the rest of the {sale} was recorded at central by mia: {held}; line 1 "
            "(S-034) left open and paid",
            "* PH1 S-034 x1 at 418.80",
            "- CAB x2 at 8.00",
        ],
    )
    stays = f"the {sale} stays unrecorded at central: {held}"
    for action, words in (
        ("accept", f"accepted by mia: the event that stands stays; {stays}"),
        ("return", f"S-034 returned to stock at central by mia; {stays}"),
        ("write_off", f"S-034 written off at central by mia; {stays}"),
    ):
        heading, lines = sale_for_people(_resolved(action))
        assert (heading, lines[0]) == ("RESOLVED", words)
        assert "was not recorded" not in lines[0]
    still_open = {**_resolved("accept"), "status": "open", "resolution": None}
    heading, lines = sale_for_people(still_open)
    assert heading == "NOT RECORDED" and "was not recorded at central" in lines[0]
    assert sale_for_people({"serial": "S-1", "entry": {"line": {"op": "sell"}}}) == ("", [])


def test_the_resolved_words_keep_the_discounts_the_open_ones_say() -> None:
    """What the sale held is said as the open sentence says it, discounts included."""
    conflict = _resolved("accept")
    line = conflict["entry"]["line"]  # type: ignore[index]
    line["lines"][1]["discount"] = "2.00"
    _heading, before = sale_for_people({**conflict, "status": "open", "resolution": None})
    held = before[0].split("; not recorded: ", 1)[1]
    assert "off in discounts" in held, held
    heading, after = sale_for_people(conflict)
    assert heading == "RESOLVED" and after[0].endswith(f"stays unrecorded at central: {held}")
