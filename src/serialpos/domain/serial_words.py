"""A product's serial format said in words for the person at the till: ``^ZB[0-9]{8}$`` reads
"8 digits after ZB", never the regular expression.

Only the shapes serial formats are made of are read: an optional ``^`` and ``$``, literal
characters, and runs of one character class (digits, capital or small letters, letters,
letters and digits, hex digits) with a count (``{8}``, ``{6,8}``, ``{2,}``, ``+``, ``*``,
``?``). Anything else (groups, alternation, look-arounds, ``.``) is too complex to say
faithfully, and :func:`serial_format_words` answers ``None``: the caller then says only that the
serial does not match the product's format. A wrong description would be worse than none, so
an unknown escape or class is never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: Character classes, as written in a format, and what one of them is called (singular,
#: plural) and a character that fits, for the example.
_CLASSES: dict[str, tuple[str, str, str]] = {
    r"\d": ("digit", "digits", "1"),
    "[0-9]": ("digit", "digits", "1"),
    "[A-Z]": ("capital letter", "capital letters", "A"),
    "[a-z]": ("small letter", "small letters", "a"),
    "[A-Za-z]": ("letter", "letters", "A"),
    "[a-zA-Z]": ("letter", "letters", "A"),
    "[A-Z0-9]": ("capital letter or digit", "capital letters or digits", "A"),
    "[0-9A-Z]": ("capital letter or digit", "capital letters or digits", "A"),
    "[A-Za-z0-9]": ("letter or digit", "letters or digits", "A"),
    "[a-zA-Z0-9]": ("letter or digit", "letters or digits", "A"),
    "[0-9A-Za-z]": ("letter or digit", "letters or digits", "A"),
    "[0-9A-F]": ("hex digit", "hex digits", "A"),
    "[0-9a-f]": ("hex digit", "hex digits", "a"),
    "[0-9A-Fa-f]": ("hex digit", "hex digits", "A"),
    "[0-9a-fA-F]": ("hex digit", "hex digits", "A"),
}
#: Literal characters a format may hold as they are, and how a lone one is said.
_PUNCTUATION = {"-": "a dash", "_": "an underscore", ".": "a dot", "/": "a slash", " ": "a space"}
_ESCAPED = {r"\-": "-", r"\.": ".", r"\/": "/", r"\_": "_", r"\ ": " "}
_COUNT = re.compile(r"\{(\d{1,3})(,(\d{1,3})?)?\}")
_DIGITS_SAMPLE = "1234567890"


@dataclass(frozen=True)
class _Run:
    """One class repeated between ``low`` and ``high`` times (``high`` None: no upper limit)."""

    one: str
    many: str
    sample: str
    low: int
    high: int | None

    def words(self) -> str:
        low, high = self.low, self.high
        if high == low:
            return f"1 {self.one}" if low == 1 else f"{low} {self.many}"
        if high is None:
            if low == 0:
                return f"any number of {self.many}"
            if low == 1:
                return f"one or more {self.many}"
            return f"{low} or more {self.many}"
        if low == 0 and high == 1:
            return f"an optional {self.one}"
        if low == 0:
            return f"up to {high} {self.many}"
        return f"{low} to {high} {self.many}"

    def example(self) -> str:
        count = self.low if self.high == self.low else max(self.low, min(self.high or 4, 4))
        if self.sample == "1":
            return "".join(_DIGITS_SAMPLE[i % 10] for i in range(count))
        return self.sample * count


@dataclass(frozen=True)
class SerialFormatWords:
    """What a format wants (``8 digits after ZB``) and a serial that fits (``ZB12345678``)."""

    words: str
    example: str


def _read_class(spec: str, at: int) -> tuple[str, int] | None:
    if spec.startswith(r"\d", at):
        return r"\d", at + 2
    if spec[at] != "[":
        return None
    end = spec.find("]", at)
    if end < 0:
        return None
    written = spec[at : end + 1]
    return (written, end + 1) if written in _CLASSES else None


def _read_count(spec: str, at: int) -> tuple[int, int | None, int]:
    """The repeat count written at ``at`` (low, high, where it ends); none written: once."""
    if at < len(spec) and spec[at] in "+*?":
        low, high = {"+": (1, None), "*": (0, None), "?": (0, 1)}[spec[at]]
        return low, high, at + 1
    match = _COUNT.match(spec, at)
    if match is None:
        return 1, 1, at
    low = int(match.group(1))
    if match.group(2) is None:
        return low, low, match.end()
    return low, (int(match.group(3)) if match.group(3) else None), match.end()


def _parts(spec: str) -> list[str | _Run] | None:
    """The format as literal text and runs, or None when it holds anything else."""
    body = spec
    if body.startswith("^"):
        body = body[1:]
    if body.endswith("$") and not body.endswith(r"\$"):
        body = body[:-1]
    parts: list[str | _Run] = []
    at = 0
    while at < len(body):
        found = _read_class(body, at)
        if found is not None:
            written, at = found
            low, high, at = _read_count(body, at)
            if high is not None and high < low:
                return None
            one, many, sample = _CLASSES[written]
            parts.append(_Run(one, many, sample, low, high))
            continue
        escaped = body[at : at + 2]
        if escaped in _ESCAPED:
            char, at = _ESCAPED[escaped], at + 2
        elif body[at].isascii() and (body[at].isalnum() or body[at] in "-_/ "):
            char, at = body[at], at + 1
        else:
            return None  # groups, alternation, '.', anchors inside, other escapes
        if at < len(body) and (body[at] in "+*?" or body[at] == "{"):
            return None  # a repeated literal: rare, and easy to say wrongly
        if parts and isinstance(parts[-1], str):
            parts[-1] += char
        else:
            parts.append(char)
    return parts or None


def _literal_words(text: str) -> str:
    return _PUNCTUATION.get(text, text if text.strip() == text else f"'{text}'")


def serial_format_words(spec: str) -> SerialFormatWords | None:
    """``spec`` (a regular expression, matched against the whole serial) in words with an
    example, or None when it is not one of the common shapes."""
    parts = _parts(spec.strip())
    if parts is None:
        return None
    example = "".join(part if isinstance(part, str) else part.example() for part in parts)
    said = [_literal_words(part) if isinstance(part, str) else part.words() for part in parts]
    if len(parts) == 2 and isinstance(parts[0], str) and isinstance(parts[1], _Run):
        words = f"{said[1]} after {said[0]}"
    elif len(parts) == 1 and isinstance(parts[0], str):
        words = f"exactly {parts[0]}"
    else:
        words = ", then ".join(said)
    return SerialFormatWords(words, example)


def format_refusal(spec: str, fits: Callable[[str], bool], example: str | None = None) -> str:
    """Why a serial breaks the format ``spec``, in words: "the format is 8 digits after ZB
    (example: ZB12345678)". ``fits`` is the format's own matcher: the example made from the
    words must pass it, so a misreading falls back to the plain sentence rather than telling
    the cashier something false. The fallback names ``example`` (a serial known to fit) when
    the caller has one; it never shows the regular expression."""
    said = serial_format_words(spec)
    if said is not None and fits(said.example):
        return f"the format is {said.words} (example: {example or said.example})"
    shown = f" (example: {example})" if example and fits(example) else ""
    return f"it does not match the product's serial format{shown}"
