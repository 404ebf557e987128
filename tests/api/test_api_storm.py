"""A resend storm against a real ``serialpos serve``: one 1,000-line file sent three times by
three concurrent clients. Every line is applied exactly once (each line answered once as
applied and twice as a replay of that same verdict), and the ledger checks clean."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from api_serving import Server

from serialpos.services import stock
from serialpos.services.integrity import check_ledger


def storm_lines() -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    lines += [
        {
            "op": "receive",
            "id": f"storm-r{n}",
            "store": "S1",
            "sku": "PH1",
            "serial": f"STORM-{n:04}",
            "document": "PO-STORM",
            "line": n,
        }
        for n in range(400)
    ]
    lines += [
        {"op": "receive", "id": f"storm-q{n}", "store": "S2", "sku": "CAB", "quantity": 2}
        for n in range(300)
    ]
    lines += [
        {"op": "sell", "id": f"storm-s{n}", "store": "S1", "sku": "PH1", "serial": f"STORM-{n:04}"}
        for n in range(200)
    ]
    lines += [
        {
            "op": "transfer_out",
            "id": f"storm-t{n}",
            "store": "S2",
            "sku": "CAB",
            "quantity": 1,
            "to": "S1",
        }
        for n in range(100)
    ]
    assert len(lines) == 1000
    return lines


def test_a_file_sent_three_times_at_once_is_applied_once(server: Server) -> None:
    lines = storm_lines()
    body = "".join(json.dumps(x) + "\n" for x in lines)

    def send(_: int) -> list[dict[str, Any]]:
        with server.client() as c:
            r = c.post(
                "/v1/apply",
                content=body,
                headers={"Content-Type": "application/x-ndjson"},
                timeout=600,
            )
            assert r.status_code == 200
            return [json.loads(x) for x in r.text.splitlines()]

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(send, range(3)))
    for n, verdicts in enumerate(zip(*answers, strict=True)):
        assert all(v["ok"] for v in verdicts), verdicts
        assert sorted(v.get("replayed", False) for v in verdicts) == [False, True, True], n
        first = {k: v for k, v in verdicts[0].items() if k != "replayed"}
        assert all({k: v for k, v in x.items() if k != "replayed"} == first for x in verdicts)
    levels = {
        (s.store, s.sku): s.quantity
        for s in stock.stock_levels(server.db)
        if s.sku in ("PH1", "CAB")
    }
    # The only writes on this module's server are this file's.
    assert levels == {("S1", "PH1"): 200, ("S2", "CAB"): 500}  # 100 CAB in transit
    (on_hand,) = stock.stock_levels(server.db, "S1", "PH1")
    assert on_hand.units_in_stock == 200
    assert check_ledger(server.db) == []
