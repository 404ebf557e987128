"""A console screen is styled once when it first shows: each widget as it is mounted, not
all of them again when the screen is made active (Textual's ScreenResume restyle), which was
a quarter of the console's work before the login's first frame (bench/startup_bench.py).
What the screen draws, and every widget's styles, are the same as with the restyle."""

from __future__ import annotations

from typing import Any

import pytest
from textual.dom import DOMNode
from textual.screen import Screen
from tui_helpers import SIZES, MakeApp, async_test, settle

from serialpos.tui.app import SerialposApp
from serialpos.tui.screens import base
from serialpos.tui.screens.login import LoginScreen


def restyled_screens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The screens whose every widget is styled again (a screen-wide update), by name."""
    seen: list[str] = []
    update = DOMNode.update_node_styles

    def recorded(self: DOMNode, animate: bool = True) -> None:
        if isinstance(self, Screen):
            seen.append(type(self).__name__)
        update(self, animate)

    monkeypatch.setattr(DOMNode, "update_node_styles", recorded)
    return seen


def styles_of(app: SerialposApp) -> list[Any]:
    """Every widget of the screen in front with its classes and computed styles, and the
    screen's cells (text and style)."""
    nodes = [
        (type(node).__name__, node.id, sorted(node.classes), node.styles.css)
        for node in app.screen.walk_children(with_self=True)
    ]
    cells = [
        [(segment.text, str(segment.style)) for segment in strip]
        for strip in app.screen._compositor.render_strips()
    ]
    return [nodes, cells]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_login_is_styled_once_and_draws_as_before(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = restyled_screens(monkeypatch)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "LoginScreen" not in seen  # no screen-wide restyle on its first showing
        once = styles_of(app)
    # The same console with Textual's restyle on first showing: the same styles and cells.
    monkeypatch.delattr(base.ConsoleScreen, "_on_screen_resume")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert seen.count("LoginScreen") == 1
        assert styles_of(app) == once
