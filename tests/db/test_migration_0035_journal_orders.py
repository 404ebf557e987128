"""Migration 0035 (journal-orders) on SQLite and PostgreSQL: entries journaled at 0034 get
the order their line names, so whether central knows an order is one index probe
(db/journal.py ``mentions``); lines naming no order, or an order under another key, are
left without one."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

from serialpos.db import journal, migrate
from serialpos.db.engine import Database

AT = datetime(2026, 12, 6, 1, 0, 0)

LINES = [
    {"op": "order_create", "number": "S01-T1-000001", "lines": [], "id": "e1"},
    {"op": "order_set_serial", "order": "S01-T1-000002", "line_number": 1, "serial": "A"},
    {"op": "sell", "sku": "P", "serial": "B", "numbers": {"order": "S01-T1-000003"}},
    {"op": "receive", "number": "R-S01-T1-000001", "items": []},
    {"op": "order_return", "order": "S01-T2-000009", "numbers": {"refund": "RF-1"}},
]


def test_0035_fills_in_the_order_each_journaled_line_names(db_url: str) -> None:
    db = Database(db_url)
    try:
        migrate.upgrade(db, "0034")
        with db.engine.begin() as conn:
            for seq, line in enumerate(LINES, start=1):
                conn.execute(
                    sa.text(
                        "INSERT INTO journal_entry (id, seq, terminal, user_name, made_at, "
                        "line, state) VALUES (:id, :seq, 'T1', 'ada', :at, :line, 'accepted')"
                    ),
                    {"id": f"e{seq}", "seq": seq, "at": AT, "line": json.dumps(line)},
                )
        migrate.upgrade(db)
        with db.engine.begin() as conn:
            got = conn.execute(
                sa.text("SELECT seq, order_number FROM journal_entry ORDER BY seq")
            ).all()
            assert [tuple(r) for r in got] == [
                (1, "S01-T1-000001"),
                (2, "S01-T1-000002"),
                (3, "S01-T1-000003"),
                (4, None),  # a receipt's number is no order
                (5, "S01-T2-000009"),
            ]
            assert journal.mentions(conn, "S01-T1-000003")
            assert not journal.mentions(conn, "R-S01-T1-000001")
            assert not journal.mentions(conn, "S01-T1-000004")
    finally:
        db.dispose()


def test_order_named_reads_only_what_names_an_order() -> None:
    assert journal.order_named('{"op": "order_fulfil", "order": "N-1"}') == "N-1"
    assert journal.order_named('{"op": "order_amend", "order": "N-2", "lines": []}') == "N-2"
    assert journal.order_named('{"op": "adjust", "number": "A-1"}') is None
    assert journal.order_named("not json") is None
    assert journal.order_named("[1, 2]") is None
    assert journal.order_named(json.dumps({"op": "order_create", "number": "N" * 65})) is None
