"""What a checked product file changes in the catalogue, and what it is refused for.

The import service reads the catalogue once (products, and their barcodes and components when
the file has those columns), hands it here as plain values, and writes what ``plan_import``
returns; every decision in between is made here, without a database, so it is unit-tested.

Refused here, with a ``RowProblem`` per row: a barcode held by a product the file does not
list; a component that is neither in the catalogue nor in the file, or is itself a package; a
product that a package outside the file contains becoming a package. What only the stock can
tell (switching serials on or off while units or quantities say otherwise) is named here
(``becoming_serialized``, ``becoming_unserialized``) and judged by the service.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from serialpos.domain.product_columns import (
    Column,
    ImportRefused,
    ParsedUpload,
    RowProblem,
    UploadRow,
)
from serialpos.domain.product_export import export_gtin
from serialpos.domain.products import SerialMode
from serialpos.domain.text import clip

#: Optional columns and the product field each one sets (Barcode is its own table).
OPTIONAL_FIELDS = {
    Column.TAX_RATE: "tax_rate",
    Column.SERIAL_FORMAT: "serial_format",
    Column.WARRANTY_MONTHS: "warranty_months",
    Column.BIN: "bin",
    Column.PACKAGE_TYPE: "package_type",
    Column.PRICES_INCLUDE_TAX: "prices_include_tax",
}

Components = tuple[tuple[str, int], ...]


def product_fields(columns: frozenset[Column]) -> tuple[str, ...]:
    """The product fields a file with ``columns`` sets: the required ones, and the optional
    ones it has. ``UploadRow`` attributes and product columns share these names."""
    return (
        "name",
        "price",
        "serial_mode",
        *(field for column, field in OPTIONAL_FIELDS.items() if column in columns),
    )


@dataclass(frozen=True)
class Catalogue:
    """The catalogue as the comparison needs it, read by the service in one go.

    ``products``: by SKU, (id, values of ``product_fields(...)`` in that order). ``barcodes``:
    by product id, its GTINs in the order they were added (read only when the file has the
    Barcode column). ``components``: by package id, its (component SKU, quantity) pairs
    sorted by SKU (read only when the file has the PackageType column).
    """

    products: Mapping[str, tuple[int, tuple[Any, ...]]]
    barcodes: Mapping[int, tuple[str, ...]]
    components: Mapping[int, Components]


@dataclass(frozen=True)
class ImportPlan:
    """What to write: new products, changed fields, replaced barcodes and components.

    ``changed`` pairs a product id with the new values of ``fields``; ``rebarcode`` and
    ``recompose`` name the products whose barcodes or components are replaced by the row's.
    """

    fields: tuple[str, ...]
    sets_barcodes: bool
    sets_components: bool
    new: tuple[UploadRow, ...]
    changed: tuple[tuple[int, tuple[Any, ...]], ...]
    rebarcode: tuple[tuple[int, UploadRow], ...]
    recompose: tuple[tuple[int, UploadRow], ...]
    unchanged: int
    becoming_serialized: tuple[int, ...]
    """Products whose serials become required: refused while stock and units disagree."""
    becoming_unserialized: tuple[int, ...]
    """Products whose serials are switched off: refused while live units exist."""

    @property
    def touched_only(self) -> list[int]:
        """Products whose only change is their barcodes or components (still changed)."""
        return sorted(
            {pid for pid, _ in [*self.rebarcode, *self.recompose]}
            - {pid for pid, _ in self.changed}
        )

    @property
    def updated(self) -> int:
        """How many existing products change in any way."""
        return len(
            {pid for pid, _ in self.changed}
            | {pid for pid, _ in self.rebarcode}
            | {pid for pid, _ in self.recompose}
        )


def plan_import(upload: ParsedUpload, catalogue: Catalogue) -> ImportPlan:
    """Compare every row with the catalogue; raises ImportRefused listing every row the
    catalogue refuses (barcodes first, then packages), else returns what to write."""
    fields = product_fields(upload.columns)
    with_barcodes = Column.BARCODE in upload.columns
    with_packages = Column.PACKAGE_TYPE in upload.columns
    current = catalogue.products
    sku_of = {pid: sku for sku, (pid, _values) in current.items()}
    if with_barcodes:
        owner_of = {gtin: pid for pid, codes in catalogue.barcodes.items() for gtin in codes}
        _refuse_taken_barcodes(upload, current, sku_of, owner_of)
    if with_packages:
        type_at = fields.index("package_type")
        _refuse_bad_packages(
            upload,
            {sku: values[type_at] for sku, (_pid, values) in current.items()},
            catalogue.components,
            sku_of,
        )

    wanted_of = operator.attrgetter(*fields)
    new: list[UploadRow] = []
    changed: list[tuple[int, tuple[Any, ...]]] = []
    rebarcode: list[tuple[int, UploadRow]] = []
    recompose: list[tuple[int, UploadRow]] = []
    unchanged = 0
    for item in upload.rows:
        found = current.get(item.sku)
        if found is None:
            new.append(item)
            continue
        pid, stored = found
        wanted = wanted_of(item)
        # SerialMode is a StrEnum and Numeric columns come back as Decimal: plain == works.
        fields_differ = wanted != stored
        barcodes_differ = with_barcodes and catalogue.barcodes.get(pid, ()) != item.barcodes
        components_differ = with_packages and catalogue.components.get(pid, ()) != item.components
        if fields_differ:
            changed.append((pid, wanted))
        if barcodes_differ:
            rebarcode.append((pid, item))
        if components_differ:
            recompose.append((pid, item))
        if not fields_differ and not barcodes_differ and not components_differ:
            unchanged += 1

    mode_at = fields.index("serial_mode")
    return ImportPlan(
        fields=fields,
        sets_barcodes=with_barcodes,
        sets_components=with_packages,
        new=tuple(new),
        changed=tuple(changed),
        rebarcode=tuple(rebarcode),
        recompose=tuple(recompose),
        unchanged=unchanged,
        becoming_serialized=_switching_to(SerialMode.REQUIRED, changed, current, sku_of, mode_at),
        becoming_unserialized=_switching_to(SerialMode.DISABLED, changed, current, sku_of, mode_at),
    )


def _switching_to(
    mode: SerialMode,
    changed: list[tuple[int, tuple[Any, ...]]],
    current: Mapping[str, tuple[int, tuple[Any, ...]]],
    sku_of: Mapping[int, str],
    mode_at: int,
) -> tuple[int, ...]:
    """The changed products whose serial mode becomes ``mode`` from another one."""
    return tuple(
        pid
        for pid, wanted in changed
        if wanted[mode_at] == mode and current[sku_of[pid]][1][mode_at] != mode
    )


def _refuse_taken_barcodes(
    upload: ParsedUpload,
    current: Mapping[str, tuple[int, Any]],
    sku_of: Mapping[int, str],
    owner_of: Mapping[str, int],
) -> None:
    """A barcode may move between products that are both in the file (their barcodes are
    all replaced); one held by a product the file does not list is taken."""
    in_file = {item.sku for item in upload.rows}
    problems: list[RowProblem] = []
    for item in upload.rows:
        mine = current.get(item.sku)
        for gtin in item.barcodes:
            owner = owner_of.get(gtin)
            if owner is None or (mine is not None and owner == mine[0]):
                continue
            if sku_of[owner] not in in_file:
                problems.append(
                    RowProblem(
                        item.row,
                        Column.BARCODE,
                        (
                            f"barcode {export_gtin(gtin)} already belongs to product "
                            f"'{clip(sku_of[owner])}'"
                        ),
                    )
                )
    if problems:
        raise ImportRefused(problems, upload.warnings)


def _refuse_bad_packages(
    upload: ParsedUpload,
    stored_type: Mapping[str, str | None],
    stored_components: Mapping[int, Components],
    sku_of: Mapping[int, str],
) -> None:
    """What only the catalogue can tell: each component exists (there or in the file) and is
    not a package; a product that a package outside the file contains does not become one.
    (Within the file, product_rows already refused nesting and self-containment.)"""
    in_file = {item.sku for item in upload.rows}
    contained_in: dict[str, list[str]] = {}
    for pid, parts in stored_components.items():
        if sku_of[pid] not in in_file:  # a package the file redefines is judged by its row
            for sku, _qty in parts:
                contained_in.setdefault(sku, []).append(sku_of[pid])
    problems: list[RowProblem] = []
    for item in upload.rows:
        if item.package_type is not None and item.sku in contained_in:
            owners = sorted(contained_in[item.sku])
            shown = ", ".join(f"'{clip(o)}'" for o in owners[:3]) + (
                f" and {len(owners) - 3} more" if len(owners) > 3 else ""
            )
            problems.append(
                RowProblem(
                    item.row,
                    Column.PACKAGE_TYPE,
                    (
                        f"'{clip(item.sku)}' is a component of package {shown}; a package cannot "
                        "contain a package, so it cannot become one"
                    ),
                )
            )
        for sku, _qty in item.components:
            if sku in in_file:
                continue
            if sku not in stored_type:
                problems.append(
                    RowProblem(
                        item.row,
                        Column.COMPONENTS,
                        (
                            f"component '{clip(sku)}' is not a product: it is neither in the "
                            "catalogue nor in this file"
                        ),
                    )
                )
            elif stored_type[sku] is not None:
                problems.append(
                    RowProblem(
                        item.row,
                        Column.COMPONENTS,
                        (
                            f"component '{clip(sku)}' is itself a package; a package cannot "
                            "contain a package"
                        ),
                    )
                )
    if problems:
        raise ImportRefused(problems, upload.warnings)
