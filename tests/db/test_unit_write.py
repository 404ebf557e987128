"""A unit's move writes its claim, chain head, event and stock as one statement on PostgreSQL
(db/unit_write.py), each write conditional on the one before: a lost claim writes nothing, a
stale guess of the chain's head keeps the claim and hashes the event from the head read."""

from __future__ import annotations

import sqlalchemy as sa
from sql_watch import statements as _statements
from sqlalchemy.engine import Connection

from serialpos.db import repo, unit_sql, unit_write
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.states import Action
from serialpos.services import ledger, products, stock
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger


def _shop(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A1", "A2", "A3"])


def _counts(db: Database) -> tuple[int, int, int]:
    """(events, the S1 chain head's seq, units sold)."""
    with db.engine.connect() as conn:
        events = conn.exec_driver_sql("SELECT count(*) FROM ledger_event").scalar()
        head = conn.exec_driver_sql(
            "SELECT c.seq FROM ledger_chain c JOIN store s ON s.id = c.store_id WHERE s.code = 'S1'"
        ).scalar()
        sold = conn.exec_driver_sql(
            "SELECT count(*) FROM serial_unit WHERE state = 'sold'"
        ).scalar()
    return int(events or 0), int(head or 0), int(sold or 0)


def test_a_move_writes_in_one_statement_on_postgres_and_four_on_sqlite(
    db: Database, admin: Actor
) -> None:
    _shop(db, admin)
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A1"])  # head known
    with _statements(db) as seen:
        ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A2"])
    writes = [s for s in seen if not s.lstrip().upper().startswith("SELECT")]
    # The read (product, setting, unit with its lease), then the writes.
    assert len(writes) == (1 if db.dialect == "postgresql" else 4), writes
    assert len(seen) == len(writes) + 1
    assert [(lv.sku, lv.quantity) for lv in stock.stock_levels(db, "S1")] == [("PH1", 1)]
    assert check_ledger(db) == []


def test_a_lost_claim_writes_nothing(db: Database, admin: Actor) -> None:
    _shop(db, admin)
    before = _counts(db)

    def stale(conn: Connection) -> bool:
        unit = unit_sql.unit_by_serial(conn, _product_id(conn), "A1")
        assert unit is not None
        old = repo.UnitRow(unit.id, unit.state, unit.store_id, unit.version - 1)
        event = _sell_event(conn, admin, unit)
        claim = {"to_state": "sold", "to_store": unit.store_id, "now": utcnow(), "hold": None}
        return unit_write.claim_and_record(conn, old, claim, event, -1)

    assert db.write(stale) is False
    assert _counts(db) == before
    assert [(lv.sku, lv.quantity) for lv in stock.stock_levels(db, "S1")] == [("PH1", 3)]
    assert check_ledger(db) == []


def test_a_stale_head_keeps_the_claim_and_hashes_from_the_head_read(
    db: Database, admin: Actor
) -> None:
    """Another process moves the chain after this one last did: the combined statement's
    claim matches but its head move does not; the event is stamped again from the head read
    and locked, and the unit, the event and the stock each move exactly once."""
    _shop(db, admin)
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A1"])  # our guess
    other = Database(db.url)
    try:  # the other process moves the same chain (same store and terminal)
        ledger.move(other, admin, Action.SELL, store="S1", sku="PH1", serials=["A2"])
    finally:
        other.dispose()
    events, head, sold = _counts(db)
    with _statements(db) as seen:
        ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A3"])
    assert _counts(db) == (events + 1, head + 1, sold + 1)
    assert [(lv.sku, lv.quantity) for lv in stock.stock_levels(db, "S1")] == [("PH1", 0)]
    assert check_ledger(db) == []
    if db.dialect == "postgresql":  # read, the combined try, head read, head, event, stock
        assert len(seen) == 6, seen


def test_sqlite_moves_the_head_on_its_guess_and_settles_a_stale_one(
    db: Database, admin: Actor
) -> None:
    """On SQLite too a move stamps its one event from the head as last seen and moves the
    head on that guess (unit_write.claim_and_record): a guess still good is the claim, the
    head, the event and the stock; a stale one (another process moved the chain) is read
    and locked, the event stamped again, and each row still moves once, the chain whole."""
    _shop(db, admin)
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A1"])  # our guess
    other = Database(db.url)
    try:
        ledger.move(other, admin, Action.SELL, store="S1", sku="PH1", serials=["A2"])
    finally:
        other.dispose()
    events, head, sold = _counts(db)
    with _statements(db) as seen:
        ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A3"])
    assert _counts(db) == (events + 1, head + 1, sold + 1)
    assert check_ledger(db) == []
    if db.dialect == "sqlite":  # read, claim, head try, head read, head, event, stock
        assert len(seen) == 7, seen
        heads = [s for s in seen if s.lstrip().upper().startswith("UPDATE LEDGER_CHAIN")]
        assert len(heads) == 2, seen
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["B1"])
    with _statements(db) as seen:  # the guess is good again: one head update
        ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["B1"])
    if db.dialect == "sqlite":
        assert len(seen) == 5, seen
    assert _counts(db) == (events + 3, head + 3, sold + 2)
    assert [(lv.sku, lv.quantity) for lv in stock.stock_levels(db, "S1")] == [("PH1", 0)]
    assert check_ledger(db) == []


def _product_id(conn: Connection) -> int:
    return int(
        conn.execute(
            sa.select(repo.product_t.c.id).where(repo.product_t.c.sku == "PH1")
        ).scalar_one()
    )


def _sell_event(conn: Connection, admin: Actor, unit: repo.UnitRow) -> dict[str, object]:
    return {
        "at": utcnow(),
        "action": Action.SELL.value,
        "user_name": admin.user,
        "terminal": admin.terminal,
        "store_id": unit.store_id,
        "product_id": _product_id(conn),
        "unit_id": unit.id,
        "serial": "A1",
        "from_state": "in_stock",
        "to_state": "sold",
        "quantity": -1,
        "document_type": None,
        "document_id": None,
        "document_line": None,
        "reason": None,
    }
