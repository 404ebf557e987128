"""The HTTP API on PostgreSQL (issue 12): ``POST /v1/apply`` sell lines per second with 1, 10
and 50 concurrent clients, and ``GET /v1/serials/{serial}`` p50/p99 over loopback at
``--units`` serial units. Targets: at least 500 sell lines/s with 10 clients; the serial card
p99 under 10 ms at 1M units.

A real ``serialpos serve`` process (``--workers``, default 2) runs on a schema of its own in
the PostgreSQL at ``SERIALPOS_BENCH_PG`` (else ``SERIALPOS_TEST_PG``, else
``postgres@127.0.0.1:5432/test``), dropped afterwards. The units are bulk-inserted with
``generate_series`` (with a receive event each, numbered in the event feed), not through the
ledger: the ledger's own speed is ledger_bench's subject. Each client posts bodies of
``--batch`` sell lines, each line with its own id (as a host should), and the clock runs from
the first request to the last verdict. The load generator shares the machine's cores with
the server: on 2 cores that costs the server a large share.

    .venv/bin/python bench/api_bench.py [--units 1000000] [--sells 3000] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import sqlalchemy as sa

from benchkit import compile_bytecode, settled
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.services import stores, tokens, users
from serialpos.services.context import SYSTEM

PG_URL = os.environ.get("SERIALPOS_BENCH_PG") or os.environ.get(
    "SERIALPOS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
UNITS = 100_000
CLIENTS = (1, 10, 50)

TARGETS: dict[str, str] = {
    "POST /v1/apply sell lines/s, 10 clients": "> 500 /s",
    "GET /v1/serials/{serial} p99": "< 10 ms",
}
QUICK_KWARGS: dict[str, object] = {"units": 100_000, "sells": 1500}

_LOAD = [
    "ALTER TABLE ledger_event DISABLE TRIGGER ledger_event_feed",
    (
        "INSERT INTO serial_unit (product_id, serial, state, store_id, version, updated_at) "
        "SELECT (SELECT id FROM product WHERE sku = 'PH1'), "
        "'SN' || lpad(((x::bigint * 2654435761) % 4294967291)::text, 10, '0'), 'in_stock', "
        "(SELECT id FROM store WHERE code = 'S1'), 1, now() FROM generate_series(0, :units - 1) x"
    ),
    (
        "INSERT INTO ledger_event (at, action, user_name, terminal, store_id, product_id, unit_id, "
        "serial, from_state, to_state, quantity) SELECT updated_at, 'receive', 'bench', 'bench', "
        "store_id, product_id, id, serial, NULL, 'in_stock', 1 FROM serial_unit ORDER BY id"
    ),
    (
        "INSERT INTO event_feed (seq, event_id, store_id) "
        "SELECT ROW_NUMBER() OVER (ORDER BY id), id, store_id FROM ledger_event"
    ),
    "UPDATE event_feed_counter SET last_seq = (SELECT max(seq) FROM event_feed)",
    "ALTER TABLE ledger_event ENABLE TRIGGER ledger_event_feed",
    (
        "INSERT INTO stock_level (product_id, store_id, quantity) SELECT product_id, store_id, "
        "count(*) FROM serial_unit GROUP BY product_id, store_id"
    ),
]


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _build(url: str, units: int) -> tuple[Database, str, list[str]]:
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    users.add_user(db, SYSTEM, "bench", "admin", "1234")
    actor = users.actor_for(db, "bench", "bench")
    from serialpos.services import products

    products.create_product(db, actor, sku="PH1", name="Phone", serial_mode="required")
    with db.engine.begin() as conn:
        for statement in _LOAD:
            conn.execute(sa.text(statement), {"units": units})
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        serials = [r[0] for r in conn.execute(sa.text("SELECT serial FROM serial_unit"))]
    token, _ = tokens.create_token(db, actor, "bench", "bench")
    random.Random(7).shuffle(serials)
    return db, token, serials


def _serve(
    url: str, workers: int, folder: Path, threads: int = 0
) -> tuple[subprocess.Popen[bytes], str]:
    """``serialpos serve`` on a free loopback port, once all its workers have started;
    ``threads``: its ``--threads`` (0: its default)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (folder / "terminal.toml").write_text("")
    compile_bytecode()  # each worker would otherwise compile serialpos from source
    env = {
        **os.environ,
        "SERIALPOS_CONFIG": str(folder / "terminal.toml"),
        "SERIALPOS_OUTBOX": str(folder / "outbox"),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "serialpos",
            "--db",
            url,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            *(["--threads", str(threads)] if threads else []),
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # start-up takes a minute at load 20-25
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/v1/openapi.json", timeout=1).status_code == 200:
                settled(process.pid)  # one worker answered: the others may still be starting
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("serialpos serve did not start")


def _card_latency(base: str, token: str, serials: list[str], runs: int) -> list[float]:
    samples = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
        for serial in serials[:50]:  # warm-up: connections, plans, caches
            c.get(f"/v1/serials/{serial}")
        for serial in serials[50 : 50 + runs]:
            began = time.perf_counter()
            r = c.get(f"/v1/serials/{serial}")
            samples.append((time.perf_counter() - began) * 1000)
            assert r.status_code == 200, r.text
    return samples


def _sell_rate(base: str, token: str, serials: list[str], clients: int, batch: int) -> float:
    """Sell lines per second with ``clients`` concurrent clients selling ``serials``."""
    bodies = []
    for start in range(0, len(serials), batch):
        lines = [
            {
                "op": "sell",
                "id": f"bench-{uuid.uuid4().hex}",
                "store": "S1",
                "sku": "PH1",
                "serial": s,
            }
            for s in serials[start : start + batch]
        ]
        bodies.append("".join(json.dumps(x) + "\n" for x in lines))
    shares = [bodies[n::clients] for n in range(clients)]

    def client(mine: list[str]) -> int:
        sold = 0
        with httpx.Client(
            base_url=base,
            timeout=600,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"},
        ) as c:
            for body in mine:
                r = c.post("/v1/apply", content=body)
                verdicts = [json.loads(x) for x in r.text.splitlines()]
                assert all(v["ok"] for v in verdicts), verdicts[:3]
                sold += len(verdicts)
        return sold

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        sold = sum(pool.map(client, shares))
    return sold / (time.perf_counter() - began)


def run(
    units: int = UNITS, sells: int = 3000, workers: int = 2, batch: int = 20, card_runs: int = 2000
) -> list[tuple[str, str]]:
    schema = f"bench_api_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except sa.exc.OperationalError as exc:
        return [("api bench", f"skipped: PostgreSQL not reachable ({str(exc).splitlines()[0]})")]
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    results: list[tuple[str, str]] = []
    try:
        began = time.perf_counter()
        db, token, serials = _build(url, units)
        results.append((f"bulk load of {units:,} units", f"{time.perf_counter() - began:.1f} s"))
        with tempfile.TemporaryDirectory() as folder:
            process, base = _serve(url, workers, Path(folder))
            try:
                card = _card_latency(base, token, serials, card_runs)
                results += [
                    (
                        f"GET /v1/serials/{{serial}} p50 ({units:,} units)",
                        f"{statistics.median(card):.2f} ms",
                    ),
                    ("GET /v1/serials/{serial} p99", f"{_pct(card, 0.99):.2f} ms"),
                ]
                pool = serials[60 + card_runs :]
                for clients in CLIENTS:
                    mine, pool = pool[:sells], pool[sells:]
                    rate = _sell_rate(base, token, mine, clients, batch)
                    plural = "client" if clients == 1 else "clients"
                    results.append(
                        (f"POST /v1/apply sell lines/s, {clients} {plural}", f"{rate:,.0f} /s")
                    )
            finally:
                process.terminate()
                process.wait(20)
        db.dispose()
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--sells", type=int, default=3000, help="sell lines per client count")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=20, help="sell lines per request")
    args = parser.parse_args()
    for metric, value in run(args.units, args.sells, args.workers, args.batch):
        print(f"{metric:50} {value:>14}  {TARGETS.get(metric, '')}")


if __name__ == "__main__":
    main()
