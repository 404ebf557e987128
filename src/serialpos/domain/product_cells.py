"""Reading one cell of a product file: each column's reader, and the formula guard.

Every reader takes the trimmed, control-free text of a cell and returns the value or raises
``BadValue`` with a sentence naming the problem; ``product_rows`` turns that into a
``RowProblem`` on the cell's row and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from serialpos.domain.errors import BadValue
from serialpos.domain.product_columns import (
    BARCODE_SEPARATOR,
    COMPONENT_SEPARATOR,
    MAX_PRICE,
    MAX_SERIAL_FORMAT_LENGTH,
    QUANTITY_MARK,
    Column,
)
from serialpos.domain.products import (
    MAX_COMPONENT_QUANTITY,
    PackageType,
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
from serialpos.domain.text import clip

_EXCEL_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?E\+\d+$", re.IGNORECASE)


def decimal_comma(text: str) -> str:
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


#: How each column's trimmed, control-free cell is read (raising BadValue), and which
#: UploadRow field it fills. An empty cell in an optional column reads as "clear".
CELL_READERS: dict[Column, Callable[[str], object]] = {
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
FIELD: dict[Column, str] = {
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


def guard(text: str) -> str:
    return "'" + text if _needs_guard(text) else text


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and _needs_guard(text[1:]) else text
