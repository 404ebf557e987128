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
from serialpos.domain.text import clip, has_control_chars

_WHOLE = re.compile(r"[0-9]{1,18}")  # longer is past any limit, and int() of 5,000 digits raises


def checked_text(
    value: str, what: str, limit: int, where: str, problems: list[Problem], *, required: bool = True
) -> str | None:
    """A text cell trimmed, or None with a problem (blank, control characters, too long)."""
    text = value.strip()
    if not text:
        if required:
            problems.append(Problem(where, f"{what} is blank"))
        return None
    if has_control_chars(text):
        problems.append(Problem(where, f"{what} '{clip(text)}' contains control characters"))
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
        number = int(text) if _WHOLE.fullmatch(text) else None
    elif isinstance(value, int) and not isinstance(value, bool):
        text, number = str(value), value
    else:
        text, number = clip(json.dumps(value)), None
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
    """Serials as listed, each trimmed and checked in itself; a bad one is a problem. A list
    with nothing wrong is checked whole (no blank, none too long, no control character in
    all of them joined: C loops, not a Python call per serial); any other goes serial by
    serial for its messages."""
    trimmed = list(map(str.strip, values))
    if (
        all(trimmed)
        and max(map(len, trimmed), default=0) <= 64
        and not has_control_chars("".join(trimmed))
    ):
        return tuple(trimmed)
    clean: list[str] = []
    for n, raw in enumerate(values, start=1):
        serial = raw.strip()
        if not serial:
            problems.append(Problem(where, f"serial {n} of the list is blank"))
        elif has_control_chars(serial):
            problems.append(Problem(where, f"serial '{clip(serial)}' contains control characters"))
        elif len(serial) > 64:
            problems.append(
                Problem(
                    where, f"serial '{clip(serial)}' is {len(serial)} characters long; at most 64"
                )
            )
        else:
            clean.append(serial)
    return tuple(clean)


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
    """A problem for each serial listed again after its first row, in file order."""
    seen: dict[tuple[str, str], str] = {}
    for doc in docs:
        for row in doc.rows:
            for serial in row.serials:
                key = (row.sku, serial)
                first = seen.get(key)
                if first is not None:
                    problems.append(
                        Problem(
                            row.where,
                            f"serial {clip(serial)} of {row.sku} is "
                            f"listed twice in the file (first at "
                            f"{first})",
                        )
                    )
                else:
                    seen[key] = row.where


def finish_file(docs: list[AsnDoc], problems: list[Problem]) -> ParsedAsnFile:
    """Checks across rows: serials listed twice, too many serials, an ASN with no lines."""
    listed: dict[str, list[str]] = {}
    for doc in docs:
        for row in doc.rows:
            listed.setdefault(row.sku, []).extend(row.serials)
    total = sum(map(len, listed.values()))
    # No serial twice (told in C by each SKU's set): nothing to say row by row.
    once = all(len(set(serials)) == len(serials) for serials in listed.values())
    if not once:
        _listed_twice(docs, problems)
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
