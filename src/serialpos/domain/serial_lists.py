"""Serials in bulk: a pasted list, or a range for consecutive numbers (``SN1001-SN1100``).

A range is ``PREFIX<digits>-PREFIX<digits>`` with the same prefix and digit width and
start <= end. Anything else with a hyphen (``LX-001``, a hyphenated IMEI) is one serial. A list
with one bad entry is refused whole, with that entry named: receiving half a list is how
serials get lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from serialpos.domain.errors import BadSerial, DomainError, DuplicateSerial
from serialpos.domain.serials import MAX_SERIAL_LENGTH, require_serial
from serialpos.domain.text import clip

MAX_RANGE_UNITS = 10_000
MAX_LIST_UNITS = 100_000

_RANGE = re.compile(r"^(?P<p1>(?:.*\D)?)(?P<d1>\d+)-(?P<p2>(?:.*\D)?)(?P<d2>\d+)$")
#: ASCII space, tab, CR, LF, commas and semicolons only. ``\s`` would also part entries at a
#: no-break space, U+2028 or U+3000, taking ``SN1<U+00A0>2`` as ``SN1`` and ``2`` where the
#: contract refuses such a serial, naming the character (``domain/serials.py``).
_SEPARATORS = re.compile(r"[ \t\r\n,;]+")


def expand_range(text: str) -> list[str] | None:
    """The serials a range stands for, or ``None`` when ``text`` is not a range (then it is
    one serial). A range that is one but is unusable (backwards, too long) is refused."""
    if text.count("-") != 1:
        return None
    match = _RANGE.match(text)
    if match is None:
        return None
    p1, d1, p2, d2 = match["p1"], match["d1"], match["p2"], match["d2"]
    if p1 != p2 or len(d1) != len(d2):
        return None
    start, end = int(d1), int(d2)
    if start > end:
        raise BadSerial(f"range '{clip(text)}' runs backwards: {d1} is after {d2}")
    count = end - start + 1
    if count > MAX_RANGE_UNITS:
        raise BadSerial(
            f"range '{clip(text)}' is {count:,} units; at most {MAX_RANGE_UNITS:,} in one range"
        )
    width = len(d1)
    if len(p1) + width > MAX_SERIAL_LENGTH:
        raise BadSerial(f"range '{clip(text)}' makes serials longer than {MAX_SERIAL_LENGTH}")
    return [f"{p1}{n:0{width}d}" for n in range(start, end + 1)]


def parse_serial_list(text: str) -> list[str]:
    """Every serial in a paste (entries separated by line breaks, spaces, commas or
    semicolons), ranges expanded, in the order given. Refused whole on a bad entry or on a
    serial given twice, naming the entry."""
    entries = [e for e in _SEPARATORS.split(text) if e]
    if not entries:
        raise BadSerial("the list holds no serials")
    serials: list[str] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        try:
            expanded = expand_range(entry)
            batch = expanded if expanded is not None else [require_serial(entry)]
        except BadSerial as exc:
            raise BadSerial(f"entry {number} '{clip(entry)}': {exc}") from None
        for serial in batch:
            if serial in seen:
                raise BadSerial(
                    f"entry {number} '{clip(entry)}': serial {serial} is listed "
                    f"twice (first in entry {seen[serial]})"
                )
            seen[serial] = number
            serials.append(serial)
        if len(serials) > MAX_LIST_UNITS:
            raise BadSerial(f"the list holds more than {MAX_LIST_UNITS:,} serials")
    return serials


def refuse_added_and_removed(
    added: Iterable[tuple[str, str]], removed: Iterable[tuple[str, str]]
) -> None:
    """Refuse one adjustment that both adds and removes the same unit (``(sku, serial)``
    pairs): it nets to nothing yet would write two events, written off and found again in
    one breath, which no count ever meant; the serial is named so the list can be fixed.
    A serial that is no serial at all is left for the ledger's own refusal."""
    gone: set[tuple[str, str]] = set()
    for sku, raw in removed:
        try:
            gone.add((sku, require_serial(raw)))
        except DomainError:
            continue
    for sku, raw in added:
        try:
            serial = require_serial(raw)
        except DomainError:
            continue
        if (sku, serial) in gone:
            raise DuplicateSerial(
                f"serial {serial} of {sku} is both added and removed in one adjustment; "
                "list it once, on the side it belongs"
            )
