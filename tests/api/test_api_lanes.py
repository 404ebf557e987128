"""``serialpos serve`` on PostgreSQL: an online push (a till's sale, waiting for its receipt)
takes a worker thread ahead of pushes catching up (api/lanes.py). Before, every transaction
of every big push queued again for a thread first come, first served, and an online sale
waited behind the next transaction of each of them.

Asserted as an order, not a time: with one worker thread, the transactions that commit after
the online push was sent and before its own are counted (PostgreSQL's ``xmin`` of the ledger
events: one per transaction). Ahead of every catching-up push it waits for the one running,
at most; first come, first served, it waited for the next of each of the eight pushes."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from api_serving import seed, start, stop

from serialpos.db.engine import Database

pytestmark = pytest.mark.postgres

PUSHES = 8
LINES = 6  # a push: more lines than an online one (api/lanes.py ONLINE_LINES)
SERIALS = 30  # each line: a receipt of this many units, one transaction


def _line(push: int, line: int) -> str:
    serials = [f"B{push}-{line}-{k:03d}" for k in range(SERIALS)]
    return json.dumps({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})


def test_an_online_push_goes_ahead_of_catching_up_pushes(pg_url: str, tmp_path: Path) -> None:
    db = Database(pg_url)
    secrets = seed(db)
    process, base, _env = start(pg_url, tmp_path, "--threads", "1", "--workers", "1")
    headers = {
        "Authorization": f"Bearer {secrets['ada']}",
        "Content-Type": "application/x-ndjson",
    }
    first_verdicts = threading.Barrier(PUSHES + 1, timeout=120)
    answered: list[int] = []

    def catching_up(push: int) -> None:
        body = "".join(_line(push, n) + "\n" for n in range(LINES))
        with (
            httpx.Client(base_url=base, timeout=120) as client,
            client.stream("POST", "/v1/apply", content=body, headers=headers) as response,
        ):
            count = 0
            for raw in response.iter_lines():
                if raw.strip():
                    assert json.loads(raw)["ok"], raw
                    count += 1
                    if count == 1:
                        first_verdicts.wait()
            answered.append(count)

    pushes = [threading.Thread(target=catching_up, args=(n,)) for n in range(PUSHES)]
    try:
        for push in pushes:
            push.start()
        first_verdicts.wait()  # every push is under way: each has a transaction queued
        online = {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["ONLINE-1"]}
        with httpx.Client(base_url=base, timeout=120) as client:
            # Connected before the count starts, as a till's kept connection is: the moment
            # between the count and the push's arrival is then the request alone (a new
            # connection made it long enough on a loaded machine for more to commit).
            client.get("/v1/no-such-route")
            before = int(
                db.read(
                    lambda c: c.exec_driver_sql("SELECT max(id) FROM ledger_event").scalar_one()
                )
            )
            got = client.post("/v1/apply", content=json.dumps(online) + "\n", headers=headers)
        assert got.status_code == 200 and json.loads(got.text)["ok"], got.text
        for push in pushes:
            push.join(120)
        assert answered == [LINES] * PUSHES
        ahead = db.read(
            lambda c: c.execute(
                sa.text(
                    "SELECT count(DISTINCT e.xmin::text) FROM ledger_event e "
                    "WHERE e.id > :before AND e.id < "
                    "(SELECT u.id FROM ledger_event u WHERE u.serial = 'ONLINE-1')"
                ),
                {"before": before},
            ).scalar_one()
        )
    finally:
        stop(process)
        db.dispose()
    # The one running when it came, and those that ended between the count's start and the
    # online push's arrival (a moment, longer on a loaded machine: at most two here); first
    # come, first served it was PUSHES - 1 or more.
    assert ahead <= 3, f"{ahead} catching-up transactions committed before the online push"
