"""Serial numbers: normalising what was typed or scanned, and checking a product's format.

A format's regular expression runs on RE2 (google-re2), which matches in time linear in the
serial: a manager's ``(a+)+$`` cannot stall a till (Python's ``re`` took 35 s on 31
characters). What RE2 cannot run (back-references, look-arounds) is refused when the format
is set, with RE2's reason.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import re2

from serialpos.domain.errors import BadSerial, BadValue
from serialpos.domain.serial_words import format_refusal
from serialpos.domain.text import (
    clip,
    has_control_chars,
    invisible_character,
    non_ascii_character,
    shown,
)

MAX_SERIAL_LENGTH = 64
#: Longest serial format accepted: RE2's cost grows with the pattern too.
MAX_FORMAT_LENGTH = 200
#: A bare word (letters, digits, - and _) is no pattern anyone means: as a regular expression
#: it would accept only itself. It is read as a mistyped check name (``imeii``) and refused.
_BARE_WORD = re.compile(r"[A-Za-z0-9_-]+")
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # the reason goes into our message, not onto stderr
_RE2_OPTIONS.max_mem = 8 << 20


#: What is trimmed from around a serial: the ASCII space and tab people type and the CR/LF a
#: scanner ends a read with. Nothing else: ``str.strip()`` would also take U+00A0, U+2028,
#: U+3000, U+0085 and the controls U+001C-U+001F, storing a serial the label does not hold
#: where the contract says such a character is refused, naming it.
_AROUND = " \t\r\n"


def normalize_serial(raw: str | None) -> str | None:
    """Trim the ASCII space, tab, CR and LF around it (scanners add CR/LF, people add
    spaces); a blank serial is no serial (``None``).

    Serials are case-sensitive as stored: ``ab1`` and ``AB1`` are different units. A serial
    holding an invisible, format or non-ASCII space character is refused, naming it and its
    position (``U+200B at position 5``).
    """
    if raw is None:
        return None
    serial = raw.strip(_AROUND)
    if not serial:
        return None
    if not (serial.isascii() and serial.isprintable()):
        # Printable ASCII (what labels carry) holds no control, invisible, format or
        # non-ASCII character (the ASCII space is allowed): the checks character by
        # character are for anything else (issue 15: a counter sale checks its serial four
        # times, 48 ``unicodedata.category`` calls).
        _refuse_odd_characters(serial)
    if len(serial) > MAX_SERIAL_LENGTH:
        raise BadSerial(
            f"serial '{clip(serial)}' is {len(serial)} characters long; "
            f"at most {MAX_SERIAL_LENGTH} are allowed"
        )
    return serial


def _refuse_odd_characters(serial: str) -> None:
    """Refuse a serial holding a control, invisible, format, non-ASCII space or other
    non-ASCII character, naming it (and its position)."""
    if has_control_chars(serial):
        raise BadSerial(f"serial '{clip(serial)}' contains control characters")
    odd = invisible_character(serial)
    if odd is not None:
        # Zero-width, format and non-ASCII space characters make serials that look the same
        # on screen and in a search but are different units: refuse them, saying where.
        raise BadSerial(
            f"serial '{shown(serial)}' holds an invisible character ({odd}): "
            "scan the label again or type the serial"
        )
    foreign = non_ascii_character(serial)
    if foreign is not None:
        raise BadSerial(
            f"serial '{clip(serial)}' holds a character that is not plain ASCII "
            f"({foreign}): it would look like another serial; type the serial in "
            "ASCII letters and digits"
        )


def require_serial(raw: str | None) -> str:
    serial = normalize_serial(raw)
    if serial is None:
        raise BadSerial("the serial is blank")
    return serial


#: Each digit doubled, its digits summed (Luhn): "5" -> 10 -> "1".
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_valid(digits: str) -> bool:
    """The Luhn check over ASCII digits (as ``stdnum.luhn.is_valid``), in a few C calls: an
    ASN lists 100k IMEIs, each checked before the import."""
    backwards = digits[::-1]
    return sum(map(int, backwards[0::2] + backwards[1::2].translate(_LUHN_DOUBLED))) % 10 == 0


def _imei_shape(serial: str) -> str | None:
    if not serial.isdigit() or not serial.isascii():
        return "an IMEI has only digits"
    if len(serial) != 15:
        return f"an IMEI has 15 digits, this has {len(serial)}"
    return None


_WRONG_IMEI_CHECK = "the IMEI check digit is wrong"


def _imei(serial: str) -> str | None:
    shape = _imei_shape(serial)
    if shape is not None:
        return shape
    return None if luhn_valid(serial) else _WRONG_IMEI_CHECK


#: A digit character to its value (``"7"`` -> 7), for the Luhn sums of :func:`_luhn_failures`.
_DIGIT_VALUES = bytes.maketrans(b"0123456789", bytes(range(10)))
#: A block's digit sum to 1 when it is no multiple of 10 (the Luhn check fails), else 0.
_NOT_TENS = bytes(int(total % 10 != 0) for total in range(256))
#: Sixteen 1-bytes: multiplying by it adds up each byte with the fifteen below it.
_SIXTEEN_ONES = int.from_bytes(b"\x01" * 16, "little")


def _luhn_failures(blocks: str) -> Iterator[int]:
    """The places of the 16-digit blocks (joined in ``blocks``) whose Luhn sum is no multiple
    of 10, every block summed at once in C: the doubled digits (even places) translated to
    their digit sums, each digit made its value in a byte, and the whole read as one little-
    endian integer times sixteen 1-bytes, whose byte 15 of each block is then that block's
    sum (at most 16 x 9 = 144: no byte carries into the next)."""
    digits = bytearray(blocks.encode("ascii"))
    digits[0::2] = blocks[0::2].translate(_LUHN_DOUBLED).encode("ascii")
    values = int.from_bytes(digits.translate(_DIGIT_VALUES), "little")
    sums = (values * _SIXTEEN_ONES).to_bytes(len(digits) + 16, "little")[15::16]
    verdicts = sums[: len(digits) // 16].translate(_NOT_TENS)
    at = verdicts.find(1)
    while at >= 0:
        yield at
        at = verdicts.find(1, at + 1)


def _imei_many(serials: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(serial, why) for each of ``serials`` that is no IMEI, as :func:`_imei` says it, the
    check digits of all the well-formed ones at once: an ASN lists 100k IMEIs, and the
    per-serial Luhn sum was most of their check before the import.

    Every 15-digit IMEI becomes a 16-digit block with a leading ``0`` (which leaves its Luhn
    sum unchanged); in blocks of even length the doubled digits are those at even places, so
    one slice and one ``translate`` over all the blocks joined double every digit that Luhn
    doubles, and the blocks' sums are taken all at once (:func:`_luhn_failures`)."""
    listed = list(serials)
    why: dict[int, str] = {}  # place in ``listed`` -> what is wrong
    shaped: list[int] | range
    joined = "".join(listed)
    if joined.isdigit() and joined.isascii() and set(map(len, listed)) <= {15}:
        shaped = range(len(listed))  # the usual file: every one 15 ASCII digits, told in C
        blocks = "0" + "0".join(listed)
    else:
        shaped = []
        for at, serial in enumerate(listed):
            shape = _imei_shape(serial)
            if shape is None:
                shaped.append(at)
            else:
                why[at] = shape
        blocks = "0" + "0".join([listed[at] for at in shaped])  # 16 ASCII digits an IMEI
    if shaped:
        for block in _luhn_failures(blocks):
            why[shaped[block]] = _WRONG_IMEI_CHECK
    for at in sorted(why):
        yield listed[at], why[at]


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
        if len(spec) > MAX_FORMAT_LENGTH:
            raise BadValue(
                f"serial format '{clip(spec)}' is {len(spec)} characters long; at "
                f"most {MAX_FORMAT_LENGTH}"
            )
        if _BARE_WORD.fullmatch(spec):
            close = difflib.get_close_matches(spec.lower(), NAMED_CHECKS, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise BadValue(
                f"serial format '{clip(spec)}' is neither a known check "
                f"({', '.join(NAMED_CHECKS)}) nor a regular expression (a pattern such as "
                f"^SN[0-9]{{6}}$){hint}"
            )
        try:
            _compiled(spec)  # cached: parse runs on every scan of a product with a format
        except re2.error as exc:
            raise BadValue(
                f"serial format '{clip(spec)}' is not a valid regular expression "
                f"({_reason(exc)}{_why_re2(spec)})"
            ) from None
        return cls(spec)

    def problem(self, serial: str) -> str | None:
        """Why ``serial`` breaks this format, or ``None`` when it fits."""
        check = NAMED_CHECKS.get(self.spec)
        if check is not None:
            return check(serial)
        try:
            pattern = _compiled(self.spec)
        except re2.error as exc:  # a format stored before formats ran on RE2
            return (
                f"the product's serial format cannot be checked ({_reason(exc)}); a "
                "manager must correct it"
            )
        if pattern.fullmatch(serial) is None:
            # Said in words ("8 digits after ZB"), never as the regular expression.
            return format_refusal(self.spec, lambda text: pattern.fullmatch(text) is not None)
        return None

    def problems(self, serials: Iterable[str]) -> Iterator[tuple[str, str]]:
        """(serial, why) for each of ``serials`` that breaks this format (what
        :meth:`problem` says of it), in order: IMEIs checked together (the ASN import)."""
        if self.spec == "imei":
            yield from _imei_many(serials)
            return
        for serial in serials:
            why = self.problem(serial)
            if why is not None:
                yield serial, why

    def check(self, serial: str, sku: str) -> None:
        reason = self.problem(serial)
        if reason is not None:
            raise BadSerial(f"serial '{clip(serial)}' is not valid for {sku}: {reason}")


_regex_cache: dict[str, Any] = {}


def _reason(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else str(exc)
    return clip(text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text), 120)


def _why_re2(spec: str) -> str:
    """What to add when Python's ``re`` would take a pattern RE2 refuses."""
    try:
        re.compile(spec)
    except re.error:
        return ""
    return (
        "; back-references and look-arounds are not allowed: they cannot be matched in linear time"
    )


def _compile(spec: str) -> Any:
    return re2.compile(spec, options=_RE2_OPTIONS)


def _compiled(spec: str) -> Any:
    pattern = _regex_cache.get(spec)
    if pattern is None:
        pattern = _regex_cache[spec] = _compile(spec)
    return pattern
