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
import dataclasses
import re
from typing import Final

from biip import ParseConfig
from biip.gs1_element_strings import GS1ElementString

from serialpos.domain.case_codes import case_label
from serialpos.domain.decoder.gs1 import (
    gs1_fields,
    read_digital_link,
    read_element_strings,
    read_hri,
    separators,
)
from serialpos.domain.decoder.run_on import serial_run_on
from serialpos.domain.decoder.scan import (
    CONTROL_RE,
    GS,
    GTIN_LENGTHS,
    MAX_SCAN_LENGTH,
    TRIM,
    DecodedScan,
    GS1Fields,
    ScanKind,
    Unreadable,
    gtin_problem,
    is_digits,
)
from serialpos.domain.decoder.symbology import (
    MODE_FREE,
    MODE_GS1,
    MODE_ITF,
    ean_symbology,
    read_ean_upc,
    split_aim,
)

_GS1_START_RE: Final = re.compile(r"01[0-9]{14}")
_HRI_START_RE: Final = re.compile(r"\(01\)[0-9]{14}")
_URL_RE: Final = re.compile(r"https?://", re.IGNORECASE)
_DIGITAL_LINK_RE: Final = re.compile(r"https?://[^/?#]+(?:/[^?#]*)?/01/", re.IGNORECASE)


def _first_unprintable(data: str) -> str:
    """``U+200B at position 3``: where a look-alike scan differs from what the eye reads."""
    for index, char in enumerate(data, start=1):
        if char != GS and not char.isprintable():
            return f"U+{ord(char):04X} at position {index}"
    return "unknown position"


def _gs1_result(
    elements: list[GS1ElementString],
    data: str,
    symbology: str | None,
    aim: str | None,
    raw: str | bytes,
) -> DecodedScan:
    fields = gs1_fields(elements)
    kind: ScanKind
    error = None
    serial = fields.serial
    if fields.gtin and fields.serial:
        kind = "product_serial"
    elif fields.gtin:
        kind = "product"
    elif fields.serial:
        kind = "serial"  # a GS1 label that carries only (21), as on a separate serial sticker
    elif case_label(data) is not None:
        # A case's or pallet's label (an SSCC in (00), a contained GTIN (02) with its count):
        # read as its digits are without the AIM prefix (``]C1``), whole as a "serial", so
        # that every flow names it a case's label (domain/case_codes.py) and never a unit's.
        kind = "serial"
        serial = data
    else:
        kind = "unreadable"
        found = " ".join(str(e.ai) for e in elements)
        error = f"GS1 barcode has no GTIN (01) or serial (21), only {found}"
    return DecodedScan(
        kind=kind,
        symbology=symbology,
        gtin=fields.gtin,
        serial=serial,
        batch=fields.batch,
        expiry=fields.expiry,
        error=error,
        raw=raw,
        text=data,
        aim_id=aim,
    )


def _element_strings(
    data: str,
    seps: str,
    config: ParseConfig,
    symbology: str | None,
    aim: str | None,
    raw: str | bytes,
) -> DecodedScan:
    """GS1 element strings; a serial (21) read to the end of a scan that holds no separator
    at all may have swallowed the fields after it (domain/decoder/run_on.py)."""
    elements = read_element_strings(data, seps, config)
    result = _gs1_result(elements, data, symbology, aim, raw)
    last = elements[-1]
    if last.ai.ai == "21" and not any(sep in data for sep in seps):
        run_on = serial_run_on(last.value)
        if run_on is not None:
            result = dataclasses.replace(result, run_on=run_on)
    return result


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
        return _gs1_result(read_digital_link(data, config), data, symbology, aim, raw)
    if _GS1_START_RE.match(data, len(data) - len(data.lstrip(seps))):
        # Not GS1 after all when it does not read: maybe a serial starting with 01 + 14 digits.
        with contextlib.suppress(Unreadable):
            return _element_strings(data, seps, config, symbology, aim, raw)
    elif _HRI_START_RE.match(data) and not has_gs:
        hri = read_hri(data, config)
        if hri is not None:
            return _gs1_result(hri, data, symbology, aim, raw)
    if has_gs:
        raise Unreadable("scan contains control characters")
    if len(data) in GTIN_LENGTHS and is_digits(data) and gtin_problem(data) is None:
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
        seps, config = separators(gs_substitute)
        if not text:
            raise Unreadable("empty scan")
        if len(text) > MAX_SCAN_LENGTH:
            raise Unreadable(f"scan too long ({len(text)} characters)")
        aim, name, mode = split_aim(text)
        if aim is not None:
            data = text[len(aim) :].strip(TRIM)
            symbology = ean_symbology(data, mode, name)
            if not data:
                raise Unreadable(f"empty scan (only the symbology identifier {aim})")
        if gs_substitute and seps == GS and gs_substitute != GS:
            data = data.replace(gs_substitute, GS)  # a control-character substitute acts as GS
        has_gs = False
        if not data.isprintable():
            if CONTROL_RE.search(data):
                raise Unreadable("scan contains control characters")
            if not data.replace(GS, "").isprintable():
                raise Unreadable(
                    "scan contains an invisible or non-printable character "
                    f"({_first_unprintable(data)})"
                )
            has_gs = True
        if mode == MODE_GS1:
            if _URL_RE.match(data):
                if has_gs:
                    raise Unreadable("scan contains control characters")
                elements = read_digital_link(data, config)
            else:
                return _element_strings(data, seps, config, symbology, aim, raw)
            return _gs1_result(elements, data, symbology, aim, raw)
        if mode == MODE_ITF and len(data) != 14:
            mode = MODE_FREE  # ]I1 is also plain interleaved 2 of 5 with a check digit
        if mode != MODE_FREE:
            if has_gs:
                raise Unreadable("scan contains control characters")
            gtin = read_ean_upc(data, mode, symbology or "EAN/UPC")
            return DecodedScan(
                kind="product", symbology=symbology, gtin=gtin, raw=raw, text=data, aim_id=aim
            )
        return _decode_free_text(data, has_gs, seps, config, symbology, aim, raw)
    except Unreadable as problem:
        fields = problem.fields or GS1Fields()
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
        return _decode_text(raw, text.strip(TRIM), gs_substitute)
    except Exception as exc:  # the contract is "never raise": a decoder bug is an unreadable scan
        return DecodedScan(
            kind="unreadable",
            error=f"decoder error ({type(exc).__name__}); please report this scan",
            raw=raw if isinstance(raw, str | bytes) else repr(raw),
        )
