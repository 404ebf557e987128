"""The checks an ASN file's rows get whatever the format: each cell in itself, each row
against its ASN, and the file across its rows.

CSV and JSON parsers (asn_csv.py, asn_json.py) both hand their rows to :func:`add_row`, so a
problem reads the same in either format; every problem is collected (none stops the reading)
so a refused file lists them all at once."""

from __future__ import annotations

import json
import re

from serialpos.domain.asn_rows import (
    MAX_ASN_ID,
    MAX_CASE_PACK,
    MAX_QUANTITY,
    MAX_SERIALS,
    MAX_SKU,
    MAX_VENDOR,
    AsnDoc,
    AsnRow,
    ParsedAsnFile,
    Problem,
)
from serialpos.domain.entry_text import AROUND, identifier_refusal
from serialpos.domain.scan_resolution import merged_scans
from serialpos.domain.serial_case import fold, within_message
from serialpos.domain.text import (
    clip,
    has_control_chars,
    invisible_character,
    non_ascii_character,
    shown,
)

_WHOLE = re.compile(r"[0-9]{1,18}")  # longer is past any limit, and int() of 5,000 digits raises


def checked_text(
    value: str, what: str, limit: int, where: str, problems: list[Problem], *, required: bool = True
) -> str | None:
    """A text cell trimmed, or None with a problem (blank, control characters, an invisible
    character, too long). Only the ASCII space, tab, CR and LF are trimmed, as around a
    serial: ``str.strip()`` also took a no-break space or U+2028 off either end, and a
    zero-width space stayed in, so ``Y-2<U+200B>`` was a second ASN beside ``Y-2``, one
    vendor shipment imported and received twice (domain/entry_text.py)."""
    text = value.strip(AROUND)
    if not text:
        if required:
            problems.append(Problem(where, f"{what} is blank"))
        return None
    if has_control_chars(text):
        problems.append(Problem(where, f"{what} '{clip(text)}' contains control characters"))
        return None
    hidden = None if text.isascii() else identifier_refusal(what, text, "correct the file")
    if hidden is not None:
        problems.append(Problem(where, hidden))
        return None
    if len(text) > limit:
        problems.append(
            Problem(where, f"{what} '{clip(text)}' is {len(text)} characters long; at most {limit}")
        )
        return None
    return text


def checked_quantity(value: object, where: str, problems: list[Problem]) -> int | None:
    """A positive whole quantity (text or JSON number), or None with a problem."""
    if isinstance(value, str):
        text = value.strip()
        digits = (text.lstrip("0") or "0") if text.isascii() and text.isdigit() else text
        number = int(digits) if _WHOLE.fullmatch(digits) else None
    elif isinstance(value, int) and not isinstance(value, bool):
        text, number = str(value), value
    else:
        text, number = clip(json.dumps(value)), None
    if number is None and text.isascii() and text.isdigit() and len(text.lstrip("0")) > 18:
        # A whole number of 19 digits or more: past the limit, not "no whole number" (it
        # is one); its value is never computed (int() of 5,000 digits raises).
        problems.append(Problem(where, f"Quantity {clip(text)} is more than {MAX_QUANTITY:,}"))
        return None
    if number is None or number < 1:
        shown = clip(text) if text else "blank"
        problems.append(
            Problem(
                where,
                f"Quantity '{shown}' is not a positive whole number"
                if text
                else "Quantity is blank",
            )
        )
        return None
    if number > MAX_QUANTITY:
        problems.append(Problem(where, f"Quantity {number} is more than {MAX_QUANTITY:,}"))
        return None
    return number


def checked_serials(values: list[str], where: str, problems: list[Problem]) -> tuple[str, ...]:
    """Serials as listed, each trimmed and checked in itself as ``apply`` and the console check
    a serial: not blank, not too long, no control, invisible or non-ASCII character (a label
    carries none, so such a serial could never be received), not two labels run together. A
    list of plain printable ASCII is checked whole (C loops, not a Python call per serial but
    the run-together test); any other goes serial by serial for its messages."""
    trimmed = list(map(str.strip, values))
    joined = "".join(trimmed)
    if (
        all(trimmed)
        and max(map(len, trimmed), default=0) <= 64
        and joined.isascii()
        and joined.isprintable()
        and not any(map(merged_scans, trimmed))
    ):
        return tuple(trimmed)
    clean: list[str] = []
    for n, raw in enumerate(values, start=1):
        problem = serial_cell_problem(raw.strip(), n)
        if problem is None:
            clean.append(raw.strip())
        else:
            problems.append(Problem(where, problem))
    return tuple(clean)


def serial_cell_problem(serial: str, n: int) -> str | None:
    """What is wrong with the ``n``-th serial of a row's list, in itself, or None."""
    if not serial:
        return f"serial {n} of the list is blank"
    if has_control_chars(serial):
        return f"serial '{clip(serial)}' contains control characters"
    odd = invisible_character(serial)
    if odd is not None:
        return (
            f"serial {n} of the list, '{shown(serial)}', holds an invisible character ({odd}): "
            "no label carries it, so the unit could never be received; correct the file"
        )
    foreign = non_ascii_character(serial)
    if foreign is not None:
        return (
            f"serial {n} of the list, '{clip(serial)}', holds a character that is not plain "
            f"ASCII ({foreign}): correct the file"
        )
    if len(serial) > 64:
        return f"serial '{clip(serial)}' is {len(serial)} characters long; at most 64"
    merged = merged_scans(serial)
    if merged is not None:
        return (
            f"serial '{clip(serial)}' looks like two serials run together "
            f"({merged[0]} and {merged[1]}): list one serial per unit"
        )
    return None


def add_row(
    docs: dict[str, AsnDoc],
    problems: list[Problem],
    where: str,
    asn_raw: str,
    vendor_raw: str,
    sku_raw: str,
    quantity_raw: object,
    serials: list[str],
    case_pack_raw: str,
) -> None:
    """One ASN line checked, and added to its ASN (new, or named before) when it has no problem."""
    before = len(problems)
    asn = checked_text(asn_raw, "ASN", MAX_ASN_ID, where, problems)
    vendor = checked_text(vendor_raw, "Vendor", MAX_VENDOR, where, problems)
    sku = checked_text(sku_raw, "SKU", MAX_SKU, where, problems)
    quantity = checked_quantity(quantity_raw, where, problems)
    listed = checked_serials(serials, where, problems)
    case_pack = checked_text(
        case_pack_raw, "CasePack", MAX_CASE_PACK, where, problems, required=False
    )
    if quantity is not None and serials and len(serials) != quantity:
        problems.append(
            Problem(
                where,
                f"{len(serials)} serials listed for a quantity of "
                f"{quantity}: list one serial per unit, or none",
            )
        )
    if asn is None:
        return
    doc = docs.get(asn)
    if doc is None:
        doc = docs[asn] = AsnDoc(asn, vendor or "", where)
    elif vendor is not None and doc.vendor and vendor != doc.vendor:
        problems.append(
            Problem(
                where,
                f"ASN {asn} names vendor '{clip(vendor)}' here but "
                f"'{clip(doc.vendor)}' at {doc.where}",
            )
        )
    if len(problems) == before and sku is not None and quantity is not None:
        doc.rows.append(AsnRow(where, asn, sku, quantity, listed, case_pack))


def _listed_twice(docs: list[AsnDoc], problems: list[Problem]) -> None:
    """A problem for each serial listed again after its first row, in file order: under the
    same product (listed twice) or under another (one label cannot be two products' units)."""
    seen: dict[str, tuple[str, str]] = {}  # serial -> (SKU, where first listed)
    for doc in docs:
        for row in doc.rows:
            for serial in row.serials:
                first = seen.get(serial)
                if first is None:
                    seen[serial] = (row.sku, row.where)
                elif first[0] == row.sku:
                    problems.append(
                        Problem(
                            row.where,
                            f"serial {clip(serial)} of {row.sku} is "
                            f"listed twice in the file (first at "
                            f"{first[1]})",
                        )
                    )
                else:
                    problems.append(
                        Problem(
                            row.where,
                            f"serial {clip(serial)} is listed for {row.sku} here and for "
                            f"{first[0]} at {first[1]}: a serial is one unit of one product",
                        )
                    )


def _twins_in_file(docs: list[AsnDoc], problems: list[Problem]) -> None:
    """A problem for each serial listed after another differing from it only in letter case
    (domain/serial_case.py): one label, and the file cannot say which case is printed."""
    first: dict[str, tuple[str, str]] = {}  # folded -> (serial, where first listed)
    for doc in docs:
        for row in doc.rows:
            for serial in row.serials:
                seen = first.setdefault(fold(serial), (serial, row.where))
                if seen[0] != serial:
                    problems.append(
                        Problem(row.where, f"{within_message(seen[0], serial)} (at {seen[1]})")
                    )


def _same_but_case(docs: list[AsnDoc], problems: list[Problem]) -> None:
    """ASN ids differ by more than letter case: ``asn-1001`` beside ``ASN-1001`` is the same
    vendor document twice (a re-export), and importing both would double what is expected."""
    first: dict[str, AsnDoc] = {}
    for doc in docs:
        other = first.setdefault(doc.asn.lower(), doc)
        if other is not doc:
            problems.append(
                Problem(
                    doc.where,
                    f"ASN {clip(doc.asn)} is ASN {clip(other.asn)} (at {other.where}) "
                    "in other letter case: list each ASN under one id",
                )
            )


def finish_file(docs: list[AsnDoc], problems: list[Problem]) -> ParsedAsnFile:
    """Checks across rows: serials listed twice (under one product or two), or in two letter
    cases, ASN ids that differ only in letter case, too many serials, an ASN with no lines."""
    listed = [serial for doc in docs for row in doc.rows for serial in row.serials]
    total = len(listed)
    # No serial twice, under one product or two (told in C by one set): nothing to say row
    # by row.
    distinct = set(listed)
    if len(distinct) != total:
        _listed_twice(docs, problems)
    # str.lower() (C speed) over-folds only non-ASCII, which fold() then tells apart
    if len(set(map(str.lower, distinct))) != len(distinct):
        _twins_in_file(docs, problems)
    _same_but_case(docs, problems)
    if total > MAX_SERIALS:
        problems.append(
            Problem(
                "file",
                f"{total:,} serials listed; at most {MAX_SERIALS:,} "
                "in one file: split the shipment",
            )
        )
    if not docs and not problems:
        problems.append(Problem("file", "the file lists no ASN lines"))
    return ParsedAsnFile(docs, problems)
