"""The Conflicts screen offers the resolution that books a till's deposit on a layby central
voided, once the same till's fulfilment of it is booked and central's order owes the
deposit (issue 16): F8 ``record_sale``, asked first in the conflict's own words, then the
deposit taken on the order; F9 (``refund``, which would pay back money the sale needs) is
not offered and says why. At 80x24 and 40x16."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from test_conflicts_screen import _status
from tui_helpers import SIZES, MakeApp, async_test, log_in, settle

from serialpos.db.engine import Database
from serialpos.services import apply as apply_service
from serialpos.services import conflicts, entries, snapshot, users
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.conflicts import ConflictsScreen
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.key_footer import KeyFooter
from serialpos.tui.widgets.message_line import MessageLine


def _deposit_before_recorded_fulfil(db: Database) -> tuple[int, str]:
    """A layby (200 paid) central voided; a till's deposit of 300 on it, then its
    fulfilment (the balance) arrive after, the fulfilment resolved by ``record_sale``.
    (the deposit's conflict id, order)."""
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
    due = f"{Decimal(str(made['total'])) - 500:.2f}"
    token = users.actor_for(db, "manager", f"api-{uuid.uuid4().hex[:6]}")
    snapshot.link(db, token, store, "till-9")
    ids: list[int] = []
    for seq, line in enumerate(
        (
            {"op": "order_pay", "payments": [{"method": "cash", "amount": "300.00"}]},
            {"op": "order_fulfil", "payments": [{"method": "cash", "amount": due}]},
        ),
        start=1,
    ):
        entry = {
            "id": str(uuid.uuid4()),
            "order": order,
            **line,
            "journal": {"terminal": "till-9", "seq": seq, "user": "cashier"},
        }
        verdict = entries.apply_entry(db, token, entry, apply_service.apply_object)
        assert verdict["error"] == "sync_conflict", verdict
        ids.append(int(verdict["conflict"]["id"]))
    deposit, fulfil = ids
    conflicts.resolve(db, manager, fulfil, "record_sale", apply_object=apply_service.apply_object)
    return deposit, order


def _owes(db: Database, order: str) -> Decimal:
    totals = get_order(db, order).totals
    return totals.total - totals.paid


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_f8_books_a_deposit_the_recorded_fulfilment_needed(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    conflict_id, order = _deposit_before_recorded_fulfil(demo_db)
    assert _owes(demo_db, order) == Decimal("500.00")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("a", "c")  # Admin, Conflicts
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        assert app.screen.listed[str(conflict_id)]["resolutions"] == ["accept", "record_sale"]
        # Only open conflicts are listed: the deposit's (the fulfilment's is resolved).
        assert list(app.screen.listed) == [str(conflict_id)], list(app.screen.listed)
        footer = str(app.screen.query_one(KeyFooter).plain)
        assert "F8 Record sale" in footer and "F9" not in footer, footer
        await pilot.press("f9")
        await settle(pilot)
        said = str(app.screen.query_one("#message", MessageLine).text)
        assert "the sale needs the till's deposit" in said, said
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)  # asked first, in the conflict's words
        await pilot.press("enter")
        await settle(pilot)
        said = str(app.screen.query_one("#message", MessageLine).text)
        assert said == f"✓ conflict {conflict_id}: the till's deposit booked at central", said
    assert _status(demo_db, conflict_id) == "resolved"
    assert _owes(demo_db, order) == Decimal("200.00")
