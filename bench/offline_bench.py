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
    .venv/bin/python bench/offline_bench.py --compare 1000

``--compare N`` measures central's side alone, in this process: N journal entries (sells)
each way, alternated 100 entries by 100 so all see the same machine: one transaction each
(how ``POST /v1/apply`` first applied them), runs in batches entry by entry in savepoints
(services/entries.py with ``SET_BASED`` off), and runs of plain sales set-based
(services/entry_sells.py, as it does now); entries/s, CPU ms per entry of this process, and
SQL statements and commits per entry, which do not depend on the machine's load. The entries
are a store terminal's: each carries the numbers the terminal gave its order and invoice
(``numbers``, services/document_numbers.py); ``--unnumbered`` sends them without, as a host's.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import time
from pathlib import Path

from api_bench import _serve
from benchkit import PgCpu, p, pg_schema, temp_dir, tree_cpu, uptime
from serialpos.config import ChainConfig
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products, stores, tokens, users
from serialpos.services.context import SYSTEM
from serialpos.terminal import bootstrap, journaled
from serialpos.terminal.central_behind import not_behind_before_push
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


#: run.py's sizes (its ``run`` takes them as arguments; the command line's defaults are these).
RUN_KWARGS: dict[str, int] = {"entries": 5000, "online": 200, "workers": 2}
QUICK_KWARGS: dict[str, object] = {"entries": 300, "online": 30, "workers": 2}


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
                pg = PgCpu(central).start()
                serve_cpu = tree_cpu(process.pid)
                load = uptime()
                began, cpu_began = time.perf_counter(), time.process_time()
                pushed = SyncReport()
                push(local, client, pushed, store="S1")
                push_s = time.perf_counter() - began
                push_cpu = time.process_time() - cpu_began
                report = sync_once(local, chain, client)
                report.accepted += pushed.accepted
                caught_up = time.perf_counter() - began
                terminal_cpu = time.process_time() - cpu_began
                serve_cpu = tree_cpu(process.pid) - serve_cpu
                pg_cpu = pg.stop()
                assert report.accepted == entries and report.pending == 0, report
                waits, checks = [], []
                serve_cpu_online = tree_cpu(process.pid)
                cpu_online = time.process_time()
                for serial in serials[entries : entries + online]:
                    list(journaled.apply_stream(local, actor, _lines([serial]), None, "till-1"))
                    began = time.perf_counter()
                    one = SyncReport()
                    # as the console's sale confirmation: central not behind (one small
                    # read, terminal/central_behind.py), then the push
                    not_behind_before_push(local, client, store="S1")
                    checks.append((time.perf_counter() - began) * 1000)
                    push(local, client, one, store="S1")
                    waits.append((time.perf_counter() - began) * 1000)
                    assert one.accepted == 1
                cpu_online = time.process_time() - cpu_online
                serve_cpu_online = tree_cpu(process.pid) - serve_cpu_online
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
                f"({entries / caught_up:,.0f} entries/s)  target < 10 s  (load {load})"
            )
            cpu = terminal_cpu + serve_cpu + pg_cpu
            print(
                f"catch-up CPU: {cpu:.2f} s, {1000 * cpu / entries:.2f} ms per entry: terminal "
                f"{terminal_cpu:.2f} s (push {push_cpu:.2f}, pull "
                f"{terminal_cpu - push_cpu:.2f}), serve {serve_cpu:.2f} s, PostgreSQL "
                f"{pg_cpu:.2f} s (the three mostly take turns: on an idle machine the "
                "catch-up takes about this plus the waits for the disk)"
            )
            print(
                f"online sale, wait for central: p50 {p(waits, 0.5):.1f} ms, "
                f"p95 {p(waits, 0.95):.1f} ms  target p95 <= 50 ms; of it the check that "
                f"central is not behind: p50 {p(checks, 0.5):.1f} ms, p95 "
                f"{p(checks, 0.95):.1f} ms; CPU per sale (sale made, check, push, verdict "
                f"kept): terminal {1000 * cpu_online / online:.2f} ms, serve "
                f"{1000 * serve_cpu_online / online:.2f} ms"
            )
            local.dispose()
        finally:
            process.terminate()
            try:
                process.wait(60)  # a loaded machine: the results above are printed already
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def compare(entries: int, chunk: int = 100, numbered: bool = True) -> None:
    import uuid

    import sqlalchemy as sa

    from serialpos.services import entries as entries_module
    from serialpos.services import entry_lines, snapshot
    from serialpos.services.apply import dispatch as apply_service
    from serialpos.services.document_numbers import terminal_tag

    with pg_schema() as central:
        migrate.upgrade(central)
        stores.add_store(central, SYSTEM, "S1", "Main Street")
        users.add_user(central, SYSTEM, "mia", "manager", "1234")
        mia = users.actor_for(central, "mia", "bench")
        products.create_product(central, mia, sku="PH1", name="Phone", serial_mode="required")
        serials = [f"CB{i:06d}" for i in range(3 * entries)]
        for start in range(0, len(serials), 500):
            ledger.move(
                central, mia, Action.RECEIVE, store="S1", sku="PH1", serials=serials[start:][:500]
            )
        token = users.actor_for(central, "mia", "api-till-1")
        snapshot.link(central, token, "S1", "till-1")
        tag = terminal_tag("till-1", "S1")
        lines = [
            json.dumps(
                {
                    "id": str(uuid.uuid4()),
                    "op": "sell",
                    "store": "S1",
                    "sku": "PH1",
                    "serial": s,
                    "journal": {"terminal": "till-1", "seq": n + 1, "user": "mia"},
                }
                | (
                    {
                        "numbers": {
                            "order": f"S1-{tag}-{n + 1:06d}",
                            "invoice": f"INV-S1-{tag}-{n + 1:06d}",
                        }
                    }
                    if numbered
                    else {}
                )
            ).encode()
            for n, s in enumerate(serials)
        ]
        said = {"sql": 0, "commit": 0}

        def count_sql(*_args: object) -> None:
            said["sql"] += 1

        def count_commit(*_args: object) -> None:
            said["commit"] += 1

        sa.event.listen(central.engine, "before_cursor_execute", count_sql)
        sa.event.listen(central.engine, "commit", count_commit)
        ways = ("one", "batch", "set")
        seconds = dict.fromkeys(ways, 0.0)
        cpu = dict.fromkeys(ways, 0.0)
        sql = dict.fromkeys(ways, 0)
        commits = dict.fromkeys(ways, 0)

        def one_by_one(part: list[bytes]) -> None:
            for n, raw in enumerate(part, start=2):
                assert apply_service.apply_line(central, token, raw, n)["ok"]

        def batched(part: list[bytes]) -> None:
            done: list[dict[str, object]] = []
            for first in entry_lines.runs(part, 2):
                run: entry_lines.Run | None = first
                while run is not None:
                    answered, run = entry_lines.apply_run(central, token, run)
                    done += answered
            assert len(done) == len(part) and all(r["ok"] for r in done)

        for start in range(0, len(lines), 3 * chunk):
            for k, (name, fn) in enumerate(
                (("one", one_by_one), ("batch", batched), ("set", batched))
            ):
                part = lines[start + k * chunk : start + (k + 1) * chunk]
                entries_module.SET_BASED = name == "set"
                said["sql"] = said["commit"] = 0
                began, cpu_began = time.perf_counter(), time.process_time()
                fn(part)
                seconds[name] += time.perf_counter() - began
                cpu[name] += time.process_time() - cpu_began
                sql[name] += said["sql"]
                commits[name] += said["commit"]
        entries_module.SET_BASED = True
        for name, label in (
            ("one", "one transaction per entry"),
            ("batch", "batched, entry by entry"),
            ("set", "batched, set-based sales"),
        ):
            print(
                f"{label:<26} {entries / seconds[name]:>7,.0f} entries/s  "
                f"{1000 * cpu[name] / entries:5.2f} CPU ms/entry  "
                f"{sql[name] / entries:5.2f} SQL/entry  "
                f"{commits[name] / entries:5.2f} commits/entry"
            )
        print(
            f"batched / one by one: {seconds['one'] / seconds['batch']:.2f}x; "
            f"set-based / one by one: {seconds['one'] / seconds['set']:.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=RUN_KWARGS["entries"])
    parser.add_argument("--online", type=int, default=RUN_KWARGS["online"])
    parser.add_argument("--workers", type=int, default=RUN_KWARGS["workers"])
    parser.add_argument("--compare", type=int, default=0, help="entries per side; see above")
    parser.add_argument(
        "--unnumbered", action="store_true", help="--compare: entries without terminal numbers"
    )
    args = parser.parse_args()
    if args.compare:
        compare(args.compare, numbered=not args.unnumbered)
        return
    run(args.entries, args.online, args.workers)


if __name__ == "__main__":
    main()
