"""Store terminals at scale (issue 16): N stores x 2 terminals pushing their journals to one
real ``serialpos serve`` on PostgreSQL and pulling its feed, through the real sync client
(terminal/client.py ``CentralClient``: the snapshot that binds each token, ``POST
/v1/apply`` with journal entries, ``GET /v1/events``). Terminals are simulated: each is a
thread that makes journal entries (one id each, minted before the push, as on a till) and
pushes them ``--batch`` at a time, pulling the feed after each push. Some units are sold at
both terminals of a store (``--overlap`` in a hundred), so conflicts are part of the load.
Beside them, ``--online`` tills push one sale at a time (an online sale's wait for central).

Targets: central commits at least 2,000 entries/s with 100 concurrent terminals; an online
sale's wait for central p95 <= 50 ms. Full size: ``--stores 1000 --concurrent 100`` (2,000
terminals, 100 working at once: each of the load generator's 100 threads takes terminal
after terminal); the default is a small size for CI (5 stores, all 10 terminals at once).
Central's CPU is serve's (and its workers') plus PostgreSQL's server processes for serve's
connections (benchkit.PgCpu), per entry committed. The set-up is written in bulk
(bench/scale_setup.py: seconds for 1,000 stores); ``--check`` runs ``db check``'s ledger
checks after it and after the load.

    .venv/bin/python bench/offline_scale_bench.py [--stores 5] [--entries 40] [--batch 20]
        [--overlap 5] [--online 2] [--workers 2] [--concurrent 0] [--check]
    .venv/bin/python bench/offline_scale_bench.py --stores 1000 --concurrent 100   # full size

``--profile-serve DIR`` profiles serve's workers over the load (yappi, CPU clock, every
thread; bench/serve_profile/sitecustomize.py; ``pip install yappi`` by hand): one pstats
file per worker in DIR. yappi doubles serve's CPU, so the run's figures are not the bench's.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import scale_setup
from api_bench import _serve
from benchkit import PgCpu, p, pg_schema, temp_dir, tree_cpu, uptime
from serialpos.db import migrate, snapshot_sql
from serialpos.db.engine import Database
from serialpos.services import products, stores, users
from serialpos.services.context import SYSTEM
from serialpos.services.integrity import check_ledger
from serialpos.terminal.client import CentralClient, Offline

#: Units each online till has to sell one at a time during the load.
ONLINE_SALES = 200
#: Seconds an online sale here waits for central's answer before it is counted as not
#: answered (the till itself gives up after 2 s: terminal/online.py).
ONLINE_TIMEOUT = 60.0


@dataclass
class Till:
    store: str
    terminal: str
    token: str
    serials: list[str]
    seq: int = 0
    push_ms: list[float] = field(default_factory=list)
    pull_ms: list[float] = field(default_factory=list)
    verdicts: dict[str, int] = field(default_factory=dict)

    def entry(self, serial: str) -> str:
        self.seq += 1
        line = {
            "id": str(uuid.uuid4()),
            "op": "sell",
            "store": self.store,
            "sku": "PH1",
            "serial": serial,
            "journal": {"terminal": self.terminal, "seq": self.seq, "user": "mia"},
        }
        return json.dumps(line, separators=(",", ":"))


def _work(till: Till, base: str, batch: int, after: int) -> None:
    """One terminal's day: its entries pushed ``batch`` a request, the feed pulled after
    each push (the store's events only: central filters by the token's store)."""
    with CentralClient(base, till.token, timeout=120) as client:
        for start in range(0, len(till.serials), batch):
            lines = [till.entry(s) for s in till.serials[start : start + batch]]
            began = time.perf_counter()
            for verdict in client.post_lines(lines):
                key = "accepted" if verdict["ok"] else str(verdict.get("error"))
                till.verdicts[key] = till.verdicts.get(key, 0) + 1
            till.push_ms.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            page = client.get_json("/v1/events", after=after, limit=1000)
            till.pull_ms.append((time.perf_counter() - began) * 1000)
            after = int(page["next"])


def _terminals(tills: list[Till], base: str, batch: int, after: int, errors: list[str]) -> None:
    """A load generator thread: terminals one after another from the shared list (at most
    ``--concurrent`` at once across the threads). A terminal that fails is named in
    ``errors`` and the thread goes on with the next one (a thread that stopped would leave
    the run one terminal short of its concurrency, unsaid)."""
    while True:
        try:
            till = tills.pop()
        except IndexError:
            return
        try:
            _work(till, base, batch, after)
        except Exception as exc:  # printed with the results: the run is not clean
            errors.append(f"{till.terminal}: {type(exc).__name__}: {exc}")


def _setup(
    central: Database, stores_n: int, entries: int, overlap: int, online: int, apart: bool = False
) -> tuple[list[Till], list[Till]]:
    """Stores, their units received and a token per terminal, each token linked to its
    terminal as its snapshot would (in process, in bulk: bench/scale_setup.py; the
    snapshot is not measured)."""
    users.add_user(central, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(central, "mia", "bench")
    products.create_product(central, mia, sku="PH1", name="Phone", serial_mode="required")
    units: dict[str, list[str]] = {}
    plan: list[tuple[str, str, list[str]]] = []  # store, terminal, its serials
    online_plan: list[tuple[str, str, list[str]]] = []
    for n in range(stores_n):
        code = f"S{n:04d}"
        stores.add_store(central, SYSTEM, code, f"Store {n}")
        extra = ONLINE_SALES if n < online and not apart else 0
        mine = units[code] = [f"{code}-{i:05d}" for i in range(2 * entries + extra)]
        shared = entries * overlap // 100  # sold at both tills: one sale each is a conflict
        halves = (mine[:entries], mine[entries - shared : 2 * entries - shared])
        plan += [(code, f"{code}-T{k}", list(half)) for k, half in enumerate(halves)]
        if extra:
            online_plan.append((code, f"{code}-ON", mine[2 * entries :]))
    for n in range(online if apart else 0):  # online tills at stores of their own
        code = f"ON{n:03d}"
        stores.add_store(central, SYSTEM, code, f"Online store {n}")
        mine = units[code] = [f"{code}-{i:05d}" for i in range(ONLINE_SALES)]
        online_plan.append((code, f"{code}-ON", mine))
    scale_setup.receive(central, "PH1", "mia", units)
    every = plan + online_plan
    made = scale_setup.tokens_and_links(
        central, "mia", [scale_setup.Terminal(store, name) for store, name, _s in every]
    )
    tills = [
        Till(store, name, secret, serials)
        for (store, name, serials), secret in zip(every, made, strict=True)
    ]
    return tills[: len(plan)], tills[len(plan) :]


#: run.py's sizes (its ``run`` takes them as arguments; the command line's defaults are these).
RUN_KWARGS: dict[str, int] = {
    "stores_n": 5,
    "entries": 40,
    "batch": 20,
    "overlap": 5,
    "online": 2,
    "workers": 2,
}
QUICK_KWARGS: dict[str, object] = {
    "stores_n": 2,
    "entries": 10,
    "batch": 5,
    "overlap": 5,
    "online": 1,
    "workers": 1,
}


def run(
    stores_n: int,
    entries: int,
    batch: int,
    overlap: int,
    online: int,
    workers: int,
    concurrent: int = 0,
    serve_threads: int = 0,
    check: bool = False,
    apart: bool = False,
    profile_serve: str | None = None,
) -> None:
    concurrent = concurrent or 2 * stores_n
    if profile_serve:
        _profile_serve(profile_serve)
    with pg_schema() as central, temp_dir("offline-scale-") as tmp:
        migrate.upgrade(central)
        began = time.perf_counter()
        tills, online_tills = _setup(central, stores_n, entries, overlap, online, apart)
        after = central.read(snapshot_sql.last_seq)
        print(
            f"set up {stores_n} stores, {len(tills)} terminals: {time.perf_counter() - began:.0f} s"
        )
        if check:
            _check(central, "after the set-up")
        began = time.perf_counter()
        process, base = _serve(central.url, workers, Path(tmp), serve_threads)
        print(
            f"serve and its {workers} workers ready: {time.perf_counter() - began:.0f} s",
            flush=True,
        )
        clients = _online_clients(online_tills, base)  # their snapshots, before the load
        try:
            if profile_serve:
                _profile_from_now(process.pid)
            pg = PgCpu(central).start()
            cpu_before = tree_cpu(process.pid)
            load = uptime()
            began = time.perf_counter()
            queue = list(reversed(tills))
            errors: list[str] = []
            own_cpu = time.process_time()
            threads = [
                threading.Thread(target=_terminals, args=(queue, base, batch, after, errors))
                for _ in range(min(concurrent, len(tills)))
            ]
            for t in threads:
                t.start()
            timeouts: list[str] = []
            waits = _online_sales(clients, threads, timeouts)
            for t in threads:
                t.join()
            wall = time.perf_counter() - began
            own_cpu = time.process_time() - own_cpu
            cpu = tree_cpu(process.pid) - cpu_before
            pg_cpu = pg.stop()
        finally:
            for _till, client in clients:
                client.close()
            process.terminate()
            try:
                process.wait(60)  # a loaded machine: the results below are not lost to it
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        total: dict[str, int] = {}
        for till in tills:
            for key, count in till.verdicts.items():
                total[key] = total.get(key, 0) + count
        pushes = [ms for t in tills for ms in t.push_ms]
        pulls = [ms for t in tills for ms in t.pull_ms]
        settled = total.get("accepted", 0) + total.get("sync_conflict", 0)
        per = 1000 / max(settled, 1)
        print(
            f"{stores_n} stores x 2 terminals ({len(tills)}), {min(concurrent, len(tills))} "
            f"concurrent, {entries} entries each, pushed {batch} a request; serve --workers "
            f"{workers} --threads {serve_threads or 'default'}; load average {load} at the "
            f"start, {uptime()} at the end"
        )
        print(f"verdicts: {total}")
        print(
            f"entries committed: {settled / wall:,.0f}/s over {wall:.1f} s  "
            "target >= 2,000/s with 100 terminals"
        )
        print(f"push ({batch} entries): p50 {p(pushes, 0.5):.0f} ms, p99 {p(pushes, 0.99):.0f} ms")
        print(f"pull: p50 {p(pulls, 0.5):.0f} ms, p99 {p(pulls, 0.99):.0f} ms")
        print(
            f"central CPU: serve and its workers {cpu:.1f} s ({per * cpu:.2f} ms per entry), "
            f"PostgreSQL's {len(pg.seen)} processes for it {pg_cpu:.1f} s "
            f"({per * pg_cpu:.2f} ms per entry); "
            f"both: {100 * (cpu + pg_cpu) / wall:.0f}% of one core, "
            f"{per * (cpu + pg_cpu):.2f} ms per entry: 2,000 entries/s would take "
            f"{2 * per * (cpu + pg_cpu):.1f} cores' worth at that cost"
        )
        print(
            f"load generator (this process, {min(concurrent, len(tills))} threads): "
            f"{own_cpu:.1f} s CPU ({per * own_cpu:.2f} ms per entry), on the same cores"
        )
        if errors:
            print(f"load generator errors ({len(errors)}): {errors[:5]}")
        if waits:
            print(
                f"online sale under load, wait for central: p50 {p(waits, 0.5):.0f} ms, "
                f"p95 {p(waits, 0.95):.0f} ms, max {max(waits):.0f} ms over {len(waits)} "
                f"sales; {len(timeouts)} not answered within {ONLINE_TIMEOUT:.0f} s  "
                "target p95 <= 50 ms"
            )
        if check:
            _check(central, "after the load")
            assert not errors, errors[:5]


def _profile_serve(folder: str) -> None:
    """serve (started after this) runs its workers under yappi (bench/serve_profile)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    hook = str(Path(__file__).parent / "serve_profile")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [hook, os.environ.get("PYTHONPATH")]))
    os.environ["SERIALPOS_YAPPI"] = str(Path(folder).resolve())


def _profile_from_now(serve: int) -> None:
    """serve's workers drop what their start-up counted and save from now on."""
    with open(f"/proc/{serve}/task/{serve}/children") as f:
        children = [int(pid) for pid in f.read().split()]
    for pid in children:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if b"spawn_main" in f.read():
                os.kill(pid, signal.SIGUSR1)


def _check(central: Database, when: str) -> None:
    """``db check``'s ledger checks (hash chains, feed, units against their events)."""
    began = time.perf_counter()
    problems = check_ledger(central)
    print(f"db check {when}: {len(problems)} problems ({time.perf_counter() - began:.0f} s)")
    assert not problems, problems[:5]


def _online_clients(online_tills: list[Till], base: str) -> list[tuple[Till, CentralClient]]:
    """A client per online till, its snapshot taken (before the load: the snapshot is not
    the online sale's wait)."""
    clients = []
    for till in online_tills:
        client = CentralClient(base, till.token, timeout=ONLINE_TIMEOUT)
        client.get_json("/v1/snapshot", store=till.store, terminal=till.terminal)
        clients.append((till, client))
    return clients


def _online_sales(
    clients: list[tuple[Till, CentralClient]], load: list[threading.Thread], timeouts: list[str]
) -> list[float]:
    """While the load runs, each online till sells its units one at a time, each pushed at
    once as ``apply --push`` does: the wait for central's verdict. A sale central did not
    answer within :data:`ONLINE_TIMEOUT` is named in ``timeouts`` and counted as that wait
    (the till would have kept it pending); the run goes on."""
    waits: list[float] = []
    for n in range(ONLINE_SALES):
        if not any(t.is_alive() for t in load):
            break
        for till, client in clients:
            began = time.perf_counter()
            try:
                [verdict] = client.post_lines([till.entry(till.serials[n])])
            except Offline:  # no answer within the client's timeout: counted as such
                waits.append(ONLINE_TIMEOUT * 1000)
                timeouts.append(till.terminal)
                continue
            waits.append((time.perf_counter() - began) * 1000)
            assert verdict["ok"], verdict
        time.sleep(0.05)
    return waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=RUN_KWARGS["stores_n"])
    parser.add_argument("--entries", type=int, default=RUN_KWARGS["entries"], help="per terminal")
    parser.add_argument("--batch", type=int, default=RUN_KWARGS["batch"], help="entries per push")
    parser.add_argument(
        "--overlap", type=int, default=RUN_KWARGS["overlap"], help="units in 100 sold at both"
    )
    parser.add_argument(
        "--online", type=int, default=RUN_KWARGS["online"], help="tills selling one at a time"
    )
    parser.add_argument(
        "--online-apart",
        action="store_true",
        help="the online tills at stores of their own (else at the first stores, beside "
        "terminals pushing there: their sales then also wait for those stores' locks)",
    )
    parser.add_argument("--workers", type=int, default=RUN_KWARGS["workers"])
    parser.add_argument(
        "--concurrent",
        type=int,
        default=0,
        help="terminals working at once (threads); 0: all (full size: --stores 1000 "
        "--concurrent 100)",
    )
    parser.add_argument("--threads", type=int, default=0, help="serve's; 0: its default")
    parser.add_argument(
        "--check", action="store_true", help="db check's ledger checks after set-up and load"
    )
    parser.add_argument(
        "--profile-serve",
        metavar="DIR",
        help="profile serve's workers over the load (yappi; a pstats file per worker in DIR)",
    )
    args = parser.parse_args()
    run(
        args.stores,
        args.entries,
        args.batch,
        args.overlap,
        args.online,
        args.workers,
        args.concurrent,
        args.threads,
        args.check,
        args.online_apart,
        args.profile_serve,
    )


if __name__ == "__main__":
    main()
