"""A bare serial a till does not know, scanned in a count on the till's console (issue 16),
at 80x24 and 40x16 against a real ``serialpos serve``: one refusal, before a product is
chosen and after (there were two, and the second was cut at 40x16), read whole."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from terminal_chain import Chain
from textual.pilot import Pilot

sys.path.insert(0, str(Path(__file__).parents[1] / "tui"))

from test_console_terminal import _console
from tui_helpers import SIZES, async_test, log_in, screen_text, settle

from serialpos.tui.screens.counts import CountsScreen
from serialpos.tui.widgets.message_line import MessageLine


async def _enter(pilot: Pilot[object], screen: CountsScreen, text: str) -> str:
    screen.field.focus()
    screen.field.value = text
    await pilot.press("enter")
    await settle(pilot)
    return screen.query_one(MessageLine).text


def _flat(shown: str) -> str:
    return " ".join(re.sub("[\u2500-\u259f]", " ", shown).split())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_one_whole_refusal_for_a_serial_the_till_does_not_know(
    chain: Chain, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    serial = f"UK-{size[0]}-0000000000000099"
    got = chain.post({"op": "receive", "store": "S2", "sku": "PH1", "serial": serial})
    assert got[0]["ok"], got
    till = chain.terminal(f"uk-till-{size[0]}")
    app = _console(till, monkeypatch, server=chain.server.base)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "mia", "1234")
        await pilot.press("8")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CountsScreen)
        await _enter(pilot, screen, "")  # a new count of the whole store
        await _enter(pilot, screen, "Ann")  # batch 1, by Ann
        said = []
        for product in (None, "PH1"):
            if product is not None:
                await _enter(pilot, screen, "")  # the refusal seen
                await _enter(pilot, screen, product)
                assert screen.current == "PH1"
            said.append(await _enter(pilot, screen, serial))
            shown = _flat(screen_text(app))
            assert _flat(said[-1]) in shown, (said[-1], shown)  # whole on screen, not cut
        assert said[0] == said[1], said
        assert said[0].startswith(f"✗ serial {serial} is unknown on this till"), said
        assert "GS1 label" in said[0]
