"""F8 on a till's return that follows its sale central did not record (issue 16, the verify
walk): once the sale is recorded, F8 records the return as the till made it. The question and
the message after said "the rest of the sale recorded with its money", the words of the sale
it follows: wrong for a return. They now say what F8 does and did to that return."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.resolved_sale import record_sale_words, sale_for_people
from serialpos.services import apply as apply_service
from serialpos.services import conflicts, entries, snapshot, users
from serialpos.services.document_numbers import terminal_tag
from serialpos.tui.screens.conflicts import ConflictsScreen
from serialpos.tui.screens.serial_mode import Confirm


def _return_after_sale(db: Database) -> tuple[int, int, str]:
    """A till's two-line sale whose first unit central sold first, then the till's return of
    its second line (a follow-on: central holds no such order): (the sale's conflict, the
    return's conflict, the order's number)."""
    with db.engine.connect() as conn:
        (lost, sku, store), (kept, sku2, _store) = conn.execute(
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
    snapshot.link(db, token, store, "till-7")
    tag = terminal_tag("till-7", store)
    order = f"{store}-{tag}-000001"
    sale = {
        "id": str(uuid.uuid4()),
        "op": "order_create",
        "store": store,
        "lines": [
            {"sku": sku, "serial": lost, "quantity": 1, "catalogue_price": "418.80"},
            {"sku": sku2, "serial": kept, "quantity": 1, "catalogue_price": "418.80"},
        ],
        "fulfil": True,
        "payments": [{"method": "cash", "amount": "5000.00"}],
        "numbers": {"order": order, "invoice": f"INV-{store}-{tag}-000001"},
        "journal": {"terminal": "till-7", "seq": 1},
    }
    first = entries.apply_entry(db, token, sale, apply_service.apply_object)
    assert first["error"] == "sync_conflict", first
    back = {
        "id": str(uuid.uuid4()),
        "op": "order_return",
        "store": store,
        "order": order,
        "line_numbers": [2],
        "refund_method": "cash",
        "journal": {"terminal": "till-7", "seq": 2},
    }
    then = entries.apply_entry(db, token, back, apply_service.apply_object)
    assert then["error"] == "sync_conflict", then
    return int(first["conflict"]["id"]), int(then["conflict"]["id"]), order


def _flat(shown: str) -> str:
    return " ".join(re.sub("[\u2500-\u259f]", " ", shown).split())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_f8_on_a_follow_on_return_says_the_return_was_recorded(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    sale_id, return_id, order = _return_after_sale(demo_db)
    manager = users.actor_for(demo_db, "manager", "central")
    conflicts.resolve(
        demo_db, manager, sale_id, "record_sale", apply_object=apply_service.apply_object
    )
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")  # Admin, Conflicts: the return's, the one left open
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        assert screen.chosen == str(return_id)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        asked = _flat(screen_text(app))
        assert f"Record conflict #{return_id}'s return of {order}" in asked, asked
        assert "the return is recorded as the till made it" in asked, asked
        assert "rest of" not in asked and "sold elsewhere" not in asked, asked
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        said = screen.message_line.text
        assert said == (
            f"✓ conflict {return_id}: the till's return of {order} recorded as the till made it"
        ), said
        assert said.removeprefix("✓ ") in _flat(screen_text(app))  # read whole on screen
    with demo_db.engine.connect() as conn:
        returned = conn.execute(
            sa.text(
                "SELECT l.status FROM order_line l JOIN sale_order o ON o.id = l.order_id "
                "WHERE o.number = :n ORDER BY l.number"
            ),
            {"n": order},
        ).scalars()
        assert list(returned)[1] == "returned"


def test_record_sale_words_follow_what_the_conflict_holds() -> None:
    """The rule without a screen: a till's sale, the return or the exchange's sale that
    follows it, and any other act that follows one."""
    sale = {"error": "already_sold", "entry": {"line": {"op": "order_create", "lines": []}}}
    assert record_sale_words(sale) == "the rest of the sale recorded with its money"
    back = {"error": "unknown_order", "entry": {"line": {"op": "order_return", "order": "S-1"}}}
    assert record_sale_words(back) == "the till's return of S-1 recorded as the till made it"
    new_sale = {
        "error": "unknown_refund",
        "entry": {"line": {"op": "order_create", "numbers": {"order": "S-2"}}},
    }
    assert record_sale_words(new_sale) == (
        "the till's exchange sale S-2 recorded whole with its money"
    )
    new_sale["resolution"] = {"action": "record_sale", "by": "mia"}
    new_sale["entry"]["line"] |= {  # type: ignore[index]
        "lines": [{"sku": "PH1", "serial": "X-1", "quantity": 1, "price": "10.00"}],
        "payments": [{"method": "cash", "amount": "10.00"}],
    }
    heading, said = sale_for_people(new_sale)
    assert heading == "RECORDED" and said[0].startswith(
        "the sale S-2 was recorded whole at central by mia: 1 line"
    ), said
    other = {"error": "unknown_order", "entry": {"line": {"op": "order_void", "order": "S-1"}}}
    assert record_sale_words(other) == "the till's order_void of S-1 recorded as the till made it"
