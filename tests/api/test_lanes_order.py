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


def _futures_made(lanes: Lanes, transactions: int) -> tuple[int, list[int]]:
    """The futures the event loop made while ``transactions`` catching-up transactions,
    queued together, ran one after another; the order they ran in."""

    async def main() -> tuple[int, list[int]]:
        loop = asyncio.get_running_loop()
        anyio.to_thread.current_default_thread_limiter().total_tokens = lanes.shared_threads
        made = 0
        create = loop.create_future

        def counted() -> asyncio.Future[object]:
            nonlocal made
            made += 1
            return create()

        loop.create_future = counted  # type: ignore[method-assign]
        ran: list[int] = []
        await asyncio.gather(*(lanes.catch_up(ran.append, n) for n in range(transactions)))
        return made, ran

    return asyncio.run(main())


def test_a_place_given_back_wakes_one_waiting_transaction_not_all() -> None:
    """With fifty pushes waiting per worker (100 terminals, 2 workers), each transaction's
    end woke every waiting one, to find the place taken and wait again: a future and a task
    step per waiter per transaction, most of the event loop's CPU. One wakes now, the first
    come."""
    lanes = Lanes(1)  # one catch-up place: all but the first wait
    made, ran = _futures_made(lanes, 60)
    assert ran == list(range(60))  # first come, first served
    assert made <= 60  # one wait each at most (waking all: about 60 * 59 / 2)


def test_a_cancelled_waiting_transaction_leaves_its_place_to_the_next() -> None:
    """A push whose client went away while its transaction waited (cancelled) keeps no
    place: the ones behind it run, and a later one is not stuck behind it."""
    lanes = Lanes(1)
    release = threading.Event()

    async def main() -> list[str]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = lanes.shared_threads
        order: list[str] = []
        first = asyncio.ensure_future(lanes.catch_up(release.wait, 30))
        await asyncio.sleep(0.05)
        gone = asyncio.ensure_future(lanes.catch_up(order.append, "gone"))
        behind = asyncio.ensure_future(lanes.catch_up(order.append, "behind"))
        await asyncio.sleep(0.05)
        gone.cancel()
        release.set()
        await asyncio.gather(first, behind)
        await asyncio.wait_for(lanes.catch_up(order.append, "later"), 5)
        assert gone.cancelled()
        return order

    assert asyncio.run(main()) == ["behind", "later"]
