"""The event a conflict says "stands" is the one that put the unit in its state now, not
merely its newest event (the verify walk): an event that moves nothing (a till's
``central_state`` naming the sale that stands, a ``snapshot``) came after the sale, and
"stands:" then named it instead of the sale. The rule is domain/events.py, read by
db/conflict_sql.py for every conflict recorded and listed."""

from __future__ import annotations

import sqlalchemy as sa

from serialpos.db import conflict_sql, ledger_writes, repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.events import state_setting_event
from serialpos.services import products
from serialpos.services.apply import apply_object
from serialpos.services.context import Actor


def test_the_event_that_set_the_state_is_the_oldest_of_the_newest_run() -> None:
    assert state_setting_event([(9, "sold"), (7, "sold"), (5, "in_stock")], "sold") == 7
    assert state_setting_event([(9, "sold"), (5, "in_stock"), (3, "sold")], "sold") == 9
    assert state_setting_event([(5, "in_stock"), (3, "sold")], "sold") == 5  # cut short
    assert state_setting_event([], "sold") is None


def test_stands_names_the_sale_not_a_later_event_that_moved_nothing(
    db: Database, admin: Actor
) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    for line in (
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": "ST-1"},
        {"op": "sell", "store": "S1", "sku": "PH1", "serial": "ST-1"},
    ):
        assert apply_object(db, admin, line)["ok"]
    e = repo.event_t.c

    def events(conn: sa.Connection) -> list[tuple[int, str]]:
        return [
            (int(i), str(a))
            for i, a in conn.execute(
                sa.select(e.id, e.action).where(e.serial == "ST-1").order_by(e.id)
            )
        ]

    sold = db.read(events)[-1]
    assert sold[1] == "sell"

    def moved_nothing(conn: sa.Connection) -> None:
        """An event in the state the unit already has, as a till's ledger records one."""
        unit = conn.execute(
            sa.select(repo.unit_t.c.id, repo.unit_t.c.product_id, repo.unit_t.c.store_id).where(
                repo.unit_t.c.serial == "ST-1"
            )
        ).one()
        ledger_writes.add_events(
            conn,
            [
                {
                    "at": utcnow(),
                    "action": "central_state",
                    "user_name": "central",
                    "terminal": "central",
                    "store_id": unit.store_id,
                    "product_id": unit.product_id,
                    "unit_id": unit.id,
                    "serial": "ST-1",
                    "from_state": None,
                    "to_state": "sold",
                    "quantity": 0,
                    "document_type": "order",
                    "document_id": "S1-000001",
                    "document_line": None,
                    "reason": "the sale that stands",
                }
            ],
        )

    db.write(moved_nothing)
    newest = db.read(events)[-1]
    assert newest[1] == "central_state" and newest[0] > sold[0]
    stands = db.read(lambda conn: conflict_sql.last_unit_event(conn, "PH1", "ST-1"))
    assert stands == sold[0]
    assert db.read(lambda conn: conflict_sql.last_unit_event(conn, "PH1", "NO-SUCH")) is None
