"""What a till's pull remembers of another's unit event (terminal/feed_memory.py ``UNIT``),
and that ``terminal resend`` asks central about it instead of waiting for its echo: the
kinds of a remembered event's ``echo`` kept apart (db/feed_lost.py). On the SQLite file a
till keeps."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from serialpos.db import feed_lost, migrate, mirror_sql
from serialpos.db.engine import Database
from serialpos.terminal import feed_memory, lost_units
from serialpos.terminal.client import CentralClient

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


def _central_answering(body: object) -> CentralClient:
    """A real client whose central answers every request with ``body`` (a proxy or a broken
    central: the shape of the answer is what is tested)."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    return CentralClient("http://central.test", "tok", transport=httpx.MockTransport(answer))


@pytest.mark.parametrize("body", [{}, {"units": None}, {"units": "MU-1"}, ["MU-1"]])
def test_an_answer_without_a_list_of_units_changes_nothing(body: object) -> None:
    """Read as "central holds none of them", an answer with no list of units (a proxy's page,
    a broken central) wrote off every unit asked about at the till: it is refused, by name."""
    client = _central_answering(body)
    with pytest.raises(lost_units.UnitsUnreadable, match="holds no list of units"):
        lost_units.central_now(client, "S1", [("PH1", "MU-1")])


def test_a_unit_central_leaves_out_of_its_list_is_one_it_holds_none_of() -> None:
    client = _central_answering({"units": []})
    assert lost_units.central_now(client, "S1", [("PH1", "MU-1")]) == [
        {"serial": "MU-1", "sku": "PH1", "store": None, "state": None, "event": None}
    ]


def test_a_serial_central_would_refuse_is_not_asked_about(till: Database) -> None:
    """One serial ``GET /v1/units`` refuses (too long, an invisible character) refused its
    whole page, and so every resend: it is left as it is and logged instead."""
    odd = [dict(SOLD, seq=5, serial="MU\u200b1"), dict(SOLD, seq=6, serial="X" * 65)]
    fine = dict(SOLD, seq=7, serial="MU-2")
    seen = feed_memory.seen([*odd, fine], "S1", "S1-till")
    till.write(lambda conn: mirror_sql.remember_events(conn, seen))
    assert lost_units.named_after(till, 4) == [("PH1", "MU-2")]
