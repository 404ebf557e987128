"""Central applies a store terminal's entries that arrive together in batches (issue 16:
a day's catch-up), and answers exactly as one by one: one verdict per line in order, each
entry applied once, a conflict recorded per entry whose unit moved, refusals keeping nothing,
other lines in between applied in their place, and a resend replaying everything."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from terminal_chain import Chain

#: More than one batch of central's (services/entries.py BATCH = 100).
MANY = 130


def _entry(terminal: str, seq: int, **line: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        **line,
        "journal": {"terminal": terminal, "seq": seq, "user": "mia"},
    }


def _post(base: str, token: str, lines: list[dict[str, Any] | str]) -> list[dict[str, Any]]:
    body = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    response = httpx.post(
        f"{base}/v1/apply",
        content=body.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return [json.loads(x) for x in response.text.splitlines()]


def test_entries_sent_together_answer_as_one_by_one(chain: Chain) -> None:
    many = [f"BA-{n:04d}" for n in range(MANY)]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["BA-A", *many]})[
        0
    ]["ok"]
    till = chain.terminal("till-batch")
    t = till.name
    first = _entry(t, 1, op="sell", store="S1", sku="PH1", serial="BA-A")
    lines: list[dict[str, Any] | str] = [
        "",  # a blank first line: skipped, yet counted
        first,
        _entry(t, 2, op="sell", store="S1", sku="PH1", serial="BA-A"),  # sold just above
        _entry(t, 3, op="sell", store="S2", sku="PH1", serial="BA-0000"),  # not its store
        {
            "id": f"host-{uuid.uuid4()}",
            "op": "receive",
            "store": "S1",
            "sku": "PH1",
            "serial": "BA-HOST",
        },
        _entry(t, 4, op="sell", store="S1", sku="PH1", serial="BA-HOST"),  # after the host's
        "{not json",
        first,  # the same entry again in the same request
        *(_entry(t, 5 + n, op="sell", store="S1", sku="PH1", serial=s) for n, s in enumerate(many)),
    ]
    events_before = chain.scalar("SELECT count(*) FROM ledger_event")
    verdicts = _post(chain.server.base, till.token, lines)

    assert [v["line"] for v in verdicts] == list(range(2, len(lines) + 1))  # the blank skipped
    sold, conflict, wrong, host, after_host, bad, again, *rest = verdicts
    assert sold["ok"] and sold["id"] == first["id"] and sold["order"]
    assert not conflict["ok"] and conflict["error"] == "sync_conflict"
    assert (
        conflict["conflict"]["serial"] == "BA-A" and conflict["conflict"]["error"] == "already_sold"
    )
    assert not wrong["ok"] and wrong["error"] == "wrong_store"
    assert host["ok"] and after_host["ok"]
    assert not bad["ok"] and bad["error"] == "bad_request"
    assert again["ok"] and again["replayed"] is True and again["order"] == sold["order"]
    assert len(rest) == MANY and all(v["ok"] and "replayed" not in v for v in rest)
    assert [v["units"][0]["serial"] for v in rest] == many

    # Each entry applied once: a sell event per unit sold, one conflict, nothing of the refused.
    sells = MANY + 2  # BA-A, BA-HOST and the many
    assert chain.scalar("SELECT count(*) FROM ledger_event") == events_before + sells + 1
    assert chain.scalar("SELECT count(*) FROM sync_conflict WHERE terminal = :t", t=t) == 1
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'BA-0000'") == "sold"

    # The whole request again: every entry replayed with its first answer, nothing new.
    replay = _post(chain.server.base, till.token, lines)
    assert [v["ok"] for v in replay] == [v["ok"] for v in verdicts]
    again_wrong, again_bad = replay[2], replay[5]
    assert again_wrong["error"] == "wrong_store" and "replayed" not in again_wrong  # id free
    assert again_bad["error"] == "bad_request"
    others = [v for n, v in enumerate(replay) if n not in (2, 5)]
    assert all(v["replayed"] is True for v in others)
    assert replay[1]["conflict"]["id"] == conflict["conflict"]["id"]
    assert chain.scalar("SELECT count(*) FROM sync_conflict WHERE terminal = :t", t=t) == 1
    assert chain.scalar("SELECT count(*) FROM ledger_event") == events_before + sells + 1
    chain.check_clean()
