"""Reading the product CSV files (the product feed and the mass upload): file, header, rows.

Pure functions, no database: the whole file is decoded, its header recognised and every row
checked here *before* the import service touches the database, so an upload with any bad row
is refused whole with every problem listed (row numbers as a spreadsheet shows them, header
= row 1), and nothing is half-imported. The columns and row types are in ``product_columns``,
each cell's reader in ``product_cells``; ``product_export`` renders the mass-upload format
back, so that a mass download can be edited in a spreadsheet and uploaded again.

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
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from serialpos.domain.errors import DomainError
from serialpos.domain.product_cells import CELL_READERS, FIELD, decimal_comma
from serialpos.domain.product_columns import (
    COLUMN_BY_KEY,
    CSV_FIELD_LIMIT,
    MAX_CELL_LENGTH,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    Column,
    ImportRefused,
    ParsedUpload,
    RowProblem,
    UploadFormat,
    UploadRow,
    header_key,
)
from serialpos.domain.product_export import export_gtin
from serialpos.domain.text import clip, has_control_chars

_UTF8_BOM = b"\xef\xbb\xbf"
_SEP_LINE = re.compile(r"^sep=(.)$", re.IGNORECASE)


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
        column = COLUMN_BY_KEY.get(header_key(name))
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
            text = decimal_comma(text)
        try:
            values[FIELD[column]] = CELL_READERS[column](text)
        except DomainError as exc:
            problems.append(RowProblem(number, column, exc.message))
    return values, problems
