"""What a scan decodes to (``DecodedScan``) and the small rules every part of the decoder shares.

GTIN check digits, the GS substitute rule, input trimming and the internal ``Unreadable``
signal live here so that the GS1, symbology and classification modules agree on them.
Pure functions only: no I/O, no Textual, no SQL.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

from biip.checksums import gs1_standard_check_digit

ScanKind = Literal["product", "product_serial", "serial", "unreadable"]
SCAN_KINDS: Final[tuple[ScanKind, ...]] = ("product", "product_serial", "serial", "unreadable")

GS: Final = "\x1d"
"""ASCII 29, the group separator scanners send for FNC1 in GS1 data."""

MAX_SCAN_LENGTH: Final = 4096


@dataclass(frozen=True, slots=True)
class DecodedScan:
    """One scan, classified. ``gtin`` is always 14 digits; ``expiry`` is ISO YYYY-MM-DD."""

    kind: ScanKind
    symbology: str | None = None
    gtin: str | None = None
    serial: str | None = None
    batch: str | None = None
    expiry: str | None = None
    error: str | None = None
    raw: str | bytes = ""
    text: str = ""
    aim_id: str | None = None
    """The AIM symbology identifier as received (``]C1``), or None when the scanner sent none."""
    run_on: tuple[str, str] | None = None
    """A label's serial that may have swallowed the fields after it for want of FNC1: the
    serial before and those fields in words (domain/decoder/run_on.py). Not in the JSON."""

    def to_json(self) -> dict[str, str | None]:
        """The stable JSON shape the CLI prints (and scripts may depend on)."""
        return {
            "kind": self.kind,
            "symbology": self.symbology,
            "gtin": self.gtin,
            "serial": self.serial,
            "batch": self.batch,
            "expiry": self.expiry,
            "error": self.error,
        }


# --- public helpers -----------------------------------------------------------------------

GTIN_LENGTHS: Final = frozenset((8, 12, 13, 14))


def is_digits(text: str) -> bool:
    # str.isdecimal alone accepts Arabic-Indic and other Unicode digits; barcodes are ASCII.
    return text.isascii() and text.isdecimal()


def gtin_problem(digits: str) -> str | None:
    """Why ``digits`` (8, 12, 13 or 14 ASCII digits) is not a GTIN, or None if it is one.

    The same rule as ``serialpos.domain.products.normalize_gtin`` (which the catalogue uses
    to store GTINs), so a scanned GTIN-14 and a stored one compare equal.
    """
    expected = gs1_standard_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        return f"wrong check digit in GTIN {digits} (expected {expected}, got {digits[-1]})"
    return None


def looks_like_gtin_with_bad_check_digit(text: str) -> bool:
    """True for 8, 12, 13 or 14 plain digits whose GTIN check digit is wrong.

    ``decode`` classifies such text as a ``serial`` (numeric serials exist); a screen that
    finds no unit with that serial can use this to say "barcode with a wrong check digit".
    Pass ``DecodedScan.text``.
    """
    text = text.strip(TRIM)
    if len(text) not in GTIN_LENGTHS or not is_digits(text):
        return False
    return int(text[-1]) != gs1_standard_check_digit(text[:-1])


# Characters GS1 allows inside alphanumeric fields (GS1 character set 82). A substitute for
# FNC1 must be outside it, or real data could be split at the wrong place.
CSET82_RE: Final = re.compile(r"[!%-?A-Z_a-z\x22]")


def gs_substitute_error(substitute: str | None) -> str | None:
    """Why ``substitute`` cannot stand for FNC1 (GS), or None if it can (or is None).

    Terminal settings can call this when they load, so a bad value is reported once.
    """
    if substitute is None:
        return None
    if not isinstance(substitute, str) or len(substitute) != 1:
        return f"GS substitute must be exactly one character, got {substitute!r}"
    if substitute == GS or is_control(substitute):
        return None
    if substitute.isalnum() or substitute.isspace() or CSET82_RE.fullmatch(substitute):
        return (
            f"GS substitute {substitute!r} can appear inside GS1 data; "
            "use one of ~ ^ | # $ @ [ \\ ] ` { }"
        )
    return None


# --- input clean-up -----------------------------------------------------------------------

# What is trimmed around a scan: the ASCII space and tab, and the CR/LF a scanner ends a read
# with, as around a serial (``domain/serials.py``). Not ``str.strip()``'s set: it also takes
# ASCII 28-31 (a GS that belongs to the data), and U+00A0, U+2028, U+FEFF ... which would make
# a scan ending in one the label's serial without it where the contract refuses it, naming
# the character and its position.
TRIM: Final = " \t\r\n"
CONTROL_RE: Final = re.compile(r"[\x00-\x1c\x1e\x1f\x7f-\x9f]")  # C0/C1 controls except GS


class Unreadable(Exception):
    """Internal: stops decoding with a reason; fields read before the problem travel along."""

    def __init__(self, reason: str, fields: GS1Fields | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fields = fields


@dataclass(frozen=True, slots=True)
class GS1Fields:
    """What a GS1 scan carries that the shop cares about."""

    gtin: str | None = None
    serial: str | None = None
    batch: str | None = None
    expiry: str | None = None


def preview(text: str, limit: int = 20) -> str:
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"
