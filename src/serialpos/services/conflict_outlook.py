"""What a conflict's resolution will do to its unit, said before a manager confirms it.

The write-off of a conflict (``serialpos conflicts resolve --by write_off``, F7 on the
Conflicts screen) removes the unit from stock: the ledger's ``adjust_remove``, which moves
only a unit in stock (domain/states.py). The conflict names the event that stands (the
unit's newest at central when listed: services/conflict_views.py ``standing``), so its state is
known before anything is sent: a sold unit's write-off will be refused, and the question
must say so instead of asking as if it would go through. Central still decides (the list
may be stale: another manager may have returned the unit meanwhile).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from serialpos.domain.states import MOVES, Action, UnitState
from serialpos.domain.text import visible


@dataclass(frozen=True)
class WriteOffOutlook:
    """The unit's state by the event that stands (None: no event known) and whether a
    write-off can move it from there."""

    state: UnitState | None
    allowed: bool
    stands: str  # "sell by central": the event that gave the state ("" when unknown)

    @property
    def words(self) -> str:
        """What the write-off will do, in the confirmation's words."""
        if self.state is None:
            return ""
        by = f" ({self.stands} stands)" if self.stands else ""
        if self.allowed:
            return f"It is {self.state.label}{by}: it leaves stock, written off."
        return (
            f"It is {self.state.label.upper()}{by}: only a unit in stock is written off, "
            "so this will be refused and change nothing."
        )


def write_off_outlook(conflict: Mapping[str, Any]) -> WriteOffOutlook:
    """The write-off's outlook for ``conflict`` as listed (``present``'s JSON, or central's
    answer on a store terminal: the same shape)."""
    first = conflict.get("first_event") or {}
    try:
        state = UnitState(first["to"]) if first.get("to") else None
    except ValueError:
        state = None
    stands = ""
    if first.get("action"):
        who = first.get("terminal") or first.get("user")
        stands = visible(str(first["action"])) + (f" by {visible(str(who))}" if who else "")
    allowed = state is not None and state in MOVES[Action.ADJUST_REMOVE].from_states
    return WriteOffOutlook(state, allowed, stands)
