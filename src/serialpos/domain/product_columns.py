"""The product CSV files' columns, their rows once checked, and how a refusal is reported.

Shared by reading (``product_rows``), the cell readers (``product_cells``) and export
(``product_export``); the column names are the interface pinned by the import issues.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from serialpos.domain.errors import DomainError
from serialpos.domain.limits import MAX_MONEY
from serialpos.domain.products import PackageType, SerialMode

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


def header_key(name: str) -> str:
    """Headers match case-insensitively and ignoring spaces, ``_`` and ``-``: ``TaxRate``,
    ``tax rate`` and ``TAX_RATE`` are one column."""
    return re.sub(r"[\s_\-]+", "", name).casefold()


COLUMN_BY_KEY = {header_key(c.value): c for c in Column}


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
