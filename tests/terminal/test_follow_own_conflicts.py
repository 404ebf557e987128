"""A till follows its own unresolved conflicts at each sync by naming their entries
(``GET /v1/conflicts?entry=...``), not by fetching its store's whole list: that list, resolved
ones included and each with its offers worked out, grew with every conflict ever recorded
and timed a sync out (the sync machine met it at 1.5 s under load)."""

from __future__ import annotations

import json
from typing import Any

from terminal_chain import Chain

from serialpos.db.engine import Database
from serialpos.terminal.central_conflicts import follow_conflicts
from serialpos.terminal.client import CentralRefused


def test_a_till_follows_its_own_conflicts_by_their_entries(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["FO-1", "FO-2"]})[
        0
    ]["ok"]
    till1, till2 = chain.terminal("till-a"), chain.terminal("till-b")
    for serial in ("FO-1", "FO-2"):
        assert till1.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    lost = [
        till2.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": serial})[0]["entry"]
        for serial in ("FO-1", "FO-2")
    ]
    assert till1.sync()["accepted"] == 2
    assert till2.sync()["conflicts"] == 2

    with chain.server.client("mia") as client:
        every = client.get("/v1/conflicts", params={"store": "S1"}).json()["conflicts"]
        one = client.get("/v1/conflicts", params={"store": "S1", "entry": lost[0]})
        assert one.status_code == 200, one.text
        named = one.json()["conflicts"]
        too_many = client.get("/v1/conflicts", params={"entry": [f"e{i}" for i in range(101)]})
    assert sorted(c["entry"]["id"] for c in every if c["terminal"] == "till-b") == sorted(lost)
    assert [c["entry"]["id"] for c in named] == [lost[0]]  # the store's whole list, on main
    assert too_many.status_code == 400
    assert "at most 100 'entry' a request (101 given)" in too_many.text

    # A manager resolves the first at central; the till's next sync follows it (by entry).
    [first] = [c for c in every if c["entry"]["id"] == lost[0]]
    chain.central("conflicts", "resolve", str(first["id"]), "--by", "accept", user="mia")

    def kept_here() -> dict[str, str]:
        """Each conflict's status as this till keeps it in its journal (shown offline)."""
        rows = till2.query("SELECT id, answer FROM journal_entry WHERE answer LIKE '%conflict%'")
        return {str(e): json.loads(a)["conflict"]["status"] for e, a in rows}

    assert kept_here() == {lost[0]: "open", lost[1]: "open"}
    till2.sync()
    assert kept_here() == {lost[0]: "resolved", lost[1]: "open"}
    for db in (till1, till2, chain):
        db.check_clean()


class _OlderCentral:
    """Central's answers as a release before ``entry`` gives them: the parameter refused as
    unknown (the route's problem), the store's list without it. Only this route is asked."""

    def __init__(self, listed: list[dict[str, Any]]) -> None:
        self.listed = listed
        self.asked: list[dict[str, Any]] = []

    def get_json(self, path: str, **params: Any) -> Any:
        assert path == "/v1/conflicts"
        self.asked.append(params)
        if "entry" in params:
            raise CentralRefused(
                "unknown query parameter 'entry' (this route takes 'status', 'store')",
                code="bad_request",
            )
        return {"conflicts": self.listed}


def test_a_till_follows_its_conflicts_at_an_older_central_by_the_store_list(
    chain: Chain,
) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["OC-1"]})[0]["ok"]
    till1, till2 = chain.terminal("till-c"), chain.terminal("till-d")
    assert till1.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "OC-1"})[0]["ok"]
    [sold] = till2.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "OC-1"})
    till1.sync()
    assert till2.sync()["conflicts"] == 1
    with chain.server.client("mia") as client:
        every = client.get("/v1/conflicts", params={"store": "S1"}).json()["conflicts"]
    [listed] = [c for c in every if c["entry"]["id"] == sold["entry"]]
    resolved = {**listed, "status": "resolved", "resolution": {"action": "accept", "by": "mia"}}
    older = _OlderCentral([resolved])
    db = Database(till2.db_url)
    try:
        changed = follow_conflicts(db, older, "S1")  # type: ignore[arg-type]
    finally:
        db.dispose()
    assert [sorted(p) for p in older.asked] == [["entry", "store"], ["store"]]
    assert changed == 1
    [(answer,)] = till2.query("SELECT answer FROM journal_entry WHERE id = :e", e=sold["entry"])
    assert json.loads(answer)["conflict"]["status"] == "resolved"
