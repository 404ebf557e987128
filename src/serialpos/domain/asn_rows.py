"""Reading an ASN file (CSV or JSON) into documents, and every problem the file itself has.

Pure: what needs the catalogue or the ledger (unknown products, serial formats, serials the
ledger already knows, ASN ids already imported) is checked by services/asn/importing.py,
which adds its problems to these, so a refused file lists every problem at once with where
it is.

CSV: one row per ASN line, columns ``ASN``, ``Vendor``, ``SKU``, ``Quantity`` and optionally
``Serials`` (expected serials joined with ``|``) and ``CasePack``; header names are matched
without regard to case or surrounding spaces. JSON: an object
``{"asn", "vendor", "lines": [{"sku", "quantity", "serials"?, "case_pack"?}]}`` or a list of
such objects. The formats are documented in docs/asn.md.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from serialpos.domain import json_text
from serialpos.domain.errors import BadSerial, DomainError
from serialpos.domain.text import clip, has_control_chars

MAX_ASN_ID = 64  # the ledger's document id, and the event file's document id
MAX_VENDOR = 100
MAX_SKU = 64
MAX_CASE_PACK = 64
MAX_QUANTITY = 1_000_000
#: Most serials one file may list (a bigger shipment is split into several files).
MAX_SERIALS = 1_000_000
SERIAL_SEPARATOR = "|"

COLUMNS = ("ASN", "Vendor", "SKU", "Quantity", "Serials", "CasePack")
REQUIRED_COLUMNS = ("ASN", "Vendor", "SKU", "Quantity")
JSON_LINE_KEYS = frozenset({"sku", "quantity", "serials", "case_pack"})
JSON_ASN_KEYS = frozenset({"asn", "vendor", "lines"})

_WHOLE = re.compile(r"[0-9]{1,18}")  # longer is past any limit, and int() of 5,000 digits raises


class AsnFileRefused(DomainError):
    """The file was refused whole; ``problems`` lists every problem found, each with where it
    is in the file. Nothing was imported."""

    code = "bad_asn_file"

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        count = len(problems)
        first = f": {problems[0]}" if problems else ""
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(
            f"ASN file {source} refused, {count} problem{'s' if count != 1 else ''}{first}{more}"
        )


@dataclass(frozen=True)
class Problem:
    where: str  # "line 7" (CSV) or "ASN A-1 line 3" (JSON); "file" for the whole file
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class AsnRow:
    """One line of an ASN as the file gives it, already checked in itself."""

    where: str
    asn: str
    sku: str
    quantity: int
    serials: tuple[str, ...] = ()
    case_pack: str | None = None


@dataclass
class AsnDoc:
    asn: str
    vendor: str
    where: str  # where the ASN first appears
    rows: list[AsnRow] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(r.quantity for r in self.rows)

    @property
    def serials(self) -> int:
        return sum(len(r.serials) for r in self.rows)


@dataclass
class ParsedAsnFile:
    docs: list[AsnDoc]
    problems: list[Problem]


# -- values ----------------------------------------------------------------------------
def _text(
    value: str, what: str, limit: int, where: str, problems: list[Problem], *, required: bool = True
) -> str | None:
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


def _quantity(value: object, where: str, problems: list[Problem]) -> int | None:
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


def _serials(values: list[str], where: str, problems: list[Problem]) -> tuple[str, ...]:
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


# -- CSV ---------------------------------------------------------------------------------
def _header(names: list[str], problems: list[Problem]) -> dict[str, int] | None:
    known = {c.lower(): c for c in COLUMNS}
    index: dict[str, int] = {}
    for i, raw in enumerate(names):
        name = raw.strip().lstrip("\ufeff").strip()
        column = known.get(name.lower())
        if column is None:
            if name:
                problems.append(
                    Problem(
                        "line 1", f"unknown column '{clip(name)}' (known: {', '.join(COLUMNS)})"
                    )
                )
            continue
        if column in index:
            problems.append(Problem("line 1", f"column {column} appears twice"))
            continue
        index[column] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    for column in missing:
        problems.append(Problem("line 1", f"missing column {column}"))
    return None if missing else index


def parse_csv(text: str) -> ParsedAsnFile:
    problems: list[Problem] = []
    if csv.field_size_limit() < 256 * 1024 * 1024:
        csv.field_size_limit(256 * 1024 * 1024)  # a Serials cell may list 100k serials
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        names = next(reader)
    except StopIteration:
        return ParsedAsnFile([], [Problem("file", "the file is empty: no header, no rows")])
    except csv.Error as exc:
        return ParsedAsnFile([], [Problem("line 1", f"not readable as CSV: {exc}")])
    index = _header(names, problems)
    if index is None:
        return ParsedAsnFile([], problems)
    docs: dict[str, AsnDoc] = {}
    start = reader.line_num + 1
    try:
        for cells in reader:
            where = f"line {start}"
            start = reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(names):
                problems.append(
                    Problem(where, f"{len(cells)} cells but the header names {len(names)} columns")
                )
                continue

            def cell(column: str, cells: list[str] = cells) -> str:
                i = index.get(column)
                return cells[i] if i is not None and i < len(cells) else ""

            raw_serials = cell("Serials").strip()
            listed = raw_serials.split(SERIAL_SEPARATOR) if raw_serials else []
            _add_row(
                docs,
                problems,
                where,
                cell("ASN"),
                cell("Vendor"),
                cell("SKU"),
                cell("Quantity"),
                listed,
                cell("CasePack"),
            )
    except csv.Error as exc:
        problems.append(Problem(f"line {reader.line_num}", f"not readable as CSV: {exc}"))
    return _finish(list(docs.values()), problems)


def _add_row(
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
    before = len(problems)
    asn = _text(asn_raw, "ASN", MAX_ASN_ID, where, problems)
    vendor = _text(vendor_raw, "Vendor", MAX_VENDOR, where, problems)
    sku = _text(sku_raw, "SKU", MAX_SKU, where, problems)
    quantity = _quantity(quantity_raw, where, problems)
    listed = _serials(serials, where, problems)
    case_pack = _text(case_pack_raw, "CasePack", MAX_CASE_PACK, where, problems, required=False)
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


def _finish(docs: list[AsnDoc], problems: list[Problem]) -> ParsedAsnFile:
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


# -- JSON --------------------------------------------------------------------------------
def _kind(value: object) -> str:
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
                _text(asn_raw, "ASN", MAX_ASN_ID, at, problems)
                _text(vendor_raw, "Vendor", MAX_VENDOR, at, problems)
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
            _add_row(
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
    return _finish(list(docs.values()), problems)


# -- either ------------------------------------------------------------------------------
def looks_like_json(name: str, data: bytes) -> bool:
    """By extension first (.json / .csv), else by content: JSON starts with ``{`` or ``[``."""
    lower = name.lower()
    if lower.endswith(".json"):
        return True
    if lower.endswith(".csv"):
        return False
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def parse_asn_file(name: str, data: bytes) -> ParsedAsnFile:
    """Every ASN in the file and every problem the file has in itself."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ParsedAsnFile(
            [], [Problem("file", f"not UTF-8 text (byte {exc.start + 1} cannot be read)")]
        )
    if "\x00" in text:
        return ParsedAsnFile([], [Problem("file", "holds NUL bytes: not a text file")])
    return parse_json(text) if looks_like_json(name, data) else parse_csv(text)


def check_serial_format(
    problem: str | None, serial: str, sku: str, where: str, problems: list[Problem]
) -> None:
    """Record a serial breaking its product's format (``problem`` from SerialFormat)."""
    if problem is not None:
        problems.append(
            Problem(
                where, str(BadSerial(f"serial '{clip(serial)}' is not valid for {sku}: {problem}"))
            )
        )
