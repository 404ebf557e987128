"""Serials that differ only in letter case are one label: the case-twin rule.

A label is printed in one case; two real units whose serials differ only in letter case
practically never exist, but a scanner with caps lock on, or a hand-typed label, makes
``w2d-9`` out of ``W2D-9``. So a *new* serial equal to a known unit's serial ignoring case,
but not equal exactly, is refused ``duplicate_serial``, naming the recorded serial, its
product, state and store, whichever product either is and whatever state the unit is in.

Decisions taken here:
- Folding is ASCII-only: ``A``-``Z`` become ``a``-``z`` and nothing else changes. It is
  predictable (no locale, no Unicode special cases such as ``ß`` or the Turkish dotless i),
  and it is what SQLite's ``lower()`` does and PostgreSQL's ``lower(serial COLLATE "C")``
  does, so the database index (migration 0037) folds exactly as this module does. Serials
  entering the ledger are plain ASCII already (``domain/serials.py``).
- Exact equality is not a case twin: a unit coming back to its own product (a return, a
  returned sale, a vendor's unit received back, a transfer in) is the same serial, and the
  rule is asked only where a new unit would be made.
- A manager's acceptance of a shared serial (``shared_by``) never accepts a case twin: a
  case twin is a capture error, not two makers' labels.
- A lookup that finds no unit by the exact serial but one serial ignoring case says
  "did you mean W2D-9?"; it never shows that unit as the answer, and never picks one of
  several.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from serialpos.domain.states import UnitState
from serialpos.domain.text import clip

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

#: States in which a case twin is named first (the unit a shop has in hand).
_LIVE = frozenset(
    {UnitState.IN_STOCK, UnitState.RESERVED, UnitState.IN_TRANSIT, UnitState.EXPECTED}
)


def fold(serial: str) -> str:
    """``serial`` with ASCII letters in lower case, nothing else changed (SQLite's lower())."""
    return serial.lower() if serial.isascii() else serial.translate(_ASCII_LOWER)


class Recorded(Protocol):
    """The fields of a recorded unit the rule reads (``scan_resolution.UnitFacts``)."""

    @property
    def serial(self) -> str: ...
    @property
    def state(self) -> UnitState: ...
    @property
    def store(self) -> str: ...


U = TypeVar("U", bound=Recorded)


def case_twin(serial: str, units: Iterable[U]) -> U | None:
    """The recorded unit (a live one first) whose serial is ``serial`` in other letter case,
    or None. Units with exactly ``serial`` are no twin: they are the same label."""
    key = fold(serial)
    twins = [u for u in units if u.serial != serial and fold(u.serial) == key]
    live = [u for u in twins if u.state in _LIVE]
    first = live or twins
    return first[0] if first else None


def twin_message(serial: str, twin: Recorded, sku: str) -> str:
    """The refusal's sentence: ``'w2d-9' differs only in letter case from W2D-9 (TL-DRL18,
    in stock at S01): scan the label again (is caps lock on?)``."""
    return (
        f"'{clip(serial)}' differs only in letter case from {twin.serial} "
        f"({sku}, {twin.state.label} at {twin.store}): "
        "scan the label again (is caps lock on?)"
    )


def twins_within(serials: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs (first, later) of serials in one batch or file that differ only in letter case,
    in order. Exact repeats are not pairs here (they are "listed twice")."""
    first: dict[str, str] = {}
    pairs: list[tuple[str, str]] = []
    for serial in serials:
        seen = first.setdefault(fold(serial), serial)
        if seen != serial:
            pairs.append((seen, serial))
    return pairs


def within_message(first: str, later: str) -> str:
    return (
        f"serials {clip(first)} and {clip(later)} differ only in letter case: "
        "one label, scanned twice (is caps lock on?); keep the one printed on the label"
    )


def did_you_mean(serial: str, recorded: Iterable[str]) -> str | None:
    """For a lookup that found no unit by the exact serial: ``did you mean W2D-9?`` when the
    recorded serials equal to it ignoring case are exactly one serial; the several are all
    named when there are more (never one picked); None when there are none."""
    key = fold(serial)
    found = sorted({s for s in recorded if s != serial and fold(s) == key})
    if not found:
        return None
    if len(found) == 1:
        return f"did you mean {found[0]}?"
    return f"did you mean one of {', '.join(found)}? (serials differing only in letter case)"
