"""Reading and writing the product CSV files (the product feed and the mass upload).

Pure functions, no database: the whole file is decoded, its header recognised and every row
checked here *before* the import service touches the database, so an upload with any bad row
is refused whole with every problem listed (row numbers as a spreadsheet shows them, header
= row 1), and nothing is half-imported. Export renders the mass-upload format back, so that
a mass download can be edited in a spreadsheet and uploaded again.

Packages: two optional columns, which go together (a header with one needs the other),
make a row a package. ``PackageType`` is ``consolidated`` or ``exploded`` (empty: not a
package); ``Components`` lists ``SKU*qty`` pieces joined with ``|``, e.g.
``PH-AUR15*1|AC-CASE15*1|AC-CHG65*2``. ``*qty`` may be left out and then means 1; the quantity
is read after the *last* ``*``, so a SKU that itself contains ``*`` is written with its
quantity (``A*B*1``), as export always does. A row with a PackageType needs Components and
vice versa; a package cannot contain itself, list a component twice, or contain another
package (no nesting, so no cycles). Checks that need the database (does the component exist,
is it a package there) are made by the import service with the same RowProblem reports.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from serialpos.domain.errors import BadValue, DomainError
from serialpos.domain.limits import MAX_MONEY
from serialpos.domain.products import (
    MAX_COMPONENT_QUANTITY,
    PackageType,
    Product,
    SerialMode,
    check_name,
    check_short_text,
    check_sku,
    normalize_gtin,
    parse_bool,
    parse_price,
    parse_tax_rate,
    parse_warranty_months,
)
from serialpos.domain.serials import SerialFormat
from serialpos.domain.text import clip, has_control_chars

#: No cell we read is legitimately longer (names stop at 200); anything longer is refused
#: with this limit named instead of the csv module's "field larger than field limit".
MAX_CELL_LENGTH = 1000
#: The csv module's own limit (131072 by default) is raised above any file we would read, so
#: an oversized cell reaches our check and its clear message.
CSV_FIELD_LIMIT = 2**31 - 1
MAX_SERIAL_FORMAT_LENGTH = 200  # product.serial_format column
MAX_PRICE = MAX_MONEY  # product.price is NUMERIC(12, 2)
BARCODE_SEPARATOR = "|"
COMPONENT_SEPARATOR = "|"
QUANTITY_MARK = "*"

_UTF8_BOM = b"\xef\xbb\xbf"
_EXCEL_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?E\+\d+$", re.IGNORECASE)
_SEP_LINE = re.compile(r"^sep=(.)$", re.IGNORECASE)


class UploadFormat(enum.StrEnum):
    """Which of the two CSV layouts a file is; told apart by its serial-mode column."""

    FEED = "feed"
    MASS_UPLOAD = "mass_upload"

    @property
    def label(self) -> str:
        return "product feed" if self is UploadFormat.FEED else "mass upload"


class Column(enum.StrEnum):
    """A column we read, under the name the mass upload (and our messages) use."""

    SKU = "SKU"
    NAME = "Name"
    PRICE = "Price"
    SERIAL_REQUIRED = "SerialNumberRequired"  # the feed's true/false
    SERIAL_OPTION = "Serial Number Option"  # the mass upload's Required/Optional/Disabled
    BARCODE = "Barcode"
    TAX_RATE = "TaxRate"
    SERIAL_FORMAT = "SerialFormat"
    WARRANTY_MONTHS = "WarrantyMonths"
    BIN = "Bin"
    PACKAGE_TYPE = "PackageType"
    COMPONENTS = "Components"
    PRICES_INCLUDE_TAX = "PricesIncludeTax"  # true/false; empty: the chain setting decides


#: Columns that may be absent; absent leaves the field unchanged, an empty cell clears it.
OPTIONAL_COLUMNS = (
    Column.BARCODE,
    Column.TAX_RATE,
    Column.SERIAL_FORMAT,
    Column.WARRANTY_MONTHS,
    Column.BIN,
    Column.PACKAGE_TYPE,
    Column.COMPONENTS,
    Column.PRICES_INCLUDE_TAX,
)
REQUIRED_COLUMNS: dict[UploadFormat, tuple[Column, ...]] = {
    UploadFormat.FEED: (Column.SKU, Column.NAME, Column.PRICE, Column.SERIAL_REQUIRED),
    UploadFormat.MASS_UPLOAD: (Column.SKU, Column.NAME, Column.PRICE, Column.SERIAL_OPTION),
}
#: What ``products export`` writes, in this order.
EXPORT_COLUMNS = (
    Column.SKU,
    Column.NAME,
    Column.PRICE,
    Column.SERIAL_OPTION,
    Column.BARCODE,
    Column.TAX_RATE,
    Column.SERIAL_FORMAT,
    Column.WARRANTY_MONTHS,
    Column.BIN,
    Column.PACKAGE_TYPE,
    Column.COMPONENTS,
)


def _header_key(name: str) -> str:
    """Headers match case-insensitively and ignoring spaces, ``_`` and ``-``: ``TaxRate``,
    ``tax rate`` and ``TAX_RATE`` are one column."""
    return re.sub(r"[\s_\-]+", "", name).casefold()


_COLUMN_BY_KEY = {_header_key(c.value): c for c in Column}


@dataclass(frozen=True)
class RowProblem:
    """One reason an upload was refused. ``row`` counts as a spreadsheet does (header = 1);
    ``None`` for a problem with the file as a whole."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        if self.row is not None and self.column is not None:
            return f"row {self.row}, {self.column}: {self.reason}"
        if self.row is not None:
            return f"row {self.row}: {self.reason}"
        if self.column is not None:
            return f"column {self.column}: {self.reason}"
        return self.reason


class ImportRefused(DomainError):
    """The upload was refused whole; ``problems`` lists every reason. Nothing was imported."""

    code = "bad_file"

    def __init__(self, problems: Sequence[RowProblem], warnings: Sequence[str] = ()) -> None:
        ordered = tuple(sorted(problems, key=lambda p: 0 if p.row is None else p.row))
        super().__init__(_summary(ordered))
        self.problems = ordered
        self.warnings = tuple(warnings)


def _summary(problems: Sequence[RowProblem]) -> str:
    bad_rows = len({p.row for p in problems if p.row is not None})
    file_level = [p for p in problems if p.row is None]
    parts: list[str] = []
    if len(file_level) == 1 and not bad_rows:
        parts.append(str(file_level[0]))
    elif file_level:
        parts.append(f"{len(file_level)} problems with the file")
    if bad_rows:
        parts.append(f"{bad_rows} bad row{'s' if bad_rows != 1 else ''}")
    return " and ".join(parts or ["the file was refused"]) + "; nothing was imported"


@dataclass(frozen=True)
class UploadRow:
    """One checked product row. Fields of columns the file lacks hold their empty value and
    are ignored: ``ParsedUpload.columns`` says which fields the row sets."""

    row: int
    sku: str
    name: str
    price: Decimal
    serial_mode: SerialMode
    barcodes: tuple[str, ...] = ()  # 14-digit GTINs, in the order the cell lists them
    tax_rate: Decimal | None = None
    serial_format: str | None = None
    warranty_months: int | None = None
    bin: str | None = None
    package_type: PackageType | None = None  # None: not a package
    components: tuple[tuple[str, int], ...] = ()  # (SKU, quantity), sorted by SKU
    prices_include_tax: bool | None = None  # None: the chain's prices_include_tax


@dataclass(frozen=True)
class ParsedUpload:
    """A whole file, every row checked."""

    format: UploadFormat
    columns: frozenset[Column]  # mode columns are reported as Column.SERIAL_OPTION
    rows: tuple[UploadRow, ...]
    warnings: tuple[str, ...]


# -- decoding ---------------------------------------------------------------------------
def decode_upload(data: bytes) -> str:
    """The file's text: UTF-8 with or without a BOM. Anything else is refused with the way
    out (Excel: *Save as* "CSV UTF-8")."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_problem(
            'the file is UTF-16 text (Excel\'s "Unicode Text"), not UTF-8; '
            'save it as "CSV UTF-8 (Comma delimited)" and import it again'
        )
    if data.startswith(b"PK\x03\x04"):
        raise _file_problem(
            "the file is a spreadsheet workbook (.xlsx), not CSV; "
            'save it as "CSV UTF-8 (Comma delimited)" and import it again'
        )
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _file_problem(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02X} on line {line}); "
            'save it as "CSV UTF-8 (Comma delimited)" and import it again'
        ) from None


def _file_problem(reason: str) -> ImportRefused:
    return ImportRefused([RowProblem(None, None, reason)])


# -- parsing ----------------------------------------------------------------------------
def parse_upload_bytes(data: bytes) -> ParsedUpload:
    return parse_upload(decode_upload(data))


def parse_upload(text: str) -> ParsedUpload:
    """Check a whole product file; raises ImportRefused listing every problem."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    text = text.removeprefix("\ufeff")
    delimiter, text = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = _records(reader)
    problems: list[RowProblem] = []

    header_row, header = next(((n, cells) for n, cells in records if _filled(cells)), (0, []))
    if not header:
        raise _file_problem(
            "the file is empty: the first row must be the header "
            f"({', '.join(REQUIRED_COLUMNS[UploadFormat.MASS_UPLOAD])}, ...)"
        )
    if isinstance(header, RowProblem):
        raise ImportRefused([header])
    layout = _read_header(header, header_row)  # raises for a header we cannot use
    rows: list[UploadRow] = []
    sku_rows: dict[str, int] = {}
    barcode_rows: dict[str, tuple[int, str]] = {}
    number_comma = delimiter == ";"  # European Excel writes 12,99 beside semicolons
    for number, cells in records:
        if not _filled(cells):
            continue  # blank lines (Excel writes them): skipped, but they still count rows
        if isinstance(cells, RowProblem):
            problems.append(cells)
            break  # the csv module cannot go on after a quoting error
        if len(cells) != len(header):
            problems.append(
                RowProblem(
                    number,
                    None,
                    (
                        f"the row has {len(cells)} cell{'s' if len(cells) != 1 else ''} but the "
                        f"header has {len(header)}; "
                        "check for a missing or extra separator or an unclosed quote"
                    ),
                )
            )
            continue
        values, row_problems = _read_cells(number, cells, layout, number_comma)
        sku = values.get("sku")
        if Column.PACKAGE_TYPE in layout.columns:
            row_problems.extend(_package_row_problems(number, sku, values))
        if isinstance(sku, str):
            first = sku_rows.setdefault(sku, number)
            if first != number:
                row_problems.append(
                    RowProblem(number, Column.SKU, f"SKU '{clip(sku)}' is also on row {first}")
                )
        for gtin in values.get("barcodes", ()):
            owner = barcode_rows.setdefault(gtin, (number, str(sku or "?")))
            if owner[0] != number:
                row_problems.append(
                    RowProblem(
                        number,
                        Column.BARCODE,
                        (
                            f"barcode {export_gtin(gtin)} is also on row {owner[0]} "
                            f"(SKU '{clip(owner[1])}'); a barcode names one product"
                        ),
                    )
                )
        if row_problems:
            problems.extend(row_problems)
        else:
            rows.append(UploadRow(row=number, **values))
    problems.extend(_nested_packages(rows))
    if problems:
        raise ImportRefused(problems, layout.warnings)
    warnings = layout.warnings
    if not rows:
        warnings = (*warnings, "the file has a header but no product rows")
    return ParsedUpload(layout.format, layout.columns, tuple(rows), warnings)


def _package_row_problems(number: int, sku: object, values: dict[str, Any]) -> list[RowProblem]:
    """A package needs both its type and its components, and cannot contain itself. Only
    cells that were read are judged (a bad cell has its own problem already)."""
    if "package_type" not in values or "components" not in values:
        return []
    kind, components = values["package_type"], values["components"]
    if kind is not None and not components:
        return [
            RowProblem(
                number,
                Column.COMPONENTS,
                (
                    f"this {kind} package needs its components "
                    f"(SKU*qty joined with |, e.g. PH-AUR15*1|AC-CASE15*1)"
                ),
            )
        ]
    if kind is None and components:
        return [
            RowProblem(
                number,
                Column.PACKAGE_TYPE,
                (
                    "the row lists Components but no PackageType; "
                    "use consolidated or exploded, or empty both cells"
                ),
            )
        ]
    if any(component == sku for component, _qty in components):
        return [
            RowProblem(
                number, Column.COMPONENTS, f"package '{clip(str(sku))}' cannot contain itself"
            )
        ]
    return []


def _nested_packages(rows: Sequence[UploadRow]) -> list[RowProblem]:
    """A component that this file makes a package: packages cannot contain packages."""
    package_rows = {r.sku: r.row for r in rows if r.package_type is not None}
    problems: list[RowProblem] = []
    for item in rows:
        for component, _qty in item.components:
            if component in package_rows and component != item.sku:
                problems.append(
                    RowProblem(
                        item.row,
                        Column.COMPONENTS,
                        (
                            f"component '{clip(component)}' is itself a package "
                            f"(row {package_rows[component]}); a package cannot contain a package"
                        ),
                    )
                )
    return problems


def _delimiter(text: str) -> tuple[str, str]:
    """Comma by default; semicolon (European Excel) or tab when the header has those and no
    comma; an Excel ``sep=;`` first line says it outright (and is not a row Excel shows)."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    hint = _SEP_LINE.match(first_line.strip())
    if hint is not None and text.lstrip().startswith(first_line):
        rest = text.lstrip()[len(first_line) :].lstrip("\r\n")
        return hint.group(1), rest
    if "," not in first_line:
        if ";" in first_line:
            return ";", text
        if "\t" in first_line:
            return "\t", text
    return ",", text


def _records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str] | RowProblem]]:
    """Numbered records; a quoting error becomes a problem on the record it started on."""
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield (
                number,
                RowProblem(
                    number,
                    None,
                    (
                        f"the CSV cannot be read from here on ({exc}); "
                        "check the quotes around this row's cells"
                    ),
                ),
            )
            return
        yield number, cells


def _filled(cells: list[str] | RowProblem) -> bool:
    return isinstance(cells, RowProblem) or any(c.strip() for c in cells)


@dataclass(frozen=True)
class _Layout:
    format: UploadFormat
    positions: tuple[tuple[Column, int], ...]  # the columns we read and where they are
    columns: frozenset[Column]
    warnings: tuple[str, ...]


def _read_header(header: list[str], row: int) -> _Layout:
    found: dict[Column, int] = {}
    unknown: list[str] = []
    problems: list[RowProblem] = []
    for index, raw in enumerate(header):
        name = raw.strip()
        column = _COLUMN_BY_KEY.get(_header_key(name))
        if column is None:
            unknown.append(f"'{clip(name)}'" if name else f"(column {index + 1} has no name)")
        elif column in found:
            problems.append(
                RowProblem(
                    row,
                    column,
                    (
                        f"the header names column {column} twice "
                        f"(columns {found[column] + 1} and {index + 1})"
                    ),
                )
            )
        else:
            found[column] = index
    feed, mass = Column.SERIAL_REQUIRED in found, Column.SERIAL_OPTION in found
    if feed and mass:
        problems.append(
            RowProblem(
                row,
                None,
                (
                    f"the header has both {Column.SERIAL_REQUIRED} (product feed) and "
                    f"{Column.SERIAL_OPTION} (mass upload); keep one of them"
                ),
            )
        )
    elif not feed and not mass:
        problems.append(
            RowProblem(
                row,
                None,
                (
                    "the header fits neither format: a product feed needs the columns "
                    f"{', '.join(REQUIRED_COLUMNS[UploadFormat.FEED])}; a mass upload needs "
                    f"{', '.join(REQUIRED_COLUMNS[UploadFormat.MASS_UPLOAD])} "
                    f"(optional in both: {', '.join(OPTIONAL_COLUMNS)})"
                ),
            )
        )
    fmt = UploadFormat.FEED if feed else UploadFormat.MASS_UPLOAD
    for have, lack in (
        (Column.PACKAGE_TYPE, Column.COMPONENTS),
        (Column.COMPONENTS, Column.PACKAGE_TYPE),
    ):
        if have in found and lack not in found:
            problems.append(
                RowProblem(
                    None,
                    lack,
                    (
                        f"this column is missing: {Column.PACKAGE_TYPE} and {Column.COMPONENTS} "
                        f"go together and the header has {have}"
                    ),
                )
            )
    if feed != mass:
        for column in REQUIRED_COLUMNS[fmt]:
            if column not in found:
                problems.append(
                    RowProblem(
                        None,
                        column,
                        (
                            f"this required column is missing (a {fmt.label} needs "
                            f"{', '.join(REQUIRED_COLUMNS[fmt])})"
                        ),
                    )
                )
    warnings = (
        (f"ignored unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",)
        if unknown
        else ()
    )
    if problems:
        raise ImportRefused(problems, warnings)
    positions = tuple(sorted(found.items(), key=lambda item: item[1]))
    columns = frozenset(Column.SERIAL_OPTION if c is Column.SERIAL_REQUIRED else c for c in found)
    return _Layout(fmt, positions, columns, warnings)


def _read_cells(
    number: int, cells: list[str], layout: _Layout, number_comma: bool
) -> tuple[dict[str, Any], list[RowProblem]]:
    """The values of the cells that could be read (by UploadRow field), and the problems
    with the others."""
    values: dict[str, Any] = {}
    problems: list[RowProblem] = []
    texts = [cells[index].strip() for _, index in layout.positions]
    # The usual row is clean: one check for the whole row, the cell-by-cell one if it fails.
    suspect = has_control_chars("".join(texts)) or max(map(len, cells)) > MAX_CELL_LENGTH
    for (column, index), text in zip(layout.positions, texts, strict=True):
        if suspect:
            raw = cells[index]
            if len(raw) > MAX_CELL_LENGTH:
                problems.append(
                    RowProblem(
                        number,
                        column,
                        (
                            f"the cell is {len(raw):,} characters long; "
                            f"at most {MAX_CELL_LENGTH} are allowed"
                        ),
                    )
                )
                continue
            if has_control_chars(text):
                problems.append(
                    RowProblem(
                        number,
                        column,
                        (
                            f"'{clip(text)}' contains control characters "
                            "(tabs, line breaks or the like)"
                        ),
                    )
                )
                continue
        if number_comma and column in (Column.PRICE, Column.TAX_RATE):
            text = _decimal_comma(text)
        try:
            values[_FIELD[column]] = _CELL_READERS[column](text)
        except DomainError as exc:
            problems.append(RowProblem(number, column, exc.message))
    return values, problems


def _decimal_comma(text: str) -> str:
    return text.replace(",", ".") if text.count(",") == 1 and "." not in text else text


def _require(text: str, message: str) -> None:
    if not text:
        raise BadValue(message)


def _sku(text: str) -> str:
    return check_sku(_unguard(text))


def _name(text: str) -> str:
    return check_name(_unguard(text))


def _price(text: str) -> Decimal:
    _require(text, "the price is blank")
    price = parse_price(text)
    if price > MAX_PRICE:
        raise BadValue(f"price '{clip(text)}' is too large (at most {MAX_PRICE})")
    return price


def _serial_required(text: str) -> SerialMode:
    _require(text, "the SerialNumberRequired cell is blank (use true or false)")
    return SerialMode.from_feed_flag(parse_bool(text))


def _serial_option(text: str) -> SerialMode:
    _require(text, "the Serial Number Option is blank (use Required, Optional or Disabled)")
    return SerialMode.parse(text)


def _barcodes(text: str) -> tuple[str, ...]:
    gtins: list[str] = []
    for piece in text.split(BARCODE_SEPARATOR):
        code = piece.strip()
        if not code:
            continue
        if _EXCEL_NUMBER.match(code):
            raise BadValue(
                f"barcode '{clip(code)}' was turned into a number by a spreadsheet; format "
                "the Barcode column as Text and enter the digits again"
            )
        gtins.append(_gtin(code))
    return tuple(dict.fromkeys(gtins))  # the same code in two forms counts once


def _gtin(code: str) -> str:
    """normalize_gtin, with a quick path for the valid codes that make up almost every row
    of a big feed (its check-digit library call dominates an import otherwise); any code the
    quick path does not accept goes to normalize_gtin for the verdict and its message."""
    if len(code) in (8, 12, 13, 14) and code.isascii() and code.isdigit():
        digits = code.zfill(14)
        weighted = 3 * sum(map(int, digits[0:13:2])) + sum(map(int, digits[1:13:2]))
        if (10 - weighted % 10) % 10 == int(digits[13]):
            return digits
    return normalize_gtin(code)


def _tax_rate(text: str) -> Decimal | None:
    if not text:
        return None
    rate = parse_tax_rate(text)
    if rate != rate.quantize(Decimal("0.001")):
        raise BadValue(f"tax rate '{clip(text)}' has more than three decimals")
    return rate


def _prices_include_tax(text: str) -> bool | None:
    return None if not text else parse_bool(text)


def _serial_format(text: str) -> str | None:
    text = _unguard(text)
    if len(text) > MAX_SERIAL_FORMAT_LENGTH:
        raise BadValue(
            f"serial format '{clip(text)}' is longer than {MAX_SERIAL_FORMAT_LENGTH} characters"
        )
    fmt = SerialFormat.parse(text)
    return None if fmt is None else fmt.spec


def _warranty(text: str) -> int | None:
    return parse_warranty_months(text) if text else None


def _bin(text: str) -> str | None:
    return check_short_text(_unguard(text), "bin") or None


def _package_type(text: str) -> PackageType | None:
    return PackageType.parse(text) if text else None


def _components(text: str) -> tuple[tuple[str, int], ...]:
    """``SKU*qty|SKU*qty|...`` (``*qty`` left out means 1) -> ((SKU, qty), ...) by SKU."""
    found: dict[str, int] = {}
    for piece in _unguard(text).split(COMPONENT_SEPARATOR):
        piece = piece.strip()
        if not piece:
            continue
        sku_text, mark, qty_text = piece.rpartition(QUANTITY_MARK)
        if not mark:
            sku_text, qty_text = piece, "1"
        qty_text = qty_text.strip()
        if not (qty_text.isascii() and qty_text.isdigit()):
            raise BadValue(
                f"component '{clip(piece)}': the quantity after * must be a whole number "
                f"(write SKU*qty, e.g. {clip(sku_text.strip() or 'SKU')}*1)"
            )
        qty = int(qty_text)
        if not 1 <= qty <= MAX_COMPONENT_QUANTITY:
            raise BadValue(
                f"component '{clip(piece)}': the quantity must be between 1 and "
                f"{MAX_COMPONENT_QUANTITY}"
            )
        try:
            sku = check_sku(sku_text)
        except BadValue as exc:
            raise BadValue(f"component '{clip(piece)}': {exc.message}") from None
        if sku in found:
            raise BadValue(
                f"component '{clip(sku)}' is listed twice; list it once with "
                f"its quantity ({clip(sku)}*{found[sku] + qty})"
            )
        found[sku] = qty
    return tuple(sorted(found.items()))


def render_components(components: Iterable[tuple[str, int]]) -> str:
    """The Components cell: ``SKU*qty`` by SKU, joined with ``|`` (always with the quantity,
    so that the cell reads back the same)."""
    return COMPONENT_SEPARATOR.join(f"{sku}{QUANTITY_MARK}{qty}" for sku, qty in sorted(components))


#: How each column's trimmed, control-free cell is read (raising BadValue), and which
#: UploadRow field it fills. An empty cell in an optional column reads as "clear".
_CELL_READERS: dict[Column, Callable[[str], object]] = {
    Column.SKU: _sku,
    Column.NAME: _name,
    Column.PRICE: _price,
    Column.SERIAL_REQUIRED: _serial_required,
    Column.SERIAL_OPTION: _serial_option,
    Column.BARCODE: _barcodes,
    Column.TAX_RATE: _tax_rate,
    Column.SERIAL_FORMAT: _serial_format,
    Column.WARRANTY_MONTHS: _warranty,
    Column.BIN: _bin,
    Column.PACKAGE_TYPE: _package_type,
    Column.COMPONENTS: _components,
    Column.PRICES_INCLUDE_TAX: _prices_include_tax,
}
_FIELD: dict[Column, str] = {
    Column.SKU: "sku",
    Column.NAME: "name",
    Column.PRICE: "price",
    Column.SERIAL_REQUIRED: "serial_mode",
    Column.SERIAL_OPTION: "serial_mode",
    Column.BARCODE: "barcodes",
    Column.TAX_RATE: "tax_rate",
    Column.SERIAL_FORMAT: "serial_format",
    Column.WARRANTY_MONTHS: "warranty_months",
    Column.BIN: "bin",
    Column.PACKAGE_TYPE: "package_type",
    Column.COMPONENTS: "components",
    Column.PRICES_INCLUDE_TAX: "prices_include_tax",
}


# Spreadsheets run a cell that starts with = + - @ as a formula ("CSV injection"); export
# writes such text with a leading apostrophe, which is what a spreadsheet does to show it as
# text, and import takes that apostrophe off again, so the round trip is exact.
_FORMULA_START = ("=", "+", "-", "@")


def _needs_guard(text: str) -> bool:
    """Text a spreadsheet would run, or text that already looks guarded (so that its own
    apostrophe survives the round trip)."""
    return text.startswith(_FORMULA_START) or (text.startswith("'") and _needs_guard(text[1:]))


def _guard(text: str) -> str:
    return "'" + text if _needs_guard(text) else text


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and _needs_guard(text[1:]) else text


# -- export -----------------------------------------------------------------------------
def export_gtin(gtin14: str) -> str:
    """A stored 14-digit GTIN as people see it on the label: EAN-13 when the leading digit is
    0 (the usual case), else all 14 digits. Import accepts both forms."""
    return gtin14[1:] if len(gtin14) == 14 and gtin14.startswith("0") else gtin14


def plain_decimal(value: Decimal) -> str:
    """``20.000`` -> ``20``, ``7.500`` -> ``7.5``: no trailing zeros, never exponent form."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def export_cells(product: Product) -> list[str]:
    """One product as a mass-upload row (EXPORT_COLUMNS order)."""
    return [
        _guard(product.sku),
        _guard(product.name),
        f"{product.price:.2f}",
        product.serial_mode.value.capitalize(),
        BARCODE_SEPARATOR.join(export_gtin(g) for g in product.barcodes),
        "" if product.tax_rate is None else plain_decimal(product.tax_rate),
        _guard(product.serial_format or ""),
        "" if product.warranty_months is None else str(product.warranty_months),
        _guard(product.bin or ""),
        "" if product.package_type is None else str(PackageType(product.package_type)),
        _guard(render_components(product.components)),
    ]


def render_mass_upload(products: Iterable[Product]) -> str:
    """The mass-upload CSV of ``products``, sorted by SKU (code point order, the same on
    every database), with Excel's dialect (comma, minimal quoting, CRLF)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n")
    writer.writerow([c.value for c in EXPORT_COLUMNS])
    for product in sorted(products, key=lambda p: p.sku):
        writer.writerow(export_cells(product))
    return out.getvalue()
