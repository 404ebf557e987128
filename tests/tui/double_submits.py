"""Pressing again while a screen's first submit still runs (tests/tui/test_double_submits*.py):
wait for the second submit's answer, and tell whether the screen said the first still runs.

Textual "cancels" the older worker of an exclusive group when a newer one starts, but a thread
worker cannot be stopped: both service calls ran. Each test holds the first call (its write
made, its answer not yet back: :class:`~tui_helpers.HeldRead`), submits again, lets the first
go, and checks that the service was called once, what the database holds, and what is on the
screen (tui/backend.one_at_a_time).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot
from tui_helpers import (
    HeldRead,
    keys_released,
    screen_text,
)

from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.message_line import MessageLine

STILL = "still working"


async def until(pilot: Pilot[object], shown: Callable[[], bool], what: str) -> None:
    """Wait until ``shown()`` holds."""
    deadline = time.monotonic() + 15
    while not shown():
        if time.monotonic() > deadline:
            raise AssertionError(f"never: {what}; the screen:\n{screen_text(pilot.app)}")
        await pilot.pause(0.01)


def still_said(pilot: Pilot[object]) -> bool:
    """The screen in front says the first submit still runs."""
    line = pilot.app.screen.query(MessageLine)
    return bool(line) and STILL in line.first().text


async def second_handled(pilot: Pilot[object], held: HeldRead) -> None:
    """Wait until the second submit was answered: said to be refused while the first runs,
    or (the defect) its own call made."""
    await until(pilot, lambda: held.calls >= 2 or still_said(pilot), "the second submit")


async def pressed_again(pilot: Pilot[object], held: HeldRead, *keys: str) -> None:
    """The first submit held in its service call, ``keys`` pressed again meanwhile and
    handled, then the call let go: the service was called once."""
    await held.held(pilot)
    await pilot.press(*keys)
    await second_handled(pilot, held)
    await held.let_go(pilot)
    assert held.calls == 1


async def settle_keys(pilot: Pilot[object]) -> None:
    """The keys pressed have acted (a letter waits one key gap for a scan to follow it)."""
    await keys_released(pilot)
    await pilot.pause()


async def answer_yes(pilot: Pilot[object]) -> None:
    """A question asked again for the second submit (the defect): a hurried yes."""
    await settle_keys(pilot)
    if isinstance(pilot.app.screen, Confirm):
        await pilot.press("y")
