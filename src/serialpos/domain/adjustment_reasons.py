"""Which way an adjustment's reason moves stock: the reason decides, never the screen's mode.

A unit "found" comes back into stock; one "damaged", "lost" or stolen ("theft") goes out of it.
An adjustment used to take its direction only from the screen's add/remove mode, so a "found"
adjustment posted in the default removing mode wrote units off with the reason "found". A count
correction and "other" may go either way (the note says why).
"""

from __future__ import annotations

import enum

from serialpos.domain.errors import BadRequest


class Direction(enum.StrEnum):
    ADD = "add"
    REMOVE = "remove"
    EITHER = "either"


#: Reason codes, in the order a screen offers them, with their words and their direction.
REASON_DIRECTIONS: dict[str, Direction] = {
    "damaged": Direction.REMOVE,
    "lost": Direction.REMOVE,
    "found": Direction.ADD,
    "theft": Direction.REMOVE,
    "count_correction": Direction.EITHER,
    "other": Direction.EITHER,
}


def direction_of(reason: str) -> Direction:
    """The way ``reason`` moves stock (an unknown code: either; the reason check names it)."""
    return REASON_DIRECTIONS.get(reason, Direction.EITHER)


def starts_adding(reason: str) -> bool:
    """Whether a screen starts this reason adding units (only a reason that adds)."""
    return direction_of(reason) is Direction.ADD


def check_direction(reason: str, *, adds: bool, removes: bool) -> None:
    """Refuse units moved against the reason's direction, naming the reason."""
    way = direction_of(reason)
    if way is Direction.ADD and removes:
        raise BadRequest(f"reason '{reason}' adds units to stock: it cannot remove any")
    if way is Direction.REMOVE and adds:
        raise BadRequest(f"reason '{reason}' removes units from stock: it cannot add any")
