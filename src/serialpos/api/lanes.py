"""Which of ``POST /v1/apply``'s transactions gets a worker thread first: a till waiting for
its receipt goes ahead of a terminal catching up.

serve runs requests' database work on ``--threads`` threads per worker (anyio's limiter,
first come, first served). A terminal catching up after an outage pushes hundreds of entries,
applied a transaction at a time (services/entry_lines.py), and each of its transactions queues
again for a thread: with a few such pushes at once the queue is always full of them, and an
online sale (one entry, the till's receipt waiting for central's answer) queued behind every
push's next transaction; with two online tills during pushes of 500 one waited past the
client's 60 s (bench/README.md, offline_scale_bench). Two rules, both at the door of the
thread pool (nothing running is interrupted, and an entry's transaction stays whole):

- a catching-up push's transactions hold at most ``threads - reserve`` threads at once
  (:func:`reserved`), so a few threads are always free of them: an online sale, a pull or a
  lookup never waits for more than the catch-up transactions already running to end;
- a catching-up transaction does not start while an online push is waiting for a thread:
  the online one goes first. Catch-up yields only to sales queued, never to sales running,
  so a steady stream of online sales (each on a reserved thread) does not starve it.

Why not a second pool: the database connections are one per thread (session.open_database),
and a pool of its own for online sales would either idle connections most of the day or
take them from catch-up; one pool with an order of admission keeps every thread at work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")

#: A push of at most this many lines, the whole body in when its first line is applied, is
#: online: a till's sale pushed at once (with whatever else was waiting at that till).
#: Anything bigger catches up (a terminal's round after an outage, a host's batch).
ONLINE_LINES = 5

#: anyio's default number of threads, which create_app leaves when given none.
ANYIO_THREADS = 40


def reserved(threads: int) -> int:
    """Threads that catching-up transactions never hold: a quarter, at least one (none when
    there is one thread: then only the order of admission puts an online sale first)."""
    return 0 if threads <= 1 else max(1, threads // 4)


class Lanes:
    """The order in which apply's transactions take a worker thread, in one worker process
    (its event loop: every method runs there)."""

    def __init__(self, threads: int | None) -> None:
        total = ANYIO_THREADS if threads is None else threads
        self.catch_up_threads = total - reserved(total)
        self._catching_up = 0
        self._online_waiting = 0
        self._waiters: list[asyncio.Future[None]] = []

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def online(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on a worker thread, ahead of any catching-up transaction waiting."""
        loop = asyncio.get_running_loop()
        self._online_waiting += 1
        on_thread = False

        def started() -> None:
            nonlocal on_thread
            if not on_thread:
                on_thread = True
                self._online_waiting -= 1
                self._wake()

        def call() -> T:
            loop.call_soon_threadsafe(started)
            return fn(*args)

        try:
            return await run_in_threadpool(call)
        finally:
            started()  # cancelled before a thread took it: no longer waiting either

    async def catch_up(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on a worker thread once no online push is waiting for one and fewer
        than :attr:`catch_up_threads` catching-up transactions are running."""
        loop = asyncio.get_running_loop()
        while self._catching_up >= self.catch_up_threads or self._online_waiting:
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            await waiter
        self._catching_up += 1
        try:
            return await run_in_threadpool(fn, *args)
        finally:
            self._catching_up -= 1
            self._wake()
