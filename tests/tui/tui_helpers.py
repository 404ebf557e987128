"""Helpers for the console tests: sizes, logging in, waiting for workers, reading the screen.

pytest-asyncio is not a dependency, so async scenarios run through :func:`async_test`.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec

import pytest
from textual.pilot import Pilot

from serialpos.services.demo import DEMO_USERS
from serialpos.tui.app import SerialposApp

COUNTER = (80, 24)
HANDHELD = (40, 16)
SIZES = [pytest.param(COUNTER, id="80x24"), pytest.param(HANDHELD, id="40x16")]
PINS = {name: pin for name, _role, pin in DEMO_USERS}
MakeApp = Callable[..., SerialposApp]

P = ParamSpec("P")


def async_test(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async test function in its own event loop (fixtures still arrive by name)."""

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


async def settle(pilot: Pilot[object]) -> None:
    """Let workers finish and their messages land."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def log_in(pilot: Pilot[object], user: str, pin: str | None = None) -> None:
    await settle(pilot)
    await pilot.press(*user, "tab", *(pin if pin is not None else PINS[user]), "enter")
    await settle(pilot)


def screen_text(app: SerialposApp) -> str:
    """What the terminal shows, as plain lines (test-only use of the compositor)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)
