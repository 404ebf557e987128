"""api/lanes.py in one event loop, without a server: an online push takes a thread of its own
while every shared thread is held (pulls, lookups), and catching-up transactions waiting do
not stand in the threads' queue ahead of it."""

from __future__ import annotations

import asyncio
import threading

import anyio.to_thread
from starlette.concurrency import run_in_threadpool

from serialpos.api.lanes import Lanes

THREADS = 4  # 1 online, 3 shared, of which catch-up may hold 2


def test_an_online_push_is_not_queued_behind_busy_shared_threads() -> None:
    lanes = Lanes(THREADS)
    assert (lanes.online_threads, lanes.shared_threads, lanes.catch_up_threads) == (1, 3, 2)
    release = threading.Event()

    def held() -> None:  # a pull holding a shared thread until released
        release.wait(30)

    async def main() -> tuple[bool, list[str]]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = lanes.shared_threads
        pulls = [asyncio.ensure_future(run_in_threadpool(held)) for _ in range(4)]
        await asyncio.sleep(0.2)  # three hold the shared threads, one waits for them
        order: list[str] = []
        late = asyncio.ensure_future(lanes.catch_up(order.append, "catch-up"))
        await lanes.online(order.append, "online")
        still_held = not release.is_set() and not any(p.done() for p in pulls)
        release.set()
        await asyncio.gather(late, *pulls)
        return still_held, order

    still_held, order = asyncio.run(main())
    # Answered while every shared thread was still held; the catch-up transaction waiting
    # before it came after it.
    assert still_held
    assert order == ["online", "catch-up"]


def test_catch_up_waiting_is_not_queued_ahead_of_an_online_push() -> None:
    lanes = Lanes(1)  # one thread: nothing reserved; catch-up may hold it, none wait for it
    assert (lanes.online_threads, lanes.catch_up_threads) == (0, 1)
    release = threading.Event()
    order: list[str] = []

    def running() -> None:  # the catch-up transaction holding the only thread
        release.wait(30)
        order.append("running")

    async def main() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1
        first = asyncio.ensure_future(lanes.catch_up(running))
        await asyncio.sleep(0.1)
        queued = [asyncio.ensure_future(lanes.catch_up(order.append, f"c{n}")) for n in range(3)]
        await asyncio.sleep(0.1)
        online = asyncio.ensure_future(lanes.online(order.append, "online"))
        await asyncio.sleep(0.1)
        release.set()
        await asyncio.gather(first, online, *queued)

    asyncio.run(main())
    assert order == ["running", "online", "c0", "c1", "c2"]
