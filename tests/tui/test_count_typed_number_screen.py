"""A bare number typed in a count while a product counted by quantity is chosen is refused,
naming ``+N``, at 80x24 and 40x16: ``3`` typed for three cordless drills (serials optional,
no serial format) was counted as a drill with the serial "3", a new unit an approval put in
stock; typed for cables it was refused as an unknown serial, telling the person to scan the
product they had just scanned. Nothing is counted; ``+3`` counts the three."""

from __future__ import annotations

import pytest
from tui_helpers import SIZES, MakeApp, async_test

from serialpos.db.engine import Database
from serialpos.services.counts.reconciling import reconcile

from test_counts_screen import count_whole_store, enter, message  # isort: skip


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_typed_number_is_a_quantity_without_its_plus(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await count_whole_store(pilot, "Ann")
        assert screen.count is not None
        number = screen.count.number
        await enter(pilot, screen, "TL-DRL18")  # serials optional; 3 of its 5 unlabelled
        await enter(pilot, screen, "3")
        assert message(screen).startswith("✗ '3' not counted: type +3 to count 3 TL-DRL18")
        await enter(pilot, screen, "")  # seen
        await enter(pilot, screen, "AC-USBC1")  # one cable counted
        await enter(pilot, screen, "4")
        assert message(screen) == (
            "✗ '4' not counted: AC-USBC1 is counted by quantity: type +4 to count 4"
        )
        await enter(pilot, screen, "")
        await enter(pilot, screen, "TL-DRL18")
        await enter(pilot, screen, "+3")
        assert "TL-DRL18: +3" in message(screen)
    result = reconcile(demo_db, number)
    assert result.never_seen == ()  # no drill "3"
    counted = {q.sku: q.counted for q in result.quantities}
    assert counted["AC-USBC1"] == 1 and counted["TL-DRL18"] == 3
