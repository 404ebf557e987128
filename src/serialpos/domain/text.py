"""Checks for free text that arrives from scanners, files and keyboards."""

from __future__ import annotations

import re
import unicodedata

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


_ODD_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp", "Zs"})


def invisible_character(text: str) -> str | None:
    """``U+200B at position 5`` for the first invisible, format or non-ASCII space
    character in ``text`` (positions count from 1), or None when there is none. The ASCII
    space is allowed inside a serial (some makers print one)."""
    for index, char in enumerate(text, start=1):
        if char == " ":
            continue
        if unicodedata.category(char) in _ODD_CATEGORIES:
            return f"U+{ord(char):04X} at position {index}"
    return None


def shown(text: str, limit: int = 40) -> str:
    """``text`` with every invisible character written as ``<U+200B>``, shortened."""
    out = "".join(
        f"<U+{ord(c):04X}>" if c != " " and unicodedata.category(c) in _ODD_CATEGORIES else c
        for c in text[: limit + 1]
    )
    return out if len(text) <= limit else out[:limit] + "…"


def non_ascii_character(text: str) -> str | None:
    """``U+FF18 (８) at position 5`` for the first character outside printable ASCII, or None.

    Serial labels are printed in ASCII (Code 128 and GS1's AI 21 carry ASCII); a full-width
    ``８`` or a Cyrillic ``А`` looks like ``8`` or ``A`` on screen and in a search but would be
    another unit, so a serial holding one is refused rather than kept as a look-alike."""
    for index, char in enumerate(text, start=1):
        if not " " <= char <= "~":
            return f"U+{ord(char):04X} ({char}) at position {index}"
    return None


def named(word: str, value: str) -> str:
    """``terminal T1``; the value alone when it already starts with the word (the terminal
    with no id set is called ``terminal``, config.py): no word said twice."""
    return value if value.lower().split(" ")[0] == word.lower() else f"{word} {value}"
