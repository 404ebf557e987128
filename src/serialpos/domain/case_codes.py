"""Codes that stand for a case of units, never for one unit: told apart from serials.

A carton arrives with labels of its own: a GTIN-14 whose first digit (the packaging level,
1 to 8) says "a case of this product", a GS1 logistics label (an SSCC in AI 00, or AI 02, the
GTIN of the units inside, with AI 37 their count) and the case-pack ID an ASN lists. Scanned
where a unit's serial is expected, such a code must never become a serial, and the refusal
names what was scanned: "not an IMEI" (the product's format speaking) sends the person
looking for a fault in the unit's label when they scanned the carton.

Decisions taken here:
- A product whose own serial format takes the text keeps it: the format is the stronger word
  (as for a serial that reads as a GTIN, ``domain/scan_resolution.py``).
- Digits read as GS1 only when every field reads and every GTIN or SSCC in them has a right
  check digit, so a long numeric serial is rarely mistaken for a case label; with no format
  to say otherwise, a digit string that is a valid case label is refused rather than risk a
  wrong serial on the ledger (capture never records a wrong serial).
"""

from __future__ import annotations

from collections.abc import Mapping

from biip.checksums import gs1_standard_check_digit
from biip.gs1_messages import GS1Message

from serialpos.domain.text import shown

#: What to do instead, said after every refusal at a serial prompt.
SCAN_THE_UNIT = "scan the serial on each unit"

_GS = "\x1d"
_PACKAGING_LEVELS = frozenset("12345678")


def _check_digit_ok(digits: str) -> bool:
    return (
        len(digits) > 1
        and digits.isascii()
        and digits.isdigit()
        and int(digits[-1]) == gs1_standard_check_digit(digits[:-1])
    )


def _fields(text: str) -> dict[str, str] | None:
    """The GS1 fields of ``text`` (human-readable ``(02)...(37)20`` or raw digits with FNC1
    as ASCII 29), or None when it is no GS1 element string in full."""
    try:
        if text.startswith("("):
            message = GS1Message.parse_hri(text)
        elif text[:2] in ("00", "01", "02") and text.replace(_GS, "").isdigit():
            message = GS1Message.parse(text)
        else:
            return None
    except Exception:  # biip's ParseError and the value errors of a field it cannot read
        return None
    return {element.ai.ai: element.value for element in message.element_strings}


def case_label(text: str) -> str | None:
    """What case or shipping label ``text`` is, in words for a refusal (``a case label: 20
    units of GTIN 15012345000012``), or None when it is no such label."""
    data = text.strip()
    if not data:
        return None
    if len(data) == 14 and data.isdigit() and data[0] in _PACKAGING_LEVELS:
        if _check_digit_ok(data):
            return f"a case's barcode (GTIN {data}, packaging level {data[0]})"
        return None
    fields = _fields(data)
    if not fields or "21" in fields:
        return None  # a unit's label carries its serial (21): never a case's
    count = fields.get("37") or fields.get("30")
    units = f"{int(count)} units" if count and count.isdigit() else "units"
    sscc = fields.get("00")
    if sscc is not None and _check_digit_ok(sscc):
        return f"a shipping label (SSCC {sscc}) of a case or pallet"
    inner = fields.get("02")
    if inner is not None and _check_digit_ok(inner):
        return f"a case label: {units} of GTIN {inner}"
    gtin = fields.get("01")
    if gtin is not None and _check_digit_ok(gtin) and (gtin[0] in _PACKAGING_LEVELS or count):
        return f"a case's barcode (GTIN {gtin}, {units})"
    return None


def sscc_of(text: str) -> str | None:
    """The SSCC (18 digits, its check digit right) of a shipping label ``text``: ``(00)...``
    or its raw digits, alone or with the label's other fields; None for anything else (a
    unit's label, whose serial (21) says it is no case's, included)."""
    fields = _fields(text.strip())
    if not fields or "21" in fields:
        return None
    sscc = fields.get("00")
    return sscc if sscc is not None and _check_digit_ok(sscc) else None


def case_refusal_words(text: str) -> str | None:
    """``'(02)15012345000012(37)20' is a case label: 20 units of GTIN 15012345000012, not a
    serial: scan the serial on each unit``, or None when ``text`` is no case label."""
    what = case_label(text)
    if what is None:
        return None
    return f"'{shown(text.strip())}' is {what}, not a serial: {SCAN_THE_UNIT}"


def case_pack_words(
    text: str, case_packs: Mapping[str, str], document: str, *, counted: str | None = None
) -> str | None:
    """``'CP-DEMO-1' is the case pack of AC-USBC1 on ASN ASN-DEMO-1, not a serial: scan the
    serial on each unit``: a case-pack ID the document lists (``case_packs``: ID -> SKU),
    scanned where a serial or a product was expected; None for any other text. ``counted``:
    the selected line's SKU when it is counted, not scanned (the person is told to type how
    many arrived instead)."""
    sku = case_packs.get(text.strip())
    if sku is None:
        return None
    said = f"'{shown(text.strip())}' is the case pack of {sku} on {document}"
    if counted is not None:
        return f"{said}: type how many {counted} arrived"
    return f"{said}, not a serial: {SCAN_THE_UNIT}"
