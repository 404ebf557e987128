"""Store terminals (issue 16): a terminal offline for a day catching up, and the online sale's
wait for central. Targets: a day's offline work (5,000 entries) syncs in under 10 s; an
online sale's receipt waits no more than 50 ms p95 for central's answer on loopback.

A real ``serialpos serve`` (``--workers``, default 2) on a schema of its own in PostgreSQL;
the terminal is in this process, on its own SQLite file, using the real sync client. The
units are received at central through the ledger first; the terminal is set up from the
snapshot, makes ``--entries`` sales offline (journaled, timed: local entries/s), then one
``sync`` pushes them all and pulls the feed (timed). Then ``--online`` sales one by one, each
pushed at once, as a till online does (the wait for central's verdict, p50/p95).

    .venv/bin/python bench/offline_bench.py [--entries 5000] [--online 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path

from api_bench import _serve
from benchkit import p, pg_schema, temp_dir
from serialpos.config import ChainConfig
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products, stores, tokens, users
from serialpos.services.context import SYSTEM
from serialpos.terminal import bootstrap, journaled
from serialpos.terminal.client import CentralClient
from serialpos.terminal.sync import SyncReport, push, sync_once

BASELINE = 500


def _lines(serials: list[str]) -> io.BytesIO:
    return io.BytesIO(
        "".join(
            json.dumps({"op": "sell", "store": "S1", "sku": "PH1", "serial": s}) + "\n"
            for s in serials
        ).encode()
    )


def run(entries: int, online: int, workers: int) -> None:
    with pg_schema() as central, temp_dir("offline-bench-") as tmp:
        folder = Path(tmp)
        migrate.upgrade(central)
        stores.add_store(central, SYSTEM, "S1", "Main Street")
        users.add_user(central, SYSTEM, "mia", "manager", "1234")
        mia = users.actor_for(central, "mia", "bench")
        products.create_product(central, mia, sku="PH1", name="Phone", serial_mode="required")
        serials = [f"OB{i:06d}" for i in range(entries + online + BASELINE)]
        for start in range(0, len(serials), 500):
            ledger.move(
                central,
                mia,
                Action.RECEIVE,
                store="S1",
                sku="PH1",
                serials=serials[start : start + 500],
            )
        token, _ = tokens.create_token(central, SYSTEM, "mia", "till-1")
        process, base = _serve(central.url, workers, folder)
        try:
            bootstrap.init(
                server=base,
                token=token,
                store="S1",
                terminal="till-1",
                config_path=folder / "t.toml",
                db_path=folder / "t.sqlite",
            )
            local = Database(f"sqlite:///{folder / 't.sqlite'}")
            actor = users.actor_for(local, "mia", "till-1")
            chain = ChainConfig(base, token, "S1", "till-1")
            began = time.perf_counter()
            verdicts = list(
                journaled.apply_stream(
                    local, actor, _lines(serials[:entries]), folder / "outbox", "till-1"
                )
            )
            made = time.perf_counter() - began
            assert all(v["ok"] for v in verdicts)
            with CentralClient(base, token) as client:
                began = time.perf_counter()
                pushed = SyncReport()
                push(local, client, pushed)
                push_s = time.perf_counter() - began
                report = sync_once(local, chain, client)
                report.accepted += pushed.accepted
                caught_up = time.perf_counter() - began
                assert report.accepted == entries and report.pending == 0, report
                waits = []
                for serial in serials[entries : entries + online]:
                    list(journaled.apply_stream(local, actor, _lines([serial]), None, "till-1"))
                    began = time.perf_counter()
                    one = SyncReport()
                    push(local, client, one)
                    waits.append((time.perf_counter() - began) * 1000)
                    assert one.accepted == 1
            # The same sells sent by a plain host (ids, no journal): what central's apply costs.
            plain = [
                json.dumps(
                    {"op": "sell", "id": f"plain-{s}", "store": "S1", "sku": "PH1", "serial": s}
                )
                for s in serials[entries + online :]
            ]
            with CentralClient(base, token) as client:
                began = time.perf_counter()
                verdicts = client.post_lines(plain)
                plain_rate = len(plain) / (time.perf_counter() - began)
                assert all(v["ok"] for v in verdicts), verdicts[:2]
            print(f"baseline: {BASELINE} plain sell lines with ids: {plain_rate:,.0f} lines/s")
            print(f"offline sales journaled locally: {entries / made:,.0f} entries/s")
            print(
                f"catch-up of {entries} entries: {caught_up:.2f} s, push {push_s:.2f} s, pull "
                f"{caught_up - push_s:.2f} s "
                f"({entries / caught_up:,.0f} entries/s)  target < 10 s"
            )
            print(
                f"online sale, wait for central: p50 {p(waits, 0.5):.1f} ms, "
                f"p95 {p(waits, 0.95):.1f} ms  target p95 <= 50 ms"
            )
            local.dispose()
        finally:
            process.terminate()
            process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--online", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    run(args.entries, args.online, args.workers)


if __name__ == "__main__":
    main()
