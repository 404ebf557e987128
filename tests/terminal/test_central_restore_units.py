"""Central restored from an older backup: the units whose state on a till was set by a
pulled event central lost (its console's, a host's, another till's) and that nobody makes
again (issue 16's bad input: nothing recorded may be lost; every till's state equals
central's for its store). ``terminal resend`` used to take back lost quantities only: a
unit a host received, sold or shipped after the backup stayed so on the till until its next
event, with ``db check`` clean at both ends. Real processes: ``serialpos serve`` on
PostgreSQL, the tills' CLI, each its own SQLite."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from terminal_chain import Chain, Terminal
from test_central_restore import backup

UNIT = (
    "SELECT s.code, u.state FROM serial_unit u JOIN store s ON s.id = u.store_id "
    "JOIN product p ON p.id = u.product_id WHERE u.serial = :serial AND p.sku = 'PH1'"
)
NO_RECORD = (
    "SELECT count(*) FROM ledger_event WHERE action = 'central_state' AND serial = :serial "
    "AND to_state = 'written_off' AND reason LIKE '%no record%'"
)
TAKEN = "SELECT count(*) FROM ledger_event WHERE action = 'central_state' AND serial = :serial"


def _central(chain: Chain, serial: str) -> tuple[str, str] | None:
    with chain.server.db.engine.connect() as conn:
        row = conn.execute(sa.text(UNIT), {"serial": serial}).first()
    return None if row is None else (str(row[0]), str(row[1]))


def _till(till: Terminal, serial: str) -> tuple[str, str] | None:
    rows = till.query(UNIT, serial=serial)
    return None if not rows else (str(rows[0][0]), str(rows[0][1]))


def _resend(till: Terminal) -> dict[str, Any]:
    done = till.cli("terminal", "resend")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_units_set_by_events_central_lost_take_its_state(chain: Chain) -> None:
    """After the backup: a host sells a unit at S1, ships another to S2, receives a new
    one; another till of S1 sells a fourth. The till pulls them all; central is restored;
    the till's ``terminal resend`` sets each to central's state (the new one, which central
    holds no record of, written off so the stockroom can receive it again), and once the
    other till sends its sale again the pull brings it here as for any event."""
    serials = ["LU-SOLD", "LU-SHIP", "LU-OTHER"]
    stocked = chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})
    assert stocked[0]["ok"], stocked
    till = chain.terminal("till-lu-main")
    other = chain.terminal("till-lu-other")
    assert till.sync()["pending"] == 0
    with backup(chain) as restore:
        made = chain.post(
            {"op": "sell", "store": "S1", "sku": "PH1", "serial": "LU-SOLD"},
            {
                "op": "transfer_out",
                "store": "S1",
                "to": "S2",
                "transfer": "TX-LU1",
                "create": True,
                "items": [{"sku": "PH1", "serials": ["LU-SHIP"]}],
            },
            {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["LU-NEW"]},
        )
        assert all(v["ok"] for v in made), made
        assert other.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "LU-OTHER"})[0][
            "ok"
        ]
        assert other.sync()["accepted"] == 1
        assert till.sync()["pulled"] > 0
        assert [_till(till, s) for s in [*serials, "LU-NEW"]] == [
            ("S1", "sold"),
            ("S2", "in_transit"),
            ("S1", "sold"),
            ("S1", "in_stock"),
        ]
        restore()
        assert [_central(chain, s) for s in [*serials, "LU-NEW"]] == [
            ("S1", "in_stock"),
            ("S1", "in_stock"),
            ("S1", "in_stock"),
            None,
        ]
        report = _resend(till)
        assert report["units_set"] == 4, report
        for serial in serials:
            assert _till(till, serial) == _central(chain, serial) == ("S1", "in_stock"), serial
        assert _till(till, "LU-NEW") == ("S1", "written_off")
        assert till.query(NO_RECORD, serial="LU-NEW")[0][0] == 1
        till.check_clean()
        # The other till sends its sale again: central sells the unit anew, the pull follows.
        again = _resend(other)
        assert again["again"]["applied"] == 1, again
        # the host's three it had pulled too; not its own sale's unit: sent again, not set back
        assert again["units_set"] == 3, again
        assert other.query(TAKEN, serial="LU-OTHER")[0][0] == 0
        till.sync()
    assert _till(till, "LU-OTHER") == _central(chain, "LU-OTHER") == ("S1", "sold")
    assert _till(other, "LU-OTHER") == ("S1", "sold")
    for serial in serials[:2]:
        assert _till(till, serial) == _central(chain, serial) == ("S1", "in_stock")
    for t in (till, other):
        t.check_clean()
    chain.check_clean()


def test_units_of_the_tills_own_entries_are_not_reverted(chain: Chain) -> None:
    """The till's own sale central lost is sent again by the resend, its unit left sold
    here (its effect is here), not set back to central's older state first; a unit a host
    received after the backup that the till then sold itself is named by that sale, sent
    again: its verdict (a conflict, central holding no such unit) settles it, not the
    resend's read of central's units."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["LO-OWN"]})[0][
        "ok"
    ]
    till = chain.terminal("till-lo-own")
    assert till.sync()["pending"] == 0
    with backup(chain) as restore:
        assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["LO-HOST"]})[
            0
        ]["ok"]
        assert till.sync()["pulled"] > 0
        sold = till.apply(
            {"op": "sell", "store": "S1", "sku": "PH1", "serial": "LO-OWN"},
            {"op": "sell", "store": "S1", "sku": "PH1", "serial": "LO-HOST"},
        )
        assert all(v["ok"] for v in sold), sold
        assert till.sync()["accepted"] == 2
        restore()
        report = _resend(till)
    assert report["units_set"] == 0, report
    assert report["again"]["applied"] == 1 and report["again"]["conflicts"] == 1, report
    assert _till(till, "LO-OWN") == _central(chain, "LO-OWN") == ("S1", "sold")
    assert till.query(TAKEN, serial="LO-OWN")[0][0] == 0  # never set back on the way
    assert _central(chain, "LO-HOST") is None
    assert _till(till, "LO-HOST") == ("S1", "written_off")  # the conflict's verdict
    till.check_clean()
    chain.check_clean()
