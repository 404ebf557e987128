"""The Conflicts screen offers the resolution that books a till's fulfilment of a layby
central voided meanwhile (issue 16): F8 ``record_sale``, asked first in the conflict's own
words, then the unit sold at central and the order fulfilled; F9 (for an order central
fulfilled) says why it is not offered. At 80x24 and 40x16."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from test_conflicts_screen import _status
from tui_helpers import SIZES, MakeApp, async_test, log_in, settle

from serialpos.db.engine import Database
from serialpos.services import apply as apply_service
from serialpos.services import entries, snapshot, users
from serialpos.tui.screens.conflicts import ConflictsScreen, conflict_text
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.key_footer import KeyFooter
from serialpos.tui.widgets.message_line import MessageLine


def _fulfilled_after_void(db: Database) -> tuple[int, str, str]:
    """A layby (200 paid) central voided; a till's fulfilment of it arrives after: a
    conflict ``order_closed``. (conflict id, order, serial)."""
    with db.engine.connect() as conn:
        serial, sku, store = conn.execute(
            sa.text(
                "SELECT u.serial, p.sku, s.code FROM serial_unit u JOIN product p ON "
                "p.id = u.product_id JOIN store s ON s.id = u.store_id "
                "WHERE u.state = 'in_stock' AND p.serial_mode = 'required' ORDER BY u.id LIMIT 1"
            )
        ).one()
    manager = users.actor_for(db, "manager", "central")

    def apply(line: dict[str, object]) -> dict[str, object]:
        verdict = apply_service.apply_object(db, manager, line)
        assert verdict["ok"], verdict
        return verdict

    made = apply(
        {
            "op": "order_create",
            "store": store,
            "type": "layby",
            "lines": [{"sku": sku, "serial": serial}],
        }
    )
    order = str(made["order"])
    apply({"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": "200"}]})
    apply({"op": "order_void", "order": order})
    due = f"{Decimal(str(made['total'])) - 200:.2f}"
    token = users.actor_for(db, "manager", f"api-{uuid.uuid4().hex[:6]}")
    snapshot.link(db, token, store, "till-9")
    entry = {
        "id": str(uuid.uuid4()),
        "op": "order_fulfil",
        "order": order,
        "payments": [{"method": "cash", "amount": due}],
        "change_due": "0.00",
        "journal": {"terminal": "till-9", "seq": 1, "user": "cashier"},
    }
    verdict = entries.apply_entry(db, token, entry, apply_service.apply_object)
    assert verdict["error"] == "sync_conflict", verdict
    return int(verdict["conflict"]["id"]), order, str(serial)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_f8_books_a_fulfilment_central_voided(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    conflict_id, order, serial = _fulfilled_after_void(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")  # Admin, Conflicts
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        assert app.screen.listed[str(conflict_id)]["resolutions"] == ["accept", "record_sale"]
        # The list names the order (the conflict names no unit): it read "#N - - @S01".
        row = conflict_text(app.screen.listed[str(conflict_id)]).plain.splitlines()[0]
        assert row.startswith(f"#{conflict_id} order {order} @"), row
        footer = str(app.screen.query_one(KeyFooter).plain)
        assert "F8 Record sale" in footer and "F9" not in footer, footer
        await pilot.press("f9")
        await settle(pilot)
        said = str(app.screen.query_one("#message", MessageLine).text)
        assert "once central fulfilled the order" in said, said
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)  # asked first, in the conflict's words
        await pilot.press("enter")
        await settle(pilot)
        said = str(app.screen.query_one("#message", MessageLine).text)
        assert said == f"✓ conflict {conflict_id}: the till's sale booked at central", said
    assert _status(demo_db, conflict_id) == "resolved"
    with demo_db.engine.connect() as conn:
        state = conn.execute(
            sa.text("SELECT state FROM serial_unit WHERE serial = :s"), {"s": serial}
        ).scalar()
        status = conn.execute(
            sa.text("SELECT status FROM sale_order WHERE number = :n"), {"n": order}
        ).scalar()
    assert (state, status) == ("sold", "fulfilled")
