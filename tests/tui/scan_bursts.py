"""Keys as a wedge scanner sends them, for the console tests: one burst (every key in one read
of the terminal, 2 ms apart on the wedge's clock), or the same burst cut in small pieces with
short real pauses between them (a scanner on a slow link, or an SSH session's jitter), or its
first key alone and the rest after a pause (``ssh -t``: nothing says a burst has begun until
its second key)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from tui_helpers import PERSON, SCANNER, KeyClock, settle, terminal_keys

#: How the keys arrive: ``burst`` all at once; ``jitter`` in pieces of 3 keys, 60 ms apart.
ARRIVALS = [pytest.param("burst", id="burst"), pytest.param("jitter", id="jitter")]
#: ``lone``: the first key alone, 60 ms before the rest (which come in pieces as ``jitter``).
FIRST_KEY_ARRIVALS = [*ARRIVALS, pytest.param("lone", id="lone")]


async def scanner_types(pilot: Pilot[object], clock: KeyClock, text: str, arrival: str) -> None:
    """Send ``text`` (its ``\\r`` is Enter, ``\\t`` Tab) as a scanner types it, then settle."""
    clock.now += PERSON
    clock.step = SCANNER
    keys = terminal_keys(text)
    piece = len(keys) if arrival == "burst" else 3
    starts = list(range(0, len(keys), piece))
    if arrival == "lone":
        starts = [0, *range(1, len(keys), piece)]
    clock.sending = True
    for start, stop in zip(starts, [*starts[1:], len(keys)], strict=True):
        for event in keys[start:stop]:
            clock.send(pilot.app, event)
        if arrival != "burst":
            clock.now += 0.06
            await pilot.pause(0.06)
    clock.sending = False
    await settle(pilot)
    clock.step = PERSON


async def one_write(
    pilot: Pilot[object], clock: KeyClock, text: str, after: float = PERSON
) -> None:
    """``text`` in one write of the terminal ``after`` seconds after the last key, as a paste
    without bracketed paste (or a piece of a scan cut by the link) sends it: every key at a
    scanner's pace, no Enter unless ``text`` ends with one; then the pause after it (the
    wedge's timer lets it go)."""
    clock.now += after
    clock.step = SCANNER
    for event in terminal_keys(text):
        pilot.app.post_message(event)
    await settle(pilot)
    clock.step = PERSON
