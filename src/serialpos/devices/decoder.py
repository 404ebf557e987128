"""The one barcode decoder: raw scanner output in, a classified ``DecodedScan`` out.

Keyboard-wedge, evdev and serial-port scanners all deliver the same raw text: an optional AIM
symbology identifier (``]C1``, ``]d2``, ``]E0`` ...), then GS1 element strings (FNC1 sent as
ASCII 29 or a configured substitute), a GS1 Digital Link URL, EAN/UPC digits or a
manufacturer's serial. Every source calls ``decode`` so that a scan means the same thing
whichever way it arrived. The decoder never guesses: data whose symbology promises GS1 or
EAN/UPC but that does not check out is ``unreadable`` with a reason a cashier can act on.

Pure functions only: no I/O, no Textual, no SQL, and ``decode`` never raises.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

from biip import ParseConfig, ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message
from biip.upc import Upc

__all__ = [
    "GS",
    "MAX_SCAN_LENGTH",
    "SCAN_KINDS",
    "DecodedScan",
    "ScanKind",
    "decode",
    "gs_substitute_error",
    "looks_like_gtin_with_bad_check_digit",
]

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

_GTIN_LENGTHS: Final = frozenset((8, 12, 13, 14))


def _is_digits(text: str) -> bool:
    # str.isdecimal alone accepts Arabic-Indic and other Unicode digits; barcodes are ASCII.
    return text.isascii() and text.isdecimal()


def _gtin_problem(digits: str) -> str | None:
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
    text = text.strip(_TRIM)
    if len(text) not in _GTIN_LENGTHS or not _is_digits(text):
        return False
    return int(text[-1]) != gs1_standard_check_digit(text[:-1])


# Characters GS1 allows inside alphanumeric fields (GS1 character set 82). A substitute for
# FNC1 must be outside it, or real data could be split at the wrong place.
_CSET82_RE: Final = re.compile(r"[!%-?A-Z_a-z\x22]")


def gs_substitute_error(substitute: str | None) -> str | None:
    """Why ``substitute`` cannot stand for FNC1 (GS), or None if it can (or is None).

    Terminal settings can call this when they load, so a bad value is reported once.
    """
    if substitute is None:
        return None
    if not isinstance(substitute, str) or len(substitute) != 1:
        return f"GS substitute must be exactly one character, got {substitute!r}"
    if substitute == GS or _is_control(substitute):
        return None
    if substitute.isalnum() or substitute.isspace() or _CSET82_RE.fullmatch(substitute):
        return (
            f"GS substitute {substitute!r} can appear inside GS1 data; "
            "use one of ~ ^ | # $ @ [ \\ ] ` { }"
        )
    return None


# --- input clean-up -----------------------------------------------------------------------

# str.strip() with no argument also strips ASCII 28-31, which would eat a GS that belongs to
# the data; so trim Python's whitespace set minus those four.
_TRIM: Final = (
    " \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_CONTROL_RE: Final = re.compile(r"[\x00-\x1c\x1e\x1f\x7f-\x9f]")  # C0/C1 controls except GS


class _Unreadable(Exception):
    """Internal: stops decoding with a reason; fields read before the problem travel along."""

    def __init__(self, reason: str, fields: _Fields | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fields = fields


# --- AIM symbology identifiers (ISO/IEC 15424) --------------------------------------------

_FREE: Final = "free"  # any text; GS1 and GTINs only when they check out completely
_GS1: Final = "gs1"  # FNC1 in first position: the data must be GS1
_EAN: Final = "ean"  # ]E0: EAN-13, UPC-A or UPC-E
_EAN8: Final = "ean8"  # ]E4
_EAN_ADDON: Final = "ean-addon"  # ]E3: main symbol followed by its 2- or 5-digit add-on
_ADDON_ONLY: Final = "addon-only"  # ]E1, ]E2: an add-on read on its own
_ITF: Final = "itf"  # ]I1: ITF-14 (a GTIN-14) when it carries 14 digits

_AIM_CODES: Final[dict[str, tuple[str, str]]] = {
    "A": ("code39", _FREE),
    "B": ("telepen", _FREE),
    "C": ("code128", _FREE),
    "D": ("code-one", _FREE),
    "E": ("ean13", _EAN),
    "F": ("codabar", _FREE),
    "G": ("code93", _FREE),
    "H": ("code11", _FREE),
    "I": ("itf", _FREE),
    "J": ("dotcode", _FREE),
    "K": ("code16k", _FREE),
    "L": ("pdf417", _FREE),
    "M": ("msi", _FREE),
    "N": ("anker", _FREE),
    "O": ("codablock", _FREE),
    "P": ("plessey", _FREE),
    "Q": ("qr", _FREE),
    "R": ("iata-2of5", _FREE),
    "S": ("industrial-2of5", _FREE),
    "T": ("code49", _FREE),
    "U": ("maxicode", _FREE),
    "X": ("other", _FREE),
    "Y": ("system-expansion", _FREE),
    "Z": ("non-barcode", _FREE),
    "c": ("channel-code", _FREE),
    "d": ("datamatrix", _FREE),
    "e": ("gs1-databar", _GS1),
    "h": ("hanxin", _FREE),
    "o": ("ocr", _FREE),
    "p": ("posicode", _FREE),
    "s": ("supercode", _FREE),
    "z": ("aztec", _FREE),
}
# Code + modifier pairs that change the meaning (GS1 General Specifications 5.1.2).
_AIM_MODIFIED: Final[dict[str, tuple[str, str]]] = {
    "C1": ("gs1-128", _GS1),
    "d2": ("gs1-datamatrix", _GS1),
    "d5": ("gs1-datamatrix", _GS1),  # FNC1 first position, with ECI
    "Q3": ("gs1-qr", _GS1),
    "Q4": ("gs1-qr", _GS1),  # FNC1 first position, with ECI
    "J1": ("gs1-dotcode", _GS1),
    "e1": ("gs1-composite", _GS1),
    "e2": ("gs1-composite", _GS1),
    "E1": ("ean-addon", _ADDON_ONLY),
    "E2": ("ean-addon", _ADDON_ONLY),
    "E3": ("ean13-addon", _EAN_ADDON),
    "E4": ("ean8", _EAN8),
    "I1": ("itf", _ITF),
}
_AIM_RE: Final = re.compile(r"\]([A-Za-z])([0-9A-Za-z])")


def _split_aim(text: str) -> tuple[str | None, str, str]:
    """(AIM id or None, symbology name or "", mode) for ``text``."""
    match = _AIM_RE.match(text)
    if match is None:
        return None, "", _FREE
    code, modifier = match.group(1), match.group(2)
    known = _AIM_MODIFIED.get(code + modifier) or _AIM_CODES.get(code)
    if known is None:
        return None, "", _FREE  # "]" followed by an unknown code: ordinary text
    aim = match.group(0)
    if code == "Y":  # system expansion: the digit says how many more modifier characters follow
        if not modifier.isdigit():
            return None, "", _FREE
        aim = text[: 3 + int(modifier)]
    return aim, known[0], known[1]


# --- GS1 ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fields:
    """What a GS1 scan carries that the shop cares about."""

    gtin: str | None = None
    serial: str | None = None
    batch: str | None = None
    expiry: str | None = None


def _fields(elements: list[GS1ElementString]) -> _Fields:
    gtin = serial = batch = expiry = None
    for element in elements:
        match element.ai.ai:
            case "01":
                gtin = element.value
            case "21":
                serial = element.value
            case "10":
                batch = element.value
            case "17":
                expiry = element.date.isoformat() if element.date else None
    return _Fields(gtin=gtin, serial=serial, batch=batch, expiry=expiry)


def _label(ai: GS1ApplicationIdentifier) -> str:
    return f"GS1 {ai} {ai.data_title}"


def _preview(text: str, limit: int = 20) -> str:
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


_SIMPLE_FORMAT_RE: Final = re.compile(r"([NX])(\.\.)?(\d+)")


def _describe_format(ai: GS1ApplicationIdentifier) -> str:
    parts = ai.format.split("+")[1:]
    simple = _SIMPLE_FORMAT_RE.fullmatch(parts[0]) if len(parts) == 1 else None
    if simple is None:
        return f"needs the format {'+'.join(parts)}"
    unit = "digits" if simple.group(1) == "N" else "characters"
    return f"needs {'up to ' if simple.group(2) else ''}{simple.group(3)} {unit}"


_DATE_AIS: Final = frozenset(
    ("11", "12", "13", "15", "16", "17", "4324", "4325", "4326", "7003", "7006", "7007", "7011")
)


def _hint(char: str) -> str:
    if gs_substitute_error(char) is None and char.isprintable():
        return f"; if the scanner sends {char!r} for FNC1, set it as the GS substitute"
    return ""


def _element_error(rest: str, previous: GS1ElementString | None, seps: str) -> str:
    """Explain why no element string could be read at the start of ``rest``."""
    head = rest[0]
    if not ("0" <= head <= "9"):
        if previous is None:
            return f"GS1 data must start with an application identifier, got {_preview(rest)}"
        return f"unexpected {head!r} in GS1 data after {_label(previous.ai)}{_hint(head)}"
    try:
        ai = GS1ApplicationIdentifier.extract(rest)
    except ParseError:
        return f"unknown GS1 application identifier at {_preview(rest)}"
    body = rest[len(ai.ai) :]
    for sep in seps:
        body = body.split(sep, 1)[0]
    if re.match(ai.pattern.removesuffix("$"), ai.ai + body) is None:
        bad = _CSET82_RE.sub("", body[:1])
        if bad and "X" in ai.format.partition("+")[2]:
            return f"{_label(ai)} contains {bad!r}, which GS1 does not allow{_hint(bad)}"
        return f"{_label(ai)} {_describe_format(ai)}, got {_preview(body)}"
    if ai.ai in _DATE_AIS:
        return f"{_label(ai)} is not a valid date: {_preview(body)}"
    return f"{_label(ai)} could not be read: {_preview(body)}"


def _check_element(element: GS1ElementString) -> str | None:
    """Why a syntactically fine element string is still wrong (check digits), or None."""
    if element.ai.ai in ("01", "02", "03"):
        problem = _gtin_problem(element.value) if len(element.value) == 14 else None
        if problem and element.ai.ai == "01":
            return problem
        if problem or element.gtin_error:
            return f"{_label(element.ai)}: {problem or element.gtin_error}"
    for error in (element.sscc_error, element.gln_error):
        if error:
            return f"{_label(element.ai)}: {error}"
    return None


def _read_element_strings(data: str, seps: str, config: ParseConfig) -> list[GS1ElementString]:
    """Every element string in ``data``, or raise ``_Unreadable`` with what was read so far."""
    elements: list[GS1ElementString] = []
    seen: dict[str, str] = {}
    rest = data.lstrip(seps)  # a leading FNC1 is sometimes transmitted as GS
    if not rest:
        raise _Unreadable("GS1 barcode without data")
    while rest:
        previous = elements[-1] if elements else None
        try:
            element = GS1ElementString.extract(rest, config=config)
        except ParseError:
            raise _Unreadable(_element_error(rest, previous, seps), _fields(elements)) from None
        rest = rest[len(element) :]
        if rest and rest[0] in seps:
            rest = rest.lstrip(seps)
        elif rest and element.ai.separator_required:
            # GS1 requires FNC1 after every variable-length field but the last. Without it the
            # field either ran over its maximum length or swallowed an unexpected character.
            char = rest[0]
            reason = f"missing group separator (FNC1) after {_label(element.ai)}"
            if _CSET82_RE.match(char):
                reason += f" or the value is too long: {_preview(element.value + rest)}"
            else:
                reason += f": found {char!r}{_hint(char)}"
            raise _Unreadable(reason, _fields(elements))
        problem = _check_element(element)
        if problem is None and seen.get(element.ai.ai, element.value) != element.value:
            problem = f"GS1 data repeats {element.ai} with different values"
        if problem:
            raise _Unreadable(problem, _fields(elements))
        seen[element.ai.ai] = element.value
        elements.append(element)
    return elements


def _read_digital_link(data: str, config: ParseConfig) -> list[GS1ElementString]:
    try:
        link = GS1DigitalLinkURI.parse(data, config=config)
    except (ParseError, ValueError) as exc:  # urlsplit raises ValueError on a broken host
        # biip's messages end with the regular expression; a cashier needs only the start.
        reason = re.sub(r" pattern '.*", ".", str(exc))
        raise _Unreadable(f"not a valid GS1 Digital Link: {reason}") from None
    elements = list(link.element_strings)
    seen: dict[str, str] = {}
    for index, element in enumerate(elements):
        problem = _check_element(element)
        if problem is None and seen.setdefault(element.ai.ai, element.value) != element.value:
            problem = f"GS1 Digital Link repeats {element.ai} with different values"
        if problem:
            raise _Unreadable(problem, _fields(elements[:index]))
    return elements


def _read_hri(data: str, config: ParseConfig) -> list[GS1ElementString] | None:
    """GS1 typed as printed under the barcode, ``(01)...(21)...``; None unless it all reads."""
    try:
        message = GS1Message.parse_hri(data, config=config)
    except ParseError:
        return None
    elements = list(message.element_strings)
    # parse_hri silently skips text it cannot match; accept only a lossless round trip.
    if message.as_hri() != data or any(_check_element(e) for e in elements):
        return None
    return elements


# --- EAN/UPC ------------------------------------------------------------------------------

_ADDON_SPLIT: Final[dict[int, tuple[int, str]]] = {
    15: (13, "ean13-addon"),
    18: (13, "ean13-addon"),
    14: (12, "upca-addon"),
    17: (12, "upca-addon"),
    10: (8, "upce-addon"),
    13: (8, "upce-addon"),
}


def _ean_symbology(data: str, mode: str, default: str) -> str:
    """The precise name (ean13, upca, upce ...) once the data length is known."""
    if mode == _EAN:
        return {13: "ean13", 12: "upca", 8: "upce", 7: "upce", 6: "upce"}.get(len(data), default)
    if mode == _EAN_ADDON:
        return _ADDON_SPLIT.get(len(data), (0, default))[1]
    if mode == _ITF and len(data) == 14:
        return "itf14"
    return default


def _read_ean_upc(data: str, mode: str, symbology: str) -> str:
    """The 14-digit GTIN in EAN/UPC data, or raise ``_Unreadable``."""
    if mode == _ADDON_ONLY:
        raise _Unreadable("EAN/UPC add-on read without its main barcode; scan the main barcode")
    if not _is_digits(data):
        raise _Unreadable(f"{symbology} barcode must be digits, got {_preview(data)}")
    main = data
    if mode == _EAN_ADDON:
        main = data[: _ADDON_SPLIT.get(len(data), (0, ""))[0]]
        if not main:
            raise _Unreadable(f"EAN/UPC with add-on has {len(data)} digits, which does not fit")
    expected = {_EAN: (13, 12, 8, 7, 6), _EAN8: (8,), _ITF: (14,)}.get(mode, (13, 12, 8))
    if len(main) not in expected:
        allowed = ", ".join(str(n) for n in expected)
        raise _Unreadable(f"{symbology} barcode has {len(main)} digits (expected {allowed})")
    if len(main) < 9 and mode != _EAN8:  # ]E0 sends UPC-E as 6, 7 or 8 digits
        if len(main) > 6 and main[0] not in "01":
            raise _Unreadable(f"UPC-E {main} must start with 0 or 1")
        try:
            return str(Upc.parse(main).as_gtin_14())
        except ParseError:
            raise _Unreadable(f"wrong check digit in UPC-E {main}") from None
    problem = _gtin_problem(main)
    if problem:
        raise _Unreadable(problem)
    return main.zfill(14)


# --- the decoder --------------------------------------------------------------------------

_GS1_START_RE: Final = re.compile(r"01[0-9]{14}")
_HRI_START_RE: Final = re.compile(r"\(01\)[0-9]{14}")
_URL_RE: Final = re.compile(r"https?://", re.IGNORECASE)
_DIGITAL_LINK_RE: Final = re.compile(r"https?://[^/?#]+(?:/[^?#]*)?/01/", re.IGNORECASE)

_DEFAULT_CONFIG: Final = (GS, ParseConfig(separator_chars=(GS,)))
_CONFIGS: dict[str, tuple[str, ParseConfig]] = {}


def _separators(substitute: str | None) -> tuple[str, ParseConfig]:
    """The separator characters and biip config for one substitute, built once and kept.

    A control-character substitute is not listed: ``_decode_text`` turns it into GS first,
    because every other control character makes a scan unreadable.
    """
    if substitute is None or substitute == GS:
        return _DEFAULT_CONFIG
    cached = _CONFIGS.get(substitute) if isinstance(substitute, str) else None
    if cached is None:
        error = gs_substitute_error(substitute)
        if error:
            raise _Unreadable(f"scanner configuration: {error}")
        if _is_control(substitute):
            cached = _DEFAULT_CONFIG
        else:
            cached = (GS + substitute, ParseConfig(separator_chars=(GS, substitute)))
        if len(_CONFIGS) < 64:  # a terminal has one or two; never grow without bound
            _CONFIGS[substitute] = cached
    return cached


def _first_unprintable(data: str) -> str:
    """``U+200B at position 3``: where a look-alike scan differs from what the eye reads."""
    for index, char in enumerate(data, start=1):
        if char != GS and not char.isprintable():
            return f"U+{ord(char):04X} at position {index}"
    return "unknown position"


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


def _gs1_result(
    elements: list[GS1ElementString],
    data: str,
    symbology: str | None,
    aim: str | None,
    raw: str | bytes,
) -> DecodedScan:
    fields = _fields(elements)
    kind: ScanKind
    error = None
    if fields.gtin and fields.serial:
        kind = "product_serial"
    elif fields.gtin:
        kind = "product"
    elif fields.serial:
        kind = "serial"  # a GS1 label that carries only (21), as on a separate serial sticker
    else:
        kind = "unreadable"
        found = " ".join(str(e.ai) for e in elements)
        error = f"GS1 barcode has no GTIN (01) or serial (21), only {found}"
    return DecodedScan(
        kind=kind,
        symbology=symbology,
        gtin=fields.gtin,
        serial=fields.serial,
        batch=fields.batch,
        expiry=fields.expiry,
        error=error,
        raw=raw,
        text=data,
        aim_id=aim,
    )


def _decode_free_text(
    data: str,
    has_gs: bool,
    seps: str,
    config: ParseConfig,
    symbology: str | None,
    aim: str | None,
    raw: str | bytes,
) -> DecodedScan:
    """Text with no GS1 or EAN/UPC promise: GS1 or a GTIN only if it checks out completely."""
    if not has_gs and _DIGITAL_LINK_RE.match(data):
        # A URL with /01/ in its path is meant as a Digital Link; a broken one is not a serial.
        return _gs1_result(_read_digital_link(data, config), data, symbology, aim, raw)
    if _GS1_START_RE.match(data, len(data) - len(data.lstrip(seps))):
        # Not GS1 after all when it does not read: maybe a serial starting with 01 + 14 digits.
        with contextlib.suppress(_Unreadable):
            return _gs1_result(_read_element_strings(data, seps, config), data, symbology, aim, raw)
    elif _HRI_START_RE.match(data) and not has_gs:
        hri = _read_hri(data, config)
        if hri is not None:
            return _gs1_result(hri, data, symbology, aim, raw)
    if has_gs:
        raise _Unreadable("scan contains control characters")
    if len(data) in _GTIN_LENGTHS and _is_digits(data) and _gtin_problem(data) is None:
        return DecodedScan(
            kind="product",
            symbology=symbology,
            gtin=data.zfill(14),
            raw=raw,
            text=data,
            aim_id=aim,
        )
    return DecodedScan(
        kind="serial", symbology=symbology, serial=data, raw=raw, text=data, aim_id=aim
    )


def _decode_text(raw: str | bytes, text: str, gs_substitute: str | None) -> DecodedScan:
    symbology: str | None = None
    aim: str | None = None
    data = text
    try:
        seps, config = _separators(gs_substitute)
        if not text:
            raise _Unreadable("empty scan")
        if len(text) > MAX_SCAN_LENGTH:
            raise _Unreadable(f"scan too long ({len(text)} characters)")
        aim, name, mode = _split_aim(text)
        if aim is not None:
            data = text[len(aim) :].strip(_TRIM)
            symbology = _ean_symbology(data, mode, name)
            if not data:
                raise _Unreadable(f"empty scan (only the symbology identifier {aim})")
        if gs_substitute and seps == GS and gs_substitute != GS:
            data = data.replace(gs_substitute, GS)  # a control-character substitute acts as GS
        has_gs = False
        if not data.isprintable():
            if _CONTROL_RE.search(data):
                raise _Unreadable("scan contains control characters")
            if not data.replace(GS, "").isprintable():
                raise _Unreadable(
                    "scan contains an invisible or non-printable character "
                    f"({_first_unprintable(data)})"
                )
            has_gs = True
        if mode == _GS1:
            if _URL_RE.match(data):
                if has_gs:
                    raise _Unreadable("scan contains control characters")
                elements = _read_digital_link(data, config)
            else:
                elements = _read_element_strings(data, seps, config)
            return _gs1_result(elements, data, symbology, aim, raw)
        if mode == _ITF and len(data) != 14:
            mode = _FREE  # ]I1 is also plain interleaved 2 of 5 with a check digit
        if mode != _FREE:
            if has_gs:
                raise _Unreadable("scan contains control characters")
            gtin = _read_ean_upc(data, mode, symbology or "EAN/UPC")
            return DecodedScan(
                kind="product", symbology=symbology, gtin=gtin, raw=raw, text=data, aim_id=aim
            )
        return _decode_free_text(data, has_gs, seps, config, symbology, aim, raw)
    except _Unreadable as problem:
        fields = problem.fields or _Fields()
        return DecodedScan(
            kind="unreadable",
            symbology=symbology,
            gtin=fields.gtin,
            serial=fields.serial,
            batch=fields.batch,
            expiry=fields.expiry,
            error=problem.reason,
            raw=raw,
            text=data,
            aim_id=aim,
        )


def decode(raw: str | bytes, gs_substitute: str | None = None) -> DecodedScan:
    """Classify one scan as product, product_serial, serial or unreadable. Never raises.

    ``raw`` is what the scanner sent, as text or bytes (UTF-8); surrounding whitespace and the
    CR/LF suffix are ignored. ``gs_substitute`` is the character the scanner is set to send for
    FNC1 instead of ASCII 29 (``~``, ``^`` ...); ASCII 29 is always accepted as well.
    """
    try:
        if isinstance(raw, str):
            text = raw
        elif isinstance(raw, bytes | bytearray | memoryview):
            raw = bytes(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return DecodedScan(
                    kind="unreadable",
                    error=f"scan is not text (bytes are not valid UTF-8 at offset {exc.start})",
                    raw=raw,
                )
        else:
            return DecodedScan(
                kind="unreadable", error=f"scan is not text ({type(raw).__name__})", raw=repr(raw)
            )
        return _decode_text(raw, text.strip(_TRIM), gs_substitute)
    except Exception as exc:  # the contract is "never raise": a decoder bug is an unreadable scan
        return DecodedScan(
            kind="unreadable",
            error=f"decoder error ({type(exc).__name__}); please report this scan",
            raw=raw if isinstance(raw, str | bytes) else repr(raw),
        )
