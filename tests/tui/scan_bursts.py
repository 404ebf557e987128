"""Keys as a wedge scanner sends them, for the console tests: one burst (every key in one read
of the terminal, 2 ms apart on the wedge's clock), or the same burst cut in small pieces with
short real pauses between them (a scanner on a slow link, or an SSH session's jitter)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from tui_helpers import PERSON, SCANNER, KeyClock, settle, terminal_keys

#: How the keys arrive: ``burst`` all at once; ``jitter`` in pieces of 3 keys, 60 ms apart.
ARRIVALS = [pytest.param("burst", id="burst"), pytest.param("jitter", id="jitter")]


async def scanner_types(pilot: Pilot[object], clock: KeyClock, text: str, arrival: str) -> None:
    """Send ``text`` (its ``\\r`` is Enter, ``\\t`` Tab) as a scanner types it, then settle."""
    clock.now += PERSON
    clock.step = SCANNER
    keys = terminal_keys(text)
    piece = len(keys) if arrival == "burst" else 3
    for start in range(0, len(keys), piece):
        for event in keys[start : start + piece]:
            pilot.app.post_message(event)
        if arrival == "jitter":
            clock.now += 0.06
            await pilot.pause(0.06)
    await settle(pilot)
    clock.step = PERSON
