"""What one store terminal's push costs central, counted (issue 16, the scale target): the
statements and round trips to PostgreSQL, the transactions and the thread hand-offs of a
push of N plain sales through ``POST /v1/apply`` and of the pull after it (``GET
/v1/events``), at N = 1, 20, 100 and 500 (the real client pushes up to 500 pending entries
at once: terminal/push.py ``PUSH_BATCH``), and a push of 20 and of 100 with one entry whose
unit the store's other till sold first (a conflict, as 2.5% of the scale bench's entries are).

Counts, not timings: no load changes them, so old and new trees compare exactly (run this
file with ``PYTHONPATH`` pointing at each tree's ``src``). The app runs in process (httpx's
ASGI transport, the whole body in one message, as uvicorn gives a body that is all in when
the route first reads it); a round trip is a statement sent through a cursor
(``before_cursor_execute``) or a command psycopg sends itself (``BEGIN``, ``COMMIT``,
``SAVEPOINT``); a hand-off is a call to a worker thread (``anyio.to_thread.run_sync``: the
route's lanes and Starlette's thread pool). Each push is a terminal's second or later (its
first reads its link once).

    .venv/bin/python bench/push_count_bench.py [--sizes 1,20,100,500] [--show 20]

``--show N`` also prints the statements of the push of N, one a line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio.to_thread
import httpx
import psycopg
import sqlalchemy as sa

from benchkit import pg_schema
from offline_scale_bench import Till, _setup
from serialpos.api.app import create_app
from serialpos.db import migrate, snapshot_sql
from serialpos.db.engine import Database

SIZES = (1, 20, 100, 500)
#: Pushes with one conflict: (entries, the conflicting entry's place in the push).
CONFLICTS = ((20, 10), (100, 50))


class Counter:
    """Round trips and thread hand-offs while :meth:`counting`."""

    def __init__(self, db: Database) -> None:
        self.said: list[str] = []
        self.handoffs = 0
        self.on = False
        sa.event.listen(db.engine, "before_cursor_execute", self._statement)

    def _statement(self, _c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        if self.on:
            self.said.append(" ".join(statement.split())[:90])

    @contextmanager
    def patched(self) -> Iterator[None]:
        sent = psycopg.Connection._exec_command
        run_sync = anyio.to_thread.run_sync

        def command(conn: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
            if self.on:
                self.said.append(bytes(command).decode())
            return sent(conn, command, *args, **kwargs)

        async def hop(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            if self.on:
                self.handoffs += 1
            return await run_sync(func, *args, **kwargs)

        psycopg.Connection._exec_command = command  # type: ignore[method-assign]
        anyio.to_thread.run_sync = hop
        try:
            yield
        finally:
            psycopg.Connection._exec_command = sent  # type: ignore[method-assign]
            anyio.to_thread.run_sync = run_sync

    async def of(self, work: Callable[[], Any]) -> tuple[Any, list[str], int]:
        self.said, self.handoffs, self.on = [], 0, True
        try:
            return await work(), self.said, self.handoffs
        finally:
            self.on = False


def _statements(said: list[str]) -> int:
    return sum(1 for s in said if not s.startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")))


def _transactions(said: list[str]) -> int:
    return sum(1 for s in said if s.startswith("BEGIN"))


async def _push(client: httpx.AsyncClient, till: Till, serials: list[str]) -> list[dict]:
    body = "".join(till.entry(s) + "\n" for s in serials).encode()
    response = await client.post(
        "/v1/apply",
        content=body,
        headers={"Authorization": f"Bearer {till.token}", "Content-Type": "application/x-ndjson"},
    )
    response.raise_for_status()
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


async def _pull(client: httpx.AsyncClient, till: Till, after: int) -> int:
    response = await client.get(
        "/v1/events",
        params={"after": after, "limit": 1000},
        headers={"Authorization": f"Bearer {till.token}"},
    )
    response.raise_for_status()
    return int(response.json()["next"])


async def _measure(db: Database, sizes: list[int], show: int | None) -> list[str]:
    conflicts = [c for c in CONFLICTS if c[0] in sizes] if 20 in sizes else []
    wanted = 1 + sum(sizes) + sum(n for n, _k in conflicts)
    tills, _online = _setup(db, 1, wanted, 0, 0)
    till, other = tills
    after = db.read(snapshot_sql.last_seq)
    counter = Counter(db)
    rows: list[str] = []
    app = create_app(db, threads=8)
    transport = httpx.ASGITransport(app=app)
    with counter.patched():
        async with httpx.AsyncClient(transport=transport, base_url="http://central") as client:
            serials = iter(till.serials)
            first = await _push(client, till, [next(serials)])  # the link is read once
            assert first[0]["ok"], first
            after = await _pull(client, till, after)
            cases = [(n, None) for n in sizes] + [(n, k) for n, k in conflicts]
            for n, at in cases:
                chosen = [next(serials) for _ in range(n)]
                if at is not None:  # the store's other till sold this unit first
                    sold = await _push(client, other, [chosen[at]])
                    assert sold[0]["ok"], sold
                    after = await _pull(client, till, after)
                verdicts, pushed, push_hops = await counter.of(
                    lambda chosen=chosen: _push(client, till, chosen)
                )
                errors = [v.get("error") for v in verdicts if not v["ok"]]
                assert len(verdicts) == n and errors == ([] if at is None else ["sync_conflict"])
                after_pull, pulled, pull_hops = await counter.of(
                    lambda after=after: _pull(client, till, after)
                )
                after = after_pull
                label = f"push of {n}" + ("" if at is None else " with one conflict")
                trips = len(pushed) + len(pulled)
                rows.append(
                    f"{label}: push {_statements(pushed)} statements, {len(pushed)} round trips, "
                    f"{_transactions(pushed)} transactions, {push_hops} hand-offs; pull "
                    f"{len(pulled)} round trips, {pull_hops} hand-offs; per entry "
                    f"{_statements(pushed) / n:.2f} statements, {trips / n:.2f} round trips, "
                    f"{(push_hops + pull_hops) / n:.3f} hand-offs"
                )
                if show == n:
                    print("\n".join(f"  {s}" for s in [*pushed, "-- pull", *pulled]))
    return rows


def run(sizes: str = ",".join(map(str, SIZES)), show: int | None = None) -> None:
    from serialpos.services import entries

    # A transaction of entries ends early when it has taken its time budget (0.1 s): on a
    # loaded machine that would cut a push into more transactions than its size makes, and
    # the counts would depend on the load. Counted here as the push's size cuts it.
    kwdefaults = entries.apply_entries.__kwdefaults__
    assert kwdefaults is not None
    kwdefaults["budget"] = 3600.0
    wanted = [int(s) for s in sizes.split(",") if s.strip()]
    with pg_schema() as central:
        migrate.upgrade(central)
        for row in asyncio.run(_measure(central, wanted, show)):
            print(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--show", type=int, default=None, help="print the push's statements")
    args = parser.parse_args()
    run(args.sizes, args.show)


if __name__ == "__main__":
    main()
