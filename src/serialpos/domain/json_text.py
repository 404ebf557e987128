"""Reading JSON from outside (``apply`` lines, ASN files) with limits, so that no input can
crash a run or be read two ways.

Refused, each with a reason a person can act on: a key given twice in one object (which
value wins differs between readers: we take neither); a number longer than
:data:`~serialpos.domain.limits.MAX_NUMBER_TEXT` characters or one that is not finite
(``1e999`` reads as infinity); nesting deeper than :data:`MAX_DEPTH`; a string holding a lone
surrogate (``"\\ud800"`` is valid JSON but no character, and no database can store it).
"""

from __future__ import annotations

import json
from typing import Any

from serialpos.domain.limits import MAX_NUMBER_TEXT
from serialpos.domain.text import clip

MAX_DEPTH = 32


class JsonRefused(ValueError):
    """The text is not JSON we accept; ``reason`` says why, ``line``/``column`` where (when
    known)."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


class LoneSurrogate(JsonRefused):
    """A string holds half of a UTF-16 surrogate pair."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise JsonRefused(f"the key '{clip(key)}' is given twice")
        found[key] = value
    return found


def _whole(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_TEXT:
        raise JsonRefused("a number has too many digits")
    return int(text)


def _real(text: str) -> float:
    if len(text) > MAX_NUMBER_TEXT:
        raise JsonRefused("a number has too many digits")
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise JsonRefused(f"the number {clip(text)} is too large")
    return number


def _constant(name: str) -> Any:
    raise JsonRefused(f"{name} is not a JSON number")


def _check(value: Any, depth: int) -> None:
    """Depth and lone surrogates, walked without recursion past MAX_DEPTH."""
    if depth > MAX_DEPTH:
        raise JsonRefused("nested too deeply")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise LoneSurrogate(
                "a string holds an invalid Unicode escape (a lone surrogate)"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


def loads(text: str) -> Any:
    """``json.loads`` with the limits above; raises only :class:`JsonRefused`."""
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_int=_whole,
            parse_float=_real,
            parse_constant=_constant,
        )
    except JsonRefused:
        raise
    except json.JSONDecodeError as exc:
        raise JsonRefused(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise JsonRefused("nested too deeply") from None
    except ValueError as exc:  # int() past the interpreter's digit limit, and the like
        raise JsonRefused(clip(str(exc), 120)) from None
    if not _plainly_within_limits(text):
        _check(value, 0)
    return value


def _plainly_within_limits(text: str) -> bool:
    """Whether :func:`_check` would find nothing, known from the text alone by scans in C:
    no more brackets than :data:`MAX_DEPTH` (each level of nesting opens one), no ``\\u``
    escape and no surrogate in the text itself (a string can then hold no lone surrogate).
    Nearly every line a terminal pushes is such a text; walking its values in Python was
    some 7% of central's CPU for a push (cProfile)."""
    if text.count("{") + text.count("[") > MAX_DEPTH or "\\u" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
