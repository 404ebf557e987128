"""Which way each adjustment reason moves stock (domain, no database)."""

from __future__ import annotations

import pytest

from serialpos.domain.adjustment_reasons import (
    REASON_DIRECTIONS,
    Direction,
    check_direction,
    starts_adding,
)
from serialpos.domain.errors import BadRequest
from serialpos.services.adjustments import REASONS


def test_every_offered_reason_has_a_direction() -> None:
    assert list(REASON_DIRECTIONS) == list(REASONS)


def test_found_adds_and_losses_remove() -> None:
    assert starts_adding("found")
    assert not any(starts_adding(r) for r in ("damaged", "lost", "theft", "other"))
    check_direction("found", adds=True, removes=False)
    with pytest.raises(BadRequest, match="reason 'found' adds units to stock"):
        check_direction("found", adds=False, removes=True)
    for reason in ("damaged", "lost", "theft"):
        with pytest.raises(BadRequest, match=f"reason '{reason}' removes units"):
            check_direction(reason, adds=True, removes=False)
    for reason in ("count_correction", "other"):
        assert REASON_DIRECTIONS[reason] is Direction.EITHER
        check_direction(reason, adds=True, removes=True)
