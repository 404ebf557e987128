"""What a till's pull remembers of another's unit event (terminal/feed_memory.py ``UNIT``),
and that ``terminal resend`` asks central about it instead of waiting for its echo: the
kinds of a remembered event's ``echo`` kept apart (db/feed_lost.py). On the SQLite file a
till keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from serialpos.db import feed_lost, migrate, mirror_sql
from serialpos.db.engine import Database
from serialpos.terminal import feed_memory, lost_units

SOLD = {
    "seq": 5,
    "store": "S1",
    "terminal": "host-1",
    "action": "sell",
    "sku": "PH1",
    "serial": "MU-1",
    "from": "in_stock",
    "to": "sold",
    "quantity": 0,
    "document": {"type": "invoice", "id": "INV-9"},
}
CABLES = {
    "seq": 6,
    "store": "S1",
    "terminal": "host-1",
    "action": "receive",
    "sku": "CAB",
    "serial": None,
    "to": None,
    "quantity": 2,
    "document": None,
}


@pytest.fixture
def till(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'till.sqlite'}")
    migrate.upgrade(db)
    return db


def test_another_s_unit_event_is_remembered_by_its_unit_and_never_waited_for(
    till: Database,
) -> None:
    own = dict(SOLD, seq=7, serial="MU-OWN", terminal="S1-till")
    other_store = dict(SOLD, seq=8, serial="MU-S2", store="S2")
    seen = feed_memory.seen([SOLD, CABLES, own, other_store], "S1", "S1-till")
    assert [(seq, echo) for seq, _d, echo in seen] == [
        (5, 'unit:["PH1", "MU-1"]'),
        (6, 'moved:["CAB", 2, null, null]'),
        (7, None),  # this till's own: sent again by the resend, its effect here
    ]
    till.write(lambda conn: mirror_sql.remember_events(conn, seen))
    # the parting point before them: central lost them
    assert lost_units.named_after(till, 4) == [("PH1", "MU-1")]
    assert lost_units.named_after(till, 5) == []
    kept = till.write(lambda conn: feed_lost.keep_lost_after(conn, 4))
    assert kept == 0  # neither a unit nor a quantity moved is an echo a pull waits for
    assert till.read(feed_lost.count) == 0
