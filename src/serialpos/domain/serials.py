"""Serial numbers: normalising what was typed or scanned, and checking a product's format."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from stdnum import luhn

from serialpos.domain.errors import BadSerial, BadValue
from serialpos.domain.text import clip, has_control_chars, invisible_character, shown

MAX_SERIAL_LENGTH = 64


def normalize_serial(raw: str | None) -> str | None:
    """Trim surrounding white space (scanners add CR/LF, people add spaces); a blank serial
    is no serial (``None``).

    Serials are case-sensitive as stored: ``ab1`` and ``AB1`` are different units. A serial
    holding an invisible, format or non-ASCII space character is refused, naming it and its
    position (``U+200B at position 5``).
    """
    if raw is None:
        return None
    serial = raw.strip()
    if not serial:
        return None
    if has_control_chars(serial):
        raise BadSerial(f"serial '{clip(serial)}' contains control characters")
    odd = invisible_character(serial)
    if odd is not None:
        # Zero-width, format and non-ASCII space characters make serials that look the same
        # on screen and in a search but are different units: refuse them, saying where.
        raise BadSerial(f"serial '{shown(serial)}' holds an invisible character ({odd}): "
                        "scan the label again or type the serial")
    if len(serial) > MAX_SERIAL_LENGTH:
        raise BadSerial(
            f"serial '{clip(serial)}' is {len(serial)} characters long; "
            f"at most {MAX_SERIAL_LENGTH} are allowed"
        )
    return serial


def require_serial(raw: str | None) -> str:
    serial = normalize_serial(raw)
    if serial is None:
        raise BadSerial("the serial is blank")
    return serial


def _imei(serial: str) -> str | None:
    if not serial.isdigit() or not serial.isascii():
        return "an IMEI has only digits"
    if len(serial) != 15:
        return f"an IMEI has 15 digits, this has {len(serial)}"
    if not luhn.is_valid(serial):
        return "the IMEI check digit is wrong"
    return None


def _digits(serial: str) -> str | None:
    return None if serial.isascii() and serial.isdigit() else "only digits are allowed"


def _alnum(serial: str) -> str | None:
    return None if serial.isascii() and serial.isalnum() else "only letters and digits are allowed"


NAMED_CHECKS: dict[str, Callable[[str], str | None]] = {
    "imei": _imei,
    "digits": _digits,
    "alnum": _alnum,
}


@dataclass(frozen=True)
class SerialFormat:
    """A product's serial format: a named check (``imei``, ``digits``, ``alnum``) or a regular
    expression the whole serial must match. Anything that is not a named check is a regex."""

    spec: str

    @classmethod
    def parse(cls, spec: str | None) -> SerialFormat | None:
        if spec is None or not spec.strip():
            return None
        spec = spec.strip()
        if spec.lower() in NAMED_CHECKS:
            return cls(spec.lower())
        if has_control_chars(spec):
            raise BadValue("the serial format contains control characters")
        try:
            re.compile(spec)
        except re.error as exc:
            raise BadValue(
                f"serial format '{clip(spec)}' is not a valid regular expression ({exc})"
            ) from None
        return cls(spec)

    def problem(self, serial: str) -> str | None:
        """Why ``serial`` breaks this format, or ``None`` when it fits."""
        check = NAMED_CHECKS.get(self.spec)
        if check is not None:
            return check(serial)
        if _compiled(self.spec).fullmatch(serial) is None:
            return f"it does not match the format {self.spec}"
        return None

    def check(self, serial: str, sku: str) -> None:
        reason = self.problem(serial)
        if reason is not None:
            raise BadSerial(f"serial '{clip(serial)}' is not valid for {sku}: {reason}")


_regex_cache: dict[str, re.Pattern[str]] = {}


def _compiled(spec: str) -> re.Pattern[str]:
    pattern = _regex_cache.get(spec)
    if pattern is None:
        pattern = _regex_cache[spec] = re.compile(spec)
    return pattern
