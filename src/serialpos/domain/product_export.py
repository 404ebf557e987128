"""Writing products back as a mass-upload CSV, so a download can be edited and uploaded again."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from serialpos.domain.product_cells import guard
from serialpos.domain.product_columns import (
    BARCODE_SEPARATOR,
    COMPONENT_SEPARATOR,
    EXPORT_COLUMNS,
    QUANTITY_MARK,
)
from serialpos.domain.products import PackageType, Product


def render_components(components: Iterable[tuple[str, int]]) -> str:
    """The Components cell: ``SKU*qty`` by SKU, joined with ``|`` (always with the quantity,
    so that the cell reads back the same)."""
    return COMPONENT_SEPARATOR.join(f"{sku}{QUANTITY_MARK}{qty}" for sku, qty in sorted(components))


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
        guard(product.sku),
        guard(product.name),
        f"{product.price:.2f}",
        product.serial_mode.value.capitalize(),
        BARCODE_SEPARATOR.join(export_gtin(g) for g in product.barcodes),
        "" if product.tax_rate is None else plain_decimal(product.tax_rate),
        guard(product.serial_format or ""),
        "" if product.warranty_months is None else str(product.warranty_months),
        guard(product.bin or ""),
        "" if product.package_type is None else str(PackageType(product.package_type)),
        guard(render_components(product.components)),
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
