"""A label's serial that may have swallowed the fields printed after it.

GS1 ends a variable-length field (the serial, AI 21, up to 20 characters) with FNC1, which a
scanner sends as GS (Ctrl+]). Telnet takes Ctrl+] as its escape key and some ssh and
keyboard set-ups drop it; then ``(01)…(21)DRL18-B777 GS (10)LOT1`` arrives as
``01…21DRL18-B77710LOT1`` and reads, by the standard, as the serial ``DRL18-B77710LOT1``:
a unit received under a serial no label of it carries (walk of session eighteen).

Nothing in the scan says which reading is true, but two things make the run-on likely: no
separator anywhere in the scan (a scanner that sends GS would have sent one after a serial
followed by more fields), and an end of the serial that reads whole as the fields labels print
after a serial (a batch or lot, AI 10, or a date, AI 11-17). Such a scan cannot make a **new**
unit from its label (domain/scan_resolution.py): a person reads the label and types the
serial, or sets the scanner's FNC1 substitute (docs/scanners.md). A serial the ledger already
knows is that unit's, whatever it holds.
"""

from __future__ import annotations

from typing import Final

from biip import ParseConfig

from serialpos.domain.decoder.gs1 import read_element_strings
from serialpos.domain.decoder.scan import GS, Unreadable

#: The AIs labels print after a serial: a batch or lot, and the dates.
_AFTER_A_SERIAL: Final = frozenset(("10", "11", "13", "15", "16", "17"))
#: The fewest characters a serial keeps before a run-on (no shorter reading is offered).
_SHORTEST_SERIAL: Final = 4
_WORDS: Final = {
    "10": "batch/lot (10)",
    "11": "production date (11)",
    "13": "packaging date (13)",
    "15": "best before (15)",
    "16": "sell by (16)",
    "17": "expiry (17)",
}


def serial_run_on(serial: str) -> tuple[str, str] | None:
    """``("DRL18-B777", "batch/lot (10) 'LOT1'")``: the serial before, and the fields after
    in words, where the end of ``serial`` reads whole as element strings beginning with a
    batch/lot or date AI (the shortest such end: the longest serial); None otherwise."""
    config = ParseConfig(separator_chars=(GS,))
    for cut in range(len(serial) - 3, _SHORTEST_SERIAL - 1, -1):
        tail = serial[cut:]
        if tail[:2] not in _AFTER_A_SERIAL:
            continue
        try:
            elements = read_element_strings(tail, GS, config)
        except Unreadable:
            continue
        if not all(e.value[:1].isalnum() for e in elements):
            continue  # "SN-2024-10-001": a lot or date never starts with "-" or "/"
        words = ", ".join(f"{_WORDS.get(e.ai.ai, f'({e.ai.ai})')} '{e.value}'" for e in elements)
        return serial[:cut], words
    return None
