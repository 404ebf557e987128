"""The Linux console theme: chosen by TERM=linux or ``[console] theme``; on 16 colours the red,
yellow and blue serial indicators stay three different colours, and glyphs the console font may
lack are shown as ASCII of the same width."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import ColorSystem
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import MakeApp, async_test, log_in, screen_text, settle

from serialpos.config import ConfigError, load_config
from serialpos.services.demo import _imei as imei
from serialpos.tui.app import SerialposApp
from serialpos.tui.console_theme import THEME_NAME

AURORA = "PH-AUR15"  # demo phone: serial required

# 16-colour palette numbers: (dark, bright)
RED, YELLOW, BLUE = (1, 9), (3, 11), (4, 12)


async def enter(pilot: Pilot[object], text: str, field: str = "#scan") -> None:
    widget = pilot.app.screen.query_one(field, Input)
    widget.focus()
    widget.value = text
    await pilot.press("enter")
    await settle(pilot)


def colour_of(app: SerialposApp, words: str) -> int:
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if words in segment.text and segment.style and segment.style.color:
                colour = segment.style.color.downgrade(ColorSystem.STANDARD)
                assert colour.number is not None
                return colour.number
    raise AssertionError(f"{words!r} is not on screen")


@async_test
async def test_term_linux_indicators_differ_and_glyphs_are_ascii(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == THEME_NAME
        await log_in(pilot, "cashier")
        await pilot.press("3")  # Sale
        await settle(pilot)
        await enter(pilot, "TL-DRL18")  # serial optional
        await enter(pilot, AURORA)  # serial required: the prompt opens; leave it
        await pilot.press("escape")
        await enter(pilot, AURORA)
        await enter(pilot, imei(1), "#serial-entry")
        shown = screen_text(app)
        for words in ("? S/N opt", "x S/N needed", "v S/N"):
            assert words in shown, words
        assert "✗" not in shown and "✓" not in shown and "…" not in shown
        needed, optional, recorded = (colour_of(app, w) for w in ("S/N needed", "S/N opt", "v S/N"))
        assert needed in RED and optional in YELLOW and recorded in BLUE


@pytest.mark.parametrize(
    ("term", "setting", "chosen"),
    [
        ("xterm-256color", None, False),
        ("xterm-256color", "linux", True),
        ("linux", "default", False),
        ("linux", None, True),
    ],
)
def test_the_config_decides_else_term(
    make_app: MakeApp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    term: str,
    setting: str | None,
    chosen: bool,
) -> None:
    monkeypatch.setenv("TERM", term)
    config = tmp_path / "terminal.toml"
    config.write_text("" if setting is None else f'[console]\ntheme = "{setting}"\n')
    app = make_app(config_path=str(config))
    assert (app.theme == THEME_NAME) is chosen
    assert (len(app.get_line_filters()) > len(App_filters(app))) is chosen


def App_filters(app: SerialposApp) -> list[object]:
    return [f for f in app._filters if f.enabled]


def test_a_bad_theme_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text('[console]\ntheme = "amber"\n')
    with pytest.raises(ConfigError, match=r"\[console\] theme must be \"default\" or \"linux\""):
        load_config(config, env={})
