"""F9 on the Conflicts screen books a till's second return of one unit at central (issue 16):
the key is shown for it (its ``resolutions``), asks what it does — the till's refund booked
with no goods back, nothing paid now — and says so after. Before, a second return offered
F5 alone, and F9's words for a sale ("voided and its money refunded: pay the customer back")
would have told the manager to pay a third time."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.conflict_keys import key_hints
from serialpos.services import apply as apply_service
from serialpos.services import conflicts, entries, snapshot, users
from serialpos.services.document_numbers import terminal_tag
from serialpos.tui.screens.conflicts import ConflictsScreen
from serialpos.tui.screens.serial_mode import Confirm


def _entry(till: str, seq: int, **line: object) -> dict[str, object]:
    return {"id": str(uuid.uuid4()), **line, "journal": {"terminal": till, "seq": seq}}


def _returned_twice(db: Database) -> tuple[int, str, str]:
    """A unit sold at till-5, taken back there and at till-6: (the conflict of till-6's
    return, the order, till-6's refund note)."""
    with db.engine.connect() as conn:
        serial, sku, store = conn.execute(
            sa.text(
                "SELECT u.serial, p.sku, s.code FROM serial_unit u JOIN product p ON "
                "p.id = u.product_id JOIN store s ON s.id = u.store_id "
                "WHERE u.state = 'in_stock' ORDER BY u.id LIMIT 1"
            )
        ).one()
    tokens = {}
    for till in ("till-5", "till-6"):
        tokens[till] = users.actor_for(db, "manager", f"api-{uuid.uuid4().hex[:6]}")
        snapshot.link(db, tokens[till], store, till)
    apply = apply_service.apply_object
    sold = entries.apply_entry(
        db,
        tokens["till-5"],
        _entry("till-5", 1, op="sell", store=store, sku=sku, serial=serial),
        apply,
    )
    assert sold["ok"], sold
    order = str(sold["order"])
    notes = {t: f"RF-{store}-{terminal_tag(t, store)}-000001" for t in tokens}
    back = {"op": "order_return", "order": order, "serials": [serial]}
    first = _entry("till-5", 2, **back, numbers={"refund": notes["till-5"]})
    assert entries.apply_entry(db, tokens["till-5"], first, apply)["ok"]
    second = _entry("till-6", 1, **back, numbers={"refund": notes["till-6"]})
    verdict = entries.apply_entry(db, tokens["till-6"], second, apply)
    assert verdict["error"] == "sync_conflict", verdict
    return int(verdict["conflict"]["id"]), order, notes["till-6"]


def _flat(shown: str) -> str:
    return " ".join(re.sub("[\u2500-\u259f]", " ", shown).split())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_f9_books_the_tills_second_refund_asked_first(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    conflict_id, order, note = _returned_twice(demo_db)
    listed = conflicts.show(demo_db, conflict_id)
    assert ("F9", "Refund") in key_hints(listed)
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
        assert f"Book conflict #{conflict_id}'s refund" in asked, asked
        assert "Pay nothing now." in asked and "voided" not in asked, asked
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        said = str(app.screen.message_line.text)
        assert said.startswith(f"✓ conflict {conflict_id}: the till's second refund booked"), said
    with demo_db.engine.connect() as conn:
        paid = conn.execute(
            sa.text(
                "SELECT p.kind, p.amount, i.number FROM order_payment p JOIN sale_order o "
                "ON o.id = p.order_id LEFT JOIN invoice i ON i.id = p.invoice_id "
                "WHERE o.number = :n ORDER BY p.id"
            ),
            {"n": order},
        ).all()
    kinds = [(k, n) for k, _a, n in paid]
    assert kinds[-1] == ("refund", note), kinds
    assert sum(Decimal(str(a)) for _k, a, _n in paid) < 0  # owed back by the customer
    assert conflicts.show(demo_db, conflict_id)["resolution"]["action"] == "refund"
