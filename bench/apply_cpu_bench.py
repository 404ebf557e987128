"""Central's CPU per journal entry, in process (issue 16): the pushes of
offline_scale_bench.py (N stores x 2 terminals, ``--batch`` entries a push, ``--overlap``
units in 100 sold at both tills of a store, so conflicts are part of it) applied through
``entry_lines.apply_run`` with each push's bearer token, as ``POST /v1/apply`` does, on one
connection to PostgreSQL, without HTTP. It prints this process's CPU and PostgreSQL's
(its server process, from /proc) per entry, which the machine's load changes far less than
wall time, and the statements per entry, which it does not change at all.

Old and new trees alternate by running this file twice with ``PYTHONPATH`` pointing at
each tree's ``src``. ``--profile FILE`` writes a cProfile (CPU clock) of the applying
part, or with a name ending in ``.txt`` a pyinstrument sampling profile (wall clock;
pyinstrument installed by hand).

    .venv/bin/python bench/apply_cpu_bench.py [--stores 10] [--entries 40] [--batch 20]
        [--overlap 5] [--profile /tmp/apply.prof] [--budget S] [--skip-apply] [--writes]
        [--pull]

``--writes`` also prints what PostgreSQL wrote per entry, by table and index
(bench/pg_writes.py: its statistics of the case's schema before and after the pushes).
    valgrind --tool=callgrind .venv/bin/python bench/apply_cpu_bench.py --budget 10 ...
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import sqlalchemy as sa

import pg_writes
from benchkit import PgCpu, pg_schema, uptime
from offline_scale_bench import Till, _setup
from serialpos.db import migrate
from serialpos.services import entry_lines, feed, tokens

#: run.py's sizes (its ``run`` takes them as arguments; the command line's defaults are these).
RUN_KWARGS: dict[str, object] = {"stores_n": 10, "entries": 40, "batch": 20, "overlap": 5}
QUICK_KWARGS: dict[str, object] = {"stores_n": 2, "entries": 10, "batch": 5, "overlap": 5}


def _pushes(tills: list[Till], batch: int) -> list[tuple[Till, list[bytes]]]:
    """Every terminal's pushes, interleaved terminal by terminal as concurrent tills'
    would arrive."""
    per_till = [
        [
            (till, [till.entry(s).encode() for s in till.serials[at : at + batch]])
            for at in range(0, len(till.serials), batch)
        ]
        for till in tills
    ]
    out: list[tuple[Till, list[bytes]]] = []
    for k in range(max(len(p) for p in per_till)):
        out += [p[k] for p in per_till if k < len(p)]
    return out


def _count_commands() -> list[int]:
    """Counts the commands psycopg sends itself (``BEGIN``, ``COMMIT``, ``SAVEPOINT``: each a
    round trip that ``before_cursor_execute`` does not see) from now on, in this process."""
    import psycopg

    counted = [0]
    sent = psycopg.Connection._exec_command

    def command(conn: Any, *args: Any, **kwargs: Any) -> Any:
        counted[0] += 1
        return sent(conn, *args, **kwargs)

    psycopg.Connection._exec_command = command  # type: ignore[method-assign]
    return counted


def run(
    stores_n: int,
    entries: int,
    batch: int,
    overlap: int,
    profile: str | None = None,
    budget: float | None = None,
    skip: bool = False,
    writes: bool = False,
    pull: bool = False,
) -> None:
    if budget is not None:  # a transaction's time budget (services/entries.py) for a slow run
        from serialpos.services import entries as entries_module

        kwdefaults = entries_module.apply_entries.__kwdefaults__
        assert kwdefaults is not None
        kwdefaults["budget"] = budget
    with pg_schema() as central:
        migrate.upgrade(central)
        tills, _online = _setup(central, stores_n, entries, overlap, 0)
        pushes = [] if skip else _pushes(tills, batch)
        said = {"sql": 0}

        def count(*_args: object) -> None:
            said["sql"] += 1

        sa.event.listen(central.engine, "before_cursor_execute", count)
        commands = _count_commands()  # BEGIN, COMMIT, SAVEPOINT: round trips too
        cursors: dict[str, int] = {}
        after = feed.last_seq(central)
        verdicts: dict[str, int] = {}
        profiler = None
        if profile and profile.endswith(".txt"):  # a sampling profile (pyinstrument installed)
            import pyinstrument

            profiler = pyinstrument.Profiler(interval=0.0005, async_mode="disabled")
        elif profile:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
        if writes:
            pg_writes.settle(central)
            written = pg_writes.counts(central)
        load = uptime()
        pg = PgCpu(central).start()
        began, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.start() if hasattr(profiler, "start") else profiler.enable()
        for till, lines in pushes:
            bearer = tokens.Bearer(central, till.token)
            for first in entry_lines.runs(list(lines), 1):
                part: entry_lines.Run | None = first
                while part is not None:
                    answered, part = entry_lines.apply_run(central, bearer, part)
                    for verdict in answered:
                        key = "accepted" if verdict["ok"] else str(verdict.get("error"))
                        verdicts[key] = verdicts.get(key, 0) + 1
            if pull:  # the terminal's pull after its push, as offline_scale_bench's do
                page = feed.events_for(
                    central,
                    tokens.Bearer(central, till.token),
                    cursors.get(till.token, after),
                    1000,
                )
                json.dumps([e.to_json() for e in page.events], default=str)
                cursors[till.token] = page.next
        if profiler is not None:
            if hasattr(profiler, "stop"):
                profiler.stop()
                with open(profile, "w") as out:
                    out.write(profiler.output_text(unicode=False, show_all=False))
            else:
                profiler.disable()
                profiler.dump_stats(profile)
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - began
        pg_cpu = pg.stop()
        n = max(sum(verdicts.values()), 1)
        print(
            f"{stores_n} stores x 2 terminals, {entries} entries each, pushes of {batch}, "
            f"{overlap}% sold at both{', each push followed by its pull' if pull else ''}; "
            f"load {load} -> {uptime()}"
        )
        print(f"verdicts: {verdicts}")
        print(
            f"per entry: Python {1000 * cpu / n:.3f} ms + PostgreSQL {1000 * pg_cpu / n:.3f} ms"
            f" = {1000 * (cpu + pg_cpu) / n:.3f} ms CPU; {said['sql'] / n:.2f} statements "
            f"and {(said['sql'] + commands[0]) / n:.2f} round trips (BEGIN, COMMIT...); "
            f"wall {1000 * wall / n:.3f} ms ({n / wall:,.0f} entries/s on one connection)"
        )
        if writes:
            pg_writes.settle(central)
            print("\n".join(pg_writes.report(written, pg_writes.counts(central), n)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=RUN_KWARGS["stores_n"])
    parser.add_argument("--entries", type=int, default=RUN_KWARGS["entries"], help="per terminal")
    parser.add_argument("--batch", type=int, default=RUN_KWARGS["batch"], help="entries per push")
    parser.add_argument(
        "--overlap", type=int, default=RUN_KWARGS["overlap"], help="units in 100 sold at both"
    )
    parser.add_argument("--profile", default=None, help="write a cProfile here")
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds a transaction of entries may take (services/entries.py; under callgrind, "
        "which runs 50x slower, give it what the entries would take at full speed)",
    )
    parser.add_argument(
        "--skip-apply",
        action="store_true",
        help="set up only (callgrind: the set-up's instructions, to subtract)",
    )
    parser.add_argument(
        "--writes", action="store_true", help="rows and index entries written per entry"
    )
    parser.add_argument(
        "--pull",
        action="store_true",
        help="each push followed by the terminal's pull of its store's feed, as in "
        "offline_scale_bench (GET /v1/events without HTTP)",
    )
    args = parser.parse_args()
    run(
        args.stores,
        args.entries,
        args.batch,
        args.overlap,
        args.profile,
        args.budget,
        args.skip_apply,
        args.writes,
        args.pull,
    )


if __name__ == "__main__":
    main()
