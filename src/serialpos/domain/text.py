"""Checks for free text that arrives from scanners, files and keyboards."""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls. Tab/CR/LF are controls too: none belongs inside a
# serial, SKU or name.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def has_control_chars(text: str) -> bool:
    return _CONTROL.search(text) is not None


def visible(text: str) -> str:
    """Render control characters as ``\\xNN`` so that a message naming bad input can show it
    without the terminal interpreting it."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def clip(text: str, limit: int = 40) -> str:
    """Shorten text for a message; a 10 MB value must not become a 10 MB message."""
    shown = visible(text[: limit + 1])
    return shown if len(text) <= limit else shown[:limit] + "…"
