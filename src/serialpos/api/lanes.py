"""Which of ``POST /v1/apply``'s transactions gets a worker thread first: a till waiting for
its receipt goes ahead of a terminal catching up.

serve runs requests' database work on ``--threads`` threads per worker (anyio's limiter,
first come, first served). A terminal catching up after an outage pushes hundreds of entries,
applied a transaction at a time (services/entry_lines.py), and each of its transactions queues
again for a thread: with a few such pushes at once the queue is always full of them, and an
online sale (one entry, the till's receipt waiting for central's answer) queued behind every
push's next transaction; with two online tills during pushes of 500 one waited past the
client's 60 s (bench/README.md, offline_scale_bench); and behind the pulls that follow
every push, which queue for the same threads. Two rules, both at the door of the threads
(nothing running is interrupted, and an entry's transaction stays whole):

- online pushes have threads of their own, :func:`reserved` of the worker's ``threads``
  (2 of 8), taken from the shared limiter every other request uses (6 of 8): an online sale
  waits only for other online sales, never behind pulls, lookups or catch-up;
- a catching-up push's transactions hold at most the shared threads less as many again
  (4 of 8), so pulls and lookups never wait for more than the catch-up transactions running.

Threads, not connections: the pool's connections are shared by all threads
(session.open_database sizes it to ``threads``), so an online thread idle most of the day
holds nothing. With one thread (``serve --threads 1``) nothing is reserved: an online push
then waits for the one transaction running, as catch-up holds one thread at most and the
threads are taken first come, first served.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import anyio
import anyio.to_thread
from starlette.concurrency import run_in_threadpool

T = TypeVar("T")

#: A push of at most this many lines, the whole body in when its first line is applied, is
#: online: a till's sale pushed at once (with whatever else was waiting at that till).
#: Anything bigger catches up (a terminal's round after an outage, a host's batch).
ONLINE_LINES = 5

#: anyio's default number of threads, which create_app leaves when given none.
ANYIO_THREADS = 40


def reserved(threads: int) -> int:
    """Threads kept for online pushes, and kept from catch-up among the shared ones: a
    quarter of ``threads``, at least one (none when there is one thread: then only the order
    of admission puts an online push first)."""
    return 0 if threads <= 1 else max(1, threads // 4)


class Lanes:
    """The order in which apply's transactions take a worker thread, in one worker process
    (its event loop: every method runs there)."""

    def __init__(self, threads: int | None) -> None:
        total = ANYIO_THREADS if threads is None else threads
        #: Threads for online pushes only (none when the worker's threads are not set:
        #: anyio's default limiter is then left as it is, and shared).
        self.online_threads = 0 if threads is None else reserved(total)
        #: Threads of the shared limiter (every request but online pushes).
        self.shared_threads = total - self.online_threads
        self.catch_up_threads = max(1, self.shared_threads - reserved(total))
        self._online_limiter: anyio.CapacityLimiter | None = None
        #: Catch-up places taken: running, or handed to a waiter that has not run yet.
        self._catching_up = 0
        #: Catch-up transactions waiting for a place, first come first served.
        self._waiters: deque[asyncio.Future[None]] = deque()

    def _release(self) -> None:
        """A catch-up place given back: handed to the first transaction still waiting (one
        wakes, not all: a push's every transaction woke every waiting push before, each to
        find the place taken and queue again, and with fifty pushes waiting per worker that
        was most of the event loop's CPU at 100 terminals), else freed."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # a waiter cancelled meanwhile (its client gone) is passed
                waiter.set_result(None)
                return
        self._catching_up -= 1

    async def online(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on an online thread (a shared one when none is reserved)."""
        if not self.online_threads:
            return await run_in_threadpool(fn, *args)
        if self._online_limiter is None:  # made in the event loop it serves
            self._online_limiter = anyio.CapacityLimiter(self.online_threads)
        return await anyio.to_thread.run_sync(partial(fn, *args), limiter=self._online_limiter)

    async def catch_up(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on a shared thread once fewer than :attr:`catch_up_threads`
        catching-up transactions are running."""
        if self._catching_up < self.catch_up_threads and not self._waiters:
            self._catching_up += 1
        else:  # behind those waiting already: a place is handed over, never taken past them
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._release()  # handed a place, then cancelled: the next one takes it
                raise
        try:
            return await run_in_threadpool(fn, *args)
        finally:
            self._release()
