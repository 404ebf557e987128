"""``db check`` on a till just set up from a central with an open order (the demo has one)
exited 1: the unit the order reserves is copied reserved, but the till holds none of
central's orders, so the check read it as ``reserved_without_open_line``. The snapshot now
names the order holding each unit it copies, and the till's check says where the unit is
held (a note, ``reserved_at_central``), as for a unit central reserves after the snapshot
(the feed's event names the order). Real ``serialpos serve`` on PostgreSQL, the till's CLI."""

from __future__ import annotations

import json
from typing import Any

from terminal_chain import Chain, Terminal


def _reserve(chain: Chain, serial: str) -> str:
    done = chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": serial},
        {"op": "order_create", "store": "S1", "lines": [{"sku": "PH1", "serial": serial}]},
    )
    assert all(r["ok"] for r in done), done
    return str(done[1]["order"])


def _findings(till: Terminal) -> tuple[int, list[dict[str, Any]]]:
    done = till.cli("db", "check", "--json", check=False)
    return done.returncode, json.loads(done.stdout)["findings"]


def test_a_fresh_till_checks_clean_with_central_reserving_its_units(chain: Chain) -> None:
    before = _reserve(chain, "FR-1")
    till = chain.terminal("till-fresh")
    assert till.unit_state("FR-1") == "reserved"
    code, findings = _findings(till)
    assert code == 0, findings
    [held] = [f for f in findings if f["rule"] == "reserved_at_central"]
    assert held["violation"] is False and f"order {before}" in held["detail"]
    assert "FR-1" in held["detail"]

    after = _reserve(chain, "FR-2")  # reserved at central after the snapshot: the feed's
    till.sync()
    assert till.unit_state("FR-2") == "reserved"
    code, findings = _findings(till)
    assert code == 0, findings
    details = [f["detail"] for f in findings if f["rule"] == "reserved_at_central"]
    assert any("FR-2" in d and f"order {after}" in d for d in details), details
    chain.check_clean()  # central holds its orders: nothing to say there
