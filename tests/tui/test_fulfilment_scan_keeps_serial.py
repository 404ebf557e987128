"""A scan on a fulfilment line that has a serial (80x24 and 40x16, a burst and a jittered
one): refused, naming the line's serial, nothing changed. It replaced 104 by 013 silently
(104 back to stock, "serial … recorded"). ``r`` replaces it deliberately, asked first."""

from __future__ import annotations

import pytest
from scan_bursts import ARRIVALS, scanner_types
from tui_helpers import PERSON, SIZES, KeyClock, MakeApp, async_test, settle

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.services.demo import _imei
from serialpos.services.orders import set_serial
from serialpos.tui.screens.serial_mode import Confirm

from test_fulfilment_screen import (  # isort: skip
    MANAGER,
    NOVA,
    line_serial,
    message,
    open_fulfilment,
    waiting_orders,
)

OTHER_NOVA = _imei(102)  # another PH-NOVA7 in stock at S01


def test_the_service_never_replaces_a_serial_for_a_scan(demo_db: Database) -> None:
    first, _ = waiting_orders(demo_db)
    line = next(line for line in _lines(demo_db, first) if line.number == 2)
    set_serial(demo_db, MANAGER, first, line.line, NOVA, keep_recorded=True)  # none yet
    set_serial(demo_db, MANAGER, first, line.line, NOVA, keep_recorded=True)  # the same
    with pytest.raises(BadRequest) as refused:
        set_serial(demo_db, MANAGER, first, line.line, OTHER_NOVA, keep_recorded=True)
    assert refused.value.code == "serial_recorded"
    assert str(refused.value) == (
        f"{first} line 2 has serial {NOVA} already: a scan never replaces it "
        f"({OTHER_NOVA} not recorded)"
    )
    assert line_serial(demo_db, first, 2) == NOVA
    set_serial(demo_db, MANAGER, first, line.line, OTHER_NOVA)  # a deliberate change
    assert line_serial(demo_db, first, 2) == OTHER_NOVA


def _lines(db: Database, order: str) -> list[object]:
    from serialpos.services.orders.reading import get_order

    return list(get_order(db, order).lines)


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_never_replaces_a_recorded_serial(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], arrival: str
) -> None:
    first, _ = waiting_orders(demo_db)
    line = next(line for line in _lines(demo_db, first) if line.number == 2)
    set_serial(demo_db, MANAGER, first, line.line, NOVA)
    clock = KeyClock(PERSON)
    # Keys held for the real key gap: a jittered scan's pieces come 60 ms apart.
    app = make_app(key_clock=clock, key_hold=None)
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert screen.current is not None and screen.current.number == 2
        await scanner_types(pilot, clock, f"{OTHER_NOVA}\r", arrival)
        assert line_serial(demo_db, first, 2) == NOVA
        assert message(screen) == (
            f"✗ {first} line 2 has serial {NOVA} already: a scan never replaces it "
            f"({OTHER_NOVA} not recorded) · r: replace, asked first"
        )
        await pilot.press("r")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, Confirm)
        assert question.question.startswith(
            f"Replace serial {NOVA} on {first} line 2 by {OTHER_NOVA}?"
        )
        await scanner_types(pilot, clock, f"{OTHER_NOVA}\r", arrival)  # a scan answers nothing
        assert app.screen is question
        clock.now += 2  # the person reads the refusal first
        await pilot.press("n")
        await settle(pilot)
        assert line_serial(demo_db, first, 2) == NOVA
        assert app.screen is screen
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert line_serial(demo_db, first, 2) == OTHER_NOVA, (app.screen, message(screen))
        assert message(screen) == f"✓ {first} line 2: serial {OTHER_NOVA} recorded"
