"""The bare Linux console (``TERM=linux``): 16 colours and a font of a few hundred glyphs.

Textual's default theme has red errors and an orange warning; on 16 colours both become the
same bright red, so "S/N needed" and "S/N optional" looked alike. The ``linux`` theme takes its
colours from the VGA palette itself — bright red, bright yellow and bright blue for the three
serial indicators — so they stay apart after the reduction. The console font may also lack
the check marks and arrows the screens use: :class:`AsciiGlyphs` replaces each by one ASCII
character of the same width, so nothing shifts.

Chosen by ``[console] theme = "linux"`` in the terminal config, or by ``TERM=linux`` when the
config says nothing (``theme = "default"`` keeps Textual's theme there).
"""

from __future__ import annotations

import os

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter
from textual.theme import Theme

THEME_NAME = "serialpos-linux"
THEMES = ("default", "linux")

# The VGA palette the Linux console shows: a colour that is one of these stays itself.
LINUX_THEME = Theme(
    name=THEME_NAME,
    primary="#5555FF",  # bright blue: recorded serials, dialog borders
    secondary="#55FFFF",
    accent="#55FFFF",  # keys in the footer
    warning="#FFFF55",  # bright yellow: S/N optional
    error="#FF5555",  # bright red: S/N needed, refusals
    success="#55FF55",
    foreground="#AAAAAA",
    background="#000000",
    surface="#000000",
    panel="#0000AA",
    boost="#555555",
    dark=True,
    variables={
        "foreground-muted": "#AAAAAA",
        "block-cursor-background": "#AAAAAA",
        "block-cursor-foreground": "#000000",
    },
)

#: Glyphs the screens use -> one ASCII character of the same width.
ASCII = str.maketrans(
    {
        "✓": "v",
        "✗": "x",
        "…": ".",
        "·": ".",
        "—": "-",
        "–": "-",
        "←": "<",
        "→": ">",
        "▸": ">",
        "›": ">",
        "⚠": "!",
        "•": "*",
        "▲": "^",
        "▼": "v",
    }
)


def wanted(configured: str | None, env: dict[str, str] | None = None) -> bool:
    """Whether the Linux console theme applies: the config decides, else ``TERM``."""
    if configured is not None:
        return configured == "linux"
    return (os.environ if env is None else env).get("TERM") == "linux"


class AsciiGlyphs(LineFilter):
    """Replaces glyphs the Linux console font may lack (see :data:`ASCII`)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(text.translate(ASCII), style, control)
            if not control
            else Segment(text, style, control)
            for text, style, control in segments
        ]
