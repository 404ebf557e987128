"""An ASN file in JSON: ``{"asn", "vendor", "lines": [{"sku", "quantity", "serials"?,
"case_pack"?}]}`` or a list of such objects.

Each value's type is checked before its row goes through the same checks as a CSV row
(asn_checks.py), so a problem reads the same in either format. docs/asn.md documents it."""

from __future__ import annotations

from typing import Any

from serialpos.domain import json_text
from serialpos.domain.asn_checks import add_row, checked_text, finish_file
from serialpos.domain.asn_rows import (
    JSON_ASN_KEYS,
    JSON_LINE_KEYS,
    MAX_ASN_ID,
    MAX_VENDOR,
    AsnDoc,
    ParsedAsnFile,
    Problem,
)
from serialpos.domain.text import clip


def _kind(value: object) -> str:
    """What a JSON value is, in the words a problem uses."""
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def parse_json(text: str) -> ParsedAsnFile:
    """Every ASN in a JSON file and every problem the file has in itself."""
    problems: list[Problem] = []
    try:
        # Limits: duplicate keys, numbers of more than 40 characters, deep nesting and lone
        # surrogates are refused here, whole, rather than crashing the import or the driver.
        value = json_text.loads(text)
    except json_text.JsonRefused as exc:
        where = f"line {exc.line}" if exc.line is not None else "file"
        return ParsedAsnFile([], [Problem(where, f"not valid JSON: {exc.reason}")])
    items: list[Any] = value if isinstance(value, list) else [value]
    docs: dict[str, AsnDoc] = {}
    for i, item in enumerate(items, start=1):
        at = f"ASN {i}" if len(items) > 1 else "the ASN"
        if not isinstance(item, dict):
            problems.append(Problem(at, f"must be an object, not {_kind(item)}"))
            continue
        for key in sorted(set(item) - JSON_ASN_KEYS):
            problems.append(
                Problem(at, f"unknown key '{clip(str(key))}' (known: asn, vendor, lines)")
            )
        asn_raw, vendor_raw = item.get("asn"), item.get("vendor")
        for key, raw in (("asn", asn_raw), ("vendor", vendor_raw)):
            if raw is None:
                problems.append(Problem(at, f"'{key}' is missing"))
            elif not isinstance(raw, str):
                problems.append(Problem(at, f"'{key}' must be text, not {_kind(raw)}"))
        # Placeholders keep the lines' own checks running when the header is unusable (the
        # file is refused anyway, and the header's problem was said above).
        asn_text = asn_raw if isinstance(asn_raw, str) else "?"
        vendor_text = vendor_raw if isinstance(vendor_raw, str) else "?"
        if isinstance(asn_raw, str) and asn_raw.strip():
            at = f"ASN {clip(asn_raw.strip())}"
            if asn_raw.strip() in docs:
                problems.append(Problem(at, "appears twice in the file"))
                continue
        lines = item.get("lines")
        if not isinstance(lines, list) or not lines:
            problems.append(
                Problem(
                    at,
                    "'lines' must be a list of at least one line"
                    if lines is None or isinstance(lines, list)
                    else f"'lines' must be a list, not {_kind(lines)}",
                )
            )
            if isinstance(asn_raw, str) and isinstance(vendor_raw, str):
                checked_text(asn_raw, "ASN", MAX_ASN_ID, at, problems)
                checked_text(vendor_raw, "Vendor", MAX_VENDOR, at, problems)
            continue
        for n, line in enumerate(lines, start=1):
            where = f"{at} line {n}"
            if not isinstance(line, dict):
                problems.append(Problem(where, f"must be an object, not {_kind(line)}"))
                continue
            for key in sorted(set(line) - JSON_LINE_KEYS):
                problems.append(
                    Problem(
                        where,
                        f"unknown key '{clip(str(key))}' (known: sku, "
                        "quantity, serials, case_pack)",
                    )
                )
            sku, serials, case_pack = line.get("sku"), line.get("serials"), line.get("case_pack")
            if not isinstance(sku, str):
                problems.append(
                    Problem(
                        where,
                        "'sku' is missing"
                        if sku is None
                        else f"'sku' must be text, not {_kind(sku)}",
                    )
                )
                sku = ""
            if serials is None:
                serials = []
            elif not isinstance(serials, list) or not all(isinstance(s, str) for s in serials):
                problems.append(Problem(where, "'serials' must be a list of text"))
                serials = []
            if case_pack is not None and not isinstance(case_pack, str):
                problems.append(Problem(where, f"'case_pack' must be text, not {_kind(case_pack)}"))
                case_pack = None
            quantity = line.get("quantity")
            before = len(problems)
            add_row(
                docs,
                problems,
                where,
                asn_text,
                vendor_text,
                sku,
                "" if quantity is None else quantity,
                serials,
                case_pack or "",
            )
            if not isinstance(line.get("sku"), str):
                # said above as "'sku' is missing": drop the echo "SKU is blank"
                problems[before:] = [p for p in problems[before:] if p.message != "SKU is blank"]
    return finish_file(list(docs.values()), problems)
