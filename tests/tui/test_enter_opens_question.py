"""A bounced Enter does not answer the question the Enter in a field opened (80x24 and 40x16,
tui/enter_after_close.py): an amount typed far over what is owed, then Enter, asks "Take
5,000.00 for ... due?"; a key bounce, a double press's second Enter or a scanner's CR LF (Enter,
then Ctrl+J) answered it Yes a tenth of a second later and the tender was recorded unseen. The
same with receiving's and counting's "Count 60 AC-USBC1?" for a typed quantity too unlikely to
be meant: the bounce counted them. Now an Enter within half a second of the one that opened
the question is dropped; a person's Enter after that answers it, and ``y`` answers at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import SIZES, KeyClock, MakeApp, async_test, said, sale_with_line, settle

from serialpos.db.engine import Database
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.serial_mode import Confirm

from test_count_unlikely_quantity import CABLE, counted  # isort: skip
from test_counts_screen import count_whole_store  # isort: skip
from test_receiving_screen import import_asn, open_asn  # isort: skip

QUESTIONS = [
    pytest.param("tender", id="tender"),
    pytest.param("receiving", id="receiving"),
    pytest.param("count", id="count"),
]
#: The second key of the same press: a bounce or a double press's second Enter a tenth of a
#: second later, or a scanner's CR LF (its line feed milliseconds after the Enter).
BOUNCES = [pytest.param("enter", 0.1, id="enter"), pytest.param("ctrl+j", 0.002, id="crlf")]


@dataclass
class Asked:
    """A question opened by an Enter in a field; ``recorded`` reads what it would record."""

    question: Confirm
    recorded: Callable[[], object]
    before: object


def key(name: str) -> events.Key:
    return events.Key(name, {"enter": "\r", "ctrl+j": "\n"}.get(name, name))


async def typed_then_enter(pilot: Pilot[object], clock: KeyClock, field: Input, text: str) -> None:
    """``text`` in ``field`` and a person's Enter (a second after the key before it)."""
    field.focus()
    field.value = text
    clock.step = 1.0
    clock.send(pilot.app, key("enter"))
    await settle(pilot)


async def ask(pilot: Pilot[object], clock: KeyClock, db: Database, which: str) -> Asked:
    """The question ``which`` open, asked by an Enter in a field."""
    app = pilot.app
    if which == "tender":
        sale = await sale_with_line(pilot)
        order = sale.order_no
        assert order is not None
        await pilot.press("ctrl+y")  # F9: pay
        await settle(pilot)
        field = app.screen.query_one("#tender-amount", Input)
        await typed_then_enter(pilot, clock, field, "5000")

        def recorded() -> object:
            return get_order(db, order).totals.paid

    elif which == "receiving":
        import_asn(db)
        screen = await open_asn(pilot, app)  # type: ignore[arg-type]
        line = screen.receiving.checklist.lines[CABLE]
        field = screen.query_one("#scan", Input)
        await typed_then_enter(pilot, clock, field, CABLE)  # one received, 5 expected
        await typed_then_enter(pilot, clock, field, "60")

        def recorded() -> object:
            return line.received

    else:
        counts = await count_whole_store(pilot, "Ann")
        await typed_then_enter(pilot, clock, counts.field, CABLE)  # one counted
        assert counts.count is not None
        number = counts.count.number
        await typed_then_enter(pilot, clock, counts.field, "+400123")

        def recorded() -> object:
            return counted(db, number)

    question = app.screen
    assert isinstance(question, Confirm), said(pilot)
    return Asked(question, recorded, recorded())


async def bounced(
    pilot: Pilot[object], clock: KeyClock, asked: Asked, name: str, gap: float
) -> None:
    """The second key of the press that opened the question, ``gap`` seconds after it:
    nothing answered, nothing recorded, the question still showing."""
    clock.step = gap
    clock.send(pilot.app, key(name))
    await settle(pilot)
    await pilot.pause(0.1)
    await settle(pilot)
    assert pilot.app.screen is asked.question, type(pilot.app.screen).__name__
    assert asked.recorded() == asked.before


@pytest.mark.parametrize(("second", "gap"), BOUNCES)
@pytest.mark.parametrize("which", QUESTIONS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_bounced_enter_does_not_answer_the_question_an_enter_opened(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    which: str,
    second: str,
    gap: float,
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        asked = await ask(pilot, clock, demo_db, which)
        await bounced(pilot, clock, asked, second, gap)
        # A person's Enter 0.8 s after the one that opened the question answers it.
        clock.step = 0.8 - gap
        clock.send(app, key("enter"))
        await settle(pilot)
        assert not any(s is asked.question for s in app.screen_stack), type(app.screen).__name__
        assert asked.recorded() != asked.before


@pytest.mark.parametrize("which", QUESTIONS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_y_answers_the_question_at_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], which: str
) -> None:
    """After the bounce, ``y`` a tenth of a second later answers: only an Enter is held."""
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        asked = await ask(pilot, clock, demo_db, which)
        await bounced(pilot, clock, asked, "enter", 0.1)
        clock.step = 0.1
        clock.send(app, key("y"))
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        assert not any(s is asked.question for s in app.screen_stack), type(app.screen).__name__
        assert asked.recorded() != asked.before
