"""``serialpos serve --threads N`` on PostgreSQL: a worker runs requests' database work on N
threads with N connections kept open, so a burst of concurrent requests reuses them instead
of opening and closing server processes (SQLAlchemy's default pool, 5 kept and 10 more
closed when returned, beside 40 threads, opened 32-37 for 2 workers under load)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from api_serving import seed, start, stop

from pg_server import PG_URL
from serialpos.db.engine import Database

pytestmark = pytest.mark.postgres

THREADS = 2


def test_a_burst_reuses_the_threads_connections(pg_url: str, tmp_path: Path) -> None:
    schema = pg_url.rpartition("search_path%3D")[2]
    # The server's connections carry the schema's name: pg_stat_activity tells them apart.
    url = f"{pg_url}&application_name={schema}"
    db = Database(url)
    secrets = seed(db)
    db.dispose()
    process, base, _env = start(url, tmp_path, "--threads", str(THREADS), "--workers", "1")
    seen: set[int] = set()
    done = threading.Event()
    watcher = sa.create_engine(PG_URL)

    def watch() -> None:
        while not done.is_set():
            with watcher.connect() as conn:
                pids = conn.execute(
                    sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :n"),
                    {"n": schema},
                ).scalars()
                seen.update(int(p) for p in pids)
            done.wait(0.05)

    def burst(n: int) -> int:
        line = {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 1}
        with httpx.Client(base_url=base, timeout=60) as c:
            auth = {"Authorization": f"Bearer {secrets['ada']}"}
            got = c.post(
                "/v1/apply",
                content=json.dumps(line) + "\n",
                headers={**auth, "Content-Type": "application/x-ndjson"},
            )
            assert got.status_code == 200 and json.loads(got.text)["ok"], got.text
            return c.get("/v1/stock", params={"sku": "CAB"}, headers=auth).status_code

    watching = threading.Thread(target=watch)
    try:
        with httpx.Client(base_url=base, timeout=60) as c:  # the start-up's own connections
            c.get("/v1/stock", headers={"Authorization": f"Bearer {secrets['ada']}"})
        seen.clear()
        watching.start()
        with ThreadPoolExecutor(24) as pool:
            assert set(pool.map(burst, range(120))) == {200}
    finally:
        done.set()
        if watching.is_alive():
            watching.join()
        stop(process)
        watcher.dispose()
    # The pool keeps THREADS and allows as many again for a moment; the threads never
    # need more than THREADS at once, so no connection beyond those is ever opened.
    assert 1 <= len(seen) <= THREADS, seen
