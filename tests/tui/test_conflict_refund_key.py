"""F9 on the Conflicts screen refunds a till's sale that handed over nothing central can
record (issue 16, D5): asked first, then recorded at central without the unit, voided and
its money refunded; the conflict then reads REFUNDED."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.resolved_sale import sale_for_people
from serialpos.services import apply as apply_service
from serialpos.services import entries, snapshot, users
from serialpos.services.document_numbers import terminal_tag
from serialpos.tui.screens.conflict_detail import ConflictDetailScreen
from serialpos.tui.screens.conflicts import ConflictsScreen
from serialpos.tui.screens.serial_mode import Confirm


def _one_line_conflict(db: Database, extra: int = 0, paid: str = "418.80") -> tuple[int, str, str]:
    """A till's one-line sale (and ``extra`` lines more), paid ``paid`` in cash, whose first
    unit central sold first: (the conflict's number, the serial, the till's order number)."""
    with db.engine.connect() as conn:
        (lost, sku, store), *others = conn.execute(
            sa.text(
                "SELECT u.serial, p.sku, s.code FROM serial_unit u JOIN product p ON "
                "p.id = u.product_id JOIN store s ON s.id = u.store_id "
                "WHERE u.state = 'in_stock' ORDER BY u.id LIMIT :n"
            ),
            {"n": 1 + extra},
        ).all()
    manager = users.actor_for(db, "manager", "central")
    sold = {"op": "sell", "store": store, "sku": sku, "serial": lost}
    assert apply_service.apply_object(db, manager, sold)["ok"]
    token = users.actor_for(db, "manager", f"api-{uuid.uuid4().hex[:6]}")
    snapshot.link(db, token, store, "till-8")
    tag = terminal_tag("till-8", store)
    order = f"{store}-{tag}-000001"
    entry = {
        "id": str(uuid.uuid4()),
        "op": "order_create",
        "store": store,
        "lines": [
            {"sku": x[1], "serial": x[0], "quantity": 1, "catalogue_price": "418.80"}
            for x in [(lost, sku), *others]
        ],
        "fulfil": True,
        "payments": [{"method": "cash", "amount": paid}],
        "numbers": {"order": order, "invoice": f"INV-{store}-{tag}-000001"},
        "journal": {"terminal": "till-8", "seq": 1},
    }
    verdict = entries.apply_entry(db, token, entry, apply_service.apply_object)
    assert verdict["error"] == "sync_conflict", verdict
    return int(verdict["conflict"]["id"]), lost, order


def _flat(shown: str) -> str:
    return " ".join(re.sub("[\u2500-\u259f]", " ", shown).split())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_f9_refunds_the_sale_asked_first(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    conflict_id, lost, order = _one_line_conflict(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")  # Admin, Conflicts
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        asked = _flat(screen_text(app))
        assert f"Refund conflict #{conflict_id}'s sale" in asked, asked
        assert "pay the customer back from till-8's drawer" in asked, asked
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        said = str(app.screen.message_line.text)
        assert said == f"✓ conflict {conflict_id}: the sale voided and its money refunded", said
        await pilot.press("f3")  # all: the resolved one
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDetailScreen)
        shown = _flat(screen_text(app))
        for _ in range(6):  # read on to the last line, whatever the height
            await pilot.press("pagedown")
            await settle(pilot)
            shown += " " + _flat(screen_text(app))
        assert "REFUNDED:" in shown and "voided and refunded by manager" in shown, shown
    with demo_db.engine.connect() as conn:
        status = conn.execute(
            sa.text("SELECT status FROM sale_order WHERE number = :n"), {"n": order}
        ).scalar()
        paid = conn.execute(
            sa.text(
                "SELECT p.kind, p.amount FROM order_payment p JOIN sale_order o "
                "ON o.id = p.order_id WHERE o.number = :n ORDER BY p.id"
            ),
            {"n": order},
        ).all()
        unit = conn.execute(
            sa.text("SELECT state FROM serial_unit WHERE serial = :s"), {"s": lost}
        ).scalar()
    assert status == "voided"
    money = Decimal("418.80")
    assert [(k, Decimal(str(a))) for k, a in paid] == [("payment", money), ("refund", -money)]
    assert unit == "sold"


def test_the_refunded_sale_says_what_was_done() -> None:
    conflict = {
        "serial": "T01",
        "status": "resolved",
        "entry": {
            "line": {
                "op": "order_create",
                "lines": [{"sku": "TV", "serial": "T01", "quantity": 1, "price": "1080.00"}],
                "payments": [{"method": "cash", "amount": "1080.00"}],
                "numbers": {"order": "S01-A-000012", "invoice": "INV-S01-A-000012"},
            }
        },
        "resolution": {"action": "refund", "by": "mia"},
    }
    heading, lines = sale_for_people(conflict)
    assert heading == "REFUNDED"
    assert lines[0] == (
        "the sale S01-A-000012 (invoice INV-S01-A-000012) was recorded at central without "
        "T01, voided and refunded by mia: 1 line, 1080.00 taken (cash 1080.00); pay the "
        "customer back from the till's drawer"
    )


def test_refund_asks_no_shift_of_centrals_where_shifts_are_required(
    demo_db: Database,
) -> None:
    """The store sells only in an open shift: the till's sale and its refund moved in the
    till's drawer (checked at the till), so central's resolution asks none of its own."""
    from serialpos.services import conflicts, settings
    from serialpos.services.apply.dispatch import apply_object

    admin = users.actor_for(demo_db, "admin", "central")
    conflict_id, _lost, order = _one_line_conflict(demo_db)
    store = order.split("-")[0]
    settings.set_setting(demo_db, admin, "require_shift", "yes", store)
    manager = users.actor_for(demo_db, "manager", "central")
    done = conflicts.resolve(demo_db, manager, conflict_id, "refund", apply_object=apply_object)
    assert done["resolution"]["action"] == "refund"
    with demo_db.engine.connect() as conn:
        status = conn.execute(
            sa.text("SELECT status FROM sale_order WHERE number = :n"), {"n": order}
        ).scalar()
    assert status == "voided"


def test_record_sale_asks_no_shift_of_centrals_either(demo_db: Database) -> None:
    """The same store rule, for ``record_sale``: it was refused ``shift_required`` at
    central ("terminal central has none") though the money was taken in the till's drawer."""
    from serialpos.services import conflicts, settings
    from serialpos.services.apply.dispatch import apply_object

    conflict_id, _lost, _order = _one_line_conflict(demo_db, extra=1, paid="5000.00")
    admin = users.actor_for(demo_db, "admin", "central")
    settings.set_setting(demo_db, admin, "require_shift", "yes", "S01")
    manager = users.actor_for(demo_db, "manager", "central")
    done = conflicts.resolve(
        demo_db, manager, conflict_id, "record_sale", apply_object=apply_object
    )
    assert done["resolution"]["action"] == "record_sale"
