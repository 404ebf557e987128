"""Product feed / mass upload import and mass download export, all-or-nothing.

The file is read and every row checked first (domain/product_rows.py); only a clean file
reaches the database, and then in one transaction: products are created or updated in bulk
(executemany in chunks) so a 100k-row feed takes seconds, and a barcode conflict with a
product already in the database refuses the whole upload like any other bad row.

Packages (the PackageType and Components columns, see domain/product_rows.py): a component
must be a product, in the database or anywhere in the same file, and never a package itself;
a product that a package in the database contains cannot become a package. A file without
the two columns leaves every product's package information as it is.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import Conflict
from serialpos.domain.product_columns import (
    Column,
    ImportRefused,
    ParsedUpload,
    RowProblem,
    UploadRow,
)
from serialpos.domain.product_export import export_gtin, render_mass_upload
from serialpos.domain.product_rows import parse_upload, parse_upload_bytes
from serialpos.domain.products import SerialMode
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.files import write_atomically
from serialpos.services.context import Actor
from serialpos.services.products import refuse_live_units, refuse_untracked_stock

__all__ = [
    "ImportRefused",
    "ImportReport",
    "RowProblem",
    "export_products",
    "export_products_text",
    "import_products",
    "import_products_bytes",
    "import_products_text",
]

T = TypeVar("T")

CHUNK = 2000  # rows per executemany / IN (...) list; well under every driver's limits

#: Optional columns and the product column each one sets (Barcode is its own table).
_OPTIONAL_FIELDS = {
    Column.TAX_RATE: "tax_rate",
    Column.SERIAL_FORMAT: "serial_format",
    Column.WARRANTY_MONTHS: "warranty_months",
    Column.BIN: "bin",
    Column.PACKAGE_TYPE: "package_type",
    Column.PRICES_INCLUDE_TAX: "prices_include_tax",
}


@dataclass(frozen=True)
class ImportReport:
    """What an import did. ``unchanged`` rows matched the database already."""

    format: str  # "feed" | "mass_upload"
    created: int
    updated: int
    unchanged: int
    warnings: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


# -- import -----------------------------------------------------------------------------
def import_products(db: Database, actor: Actor, path: str | Path) -> ImportReport:
    """Import a product feed or mass upload CSV file: create new SKUs, update existing ones.
    Raises ImportRefused (code ``bad_file``) listing every problem; then nothing changed."""
    actor.require(Permission.MANAGE_PRODUCTS)
    return import_products_bytes(db, actor, read_upload(path))


def read_upload(path: str | Path) -> bytes:
    """The file's bytes, or ImportRefused saying in words why it cannot be read."""
    shown = clip(str(path), 200)
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        reason = f"there is no file {shown}"
    except IsADirectoryError:
        reason = f"{shown} is a folder, not a CSV file"
    except PermissionError:
        reason = f"cannot read {shown}: permission denied"
    except OSError as exc:
        reason = f"cannot read {shown}: {exc.strerror or exc}"
    raise ImportRefused([RowProblem(None, None, reason)])


def import_products_bytes(db: Database, actor: Actor, data: bytes) -> ImportReport:
    """Import an upload's raw bytes (UTF-8, with or without BOM), e.g. read from stdin."""
    actor.require(Permission.MANAGE_PRODUCTS)
    return _import(db, parse_upload_bytes(data))


def import_products_text(db: Database, actor: Actor, text: str) -> ImportReport:
    """Import an upload already decoded to text."""
    actor.require(Permission.MANAGE_PRODUCTS)
    return _import(db, parse_upload(text))


def _import(db: Database, upload: ParsedUpload) -> ImportReport:
    try:
        created, updated, unchanged = db.write(lambda conn: _apply(conn, upload))
    except sa.exc.IntegrityError:
        # Only possible when another terminal added the same SKU or barcode meanwhile (on
        # SQLite writers queue, so there it cannot happen); the transaction rolled back.
        raise Conflict(
            "another terminal changed the products while this file was being "
            "imported; nothing was imported, import it again"
        ) from None
    return ImportReport(upload.format.value, created, updated, unchanged, upload.warnings)


def _apply(conn: Connection, upload: ParsedUpload) -> tuple[int, int, int]:
    p = repo.product_t.c
    # The product columns this file sets: the required ones, and the optional ones it has.
    fields = (
        "name",
        "price",
        "serial_mode",
        *(field for column, field in _OPTIONAL_FIELDS.items() if column in upload.columns),
    )
    wanted_of = operator.attrgetter(*fields)  # UploadRow attributes are named like columns
    with_barcodes = Column.BARCODE in upload.columns
    with_packages = Column.PACKAGE_TYPE in upload.columns

    # One read of what exists, then every decision in memory.
    current: dict[str, tuple[int, tuple[Any, ...]]] = {}
    sku_of: dict[int, str] = {}
    for pid, sku, *values in conn.execute(sa.select(p.id, p.sku, *(p[f] for f in fields))):
        current[sku] = (pid, tuple(values))
        sku_of[pid] = sku
    barcodes_of: dict[int, tuple[str, ...]] = {}
    if with_barcodes:
        b = repo.barcode_t.c
        owner_of: dict[str, int] = {}
        listed: dict[int, list[str]] = {}
        for pid, gtin in conn.execute(sa.select(b.product_id, b.gtin).order_by(b.id)):
            listed.setdefault(pid, []).append(gtin)
            owner_of[gtin] = pid
        barcodes_of = {pid: tuple(codes) for pid, codes in listed.items()}
        _refuse_taken_barcodes(upload, current, sku_of, owner_of)
    components_of: dict[int, tuple[tuple[str, int], ...]] = {}
    if with_packages:
        type_at = fields.index("package_type")
        package_ids = [pid for pid, values in current.values() if values[type_at] is not None]
        components_of = repo.components_of(conn, package_ids) if package_ids else {}
        _refuse_bad_packages(
            upload,
            {sku: values[type_at] for sku, (_pid, values) in current.items()},
            components_of,
            sku_of,
        )

    new: list[UploadRow] = []
    changed: list[tuple[int, tuple[Any, ...]]] = []  # (id, new values of ``fields``)
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
        barcodes_differ = with_barcodes and barcodes_of.get(pid, ()) != item.barcodes
        components_differ = with_packages and components_of.get(pid, ()) != item.components
        if fields_differ:
            changed.append((pid, wanted))
        if barcodes_differ:
            rebarcode.append((pid, item))
        if components_differ:
            recompose.append((pid, item))
        if not fields_differ and not barcodes_differ and not components_differ:
            unchanged += 1

    mode_at = fields.index("serial_mode")
    refuse_untracked_stock(
        conn,
        [
            pid
            for pid, wanted in changed
            if wanted[mode_at] == SerialMode.REQUIRED
            and current[sku_of[pid]][1][mode_at] != SerialMode.REQUIRED
        ],
    )
    refuse_live_units(
        conn,
        [
            pid
            for pid, wanted in changed
            if wanted[mode_at] == SerialMode.DISABLED
            and current[sku_of[pid]][1][mode_at] != SerialMode.DISABLED
        ],
    )
    now = utcnow()
    new_ids = _insert_products(conn, new, fields, now)
    _update_products(conn, changed, fields, now)
    if rebarcode:
        for chunk in _chunks([pid for pid, _ in rebarcode]):
            conn.execute(sa.delete(repo.barcode_t).where(repo.barcode_t.c.product_id.in_(chunk)))
    if rebarcode or recompose:
        # A product whose only change is its barcodes or components was still changed.
        only_barcodes = sorted(
            {pid for pid, _ in [*rebarcode, *recompose]} - {pid for pid, _ in changed}
        )
        for chunk in _chunks(only_barcodes):
            conn.execute(sa.update(repo.product_t).where(p.id.in_(chunk)).values(updated_at=now))
    if with_barcodes:
        codes = [
            {"product_id": pid, "gtin": gtin}
            for pid, item in [*rebarcode, *zip(new_ids, new, strict=True)]
            for gtin in item.barcodes
        ]
        for batch in _chunks(codes):
            conn.execute(sa.insert(repo.barcode_t), batch)
    if with_packages:
        _write_components(
            conn,
            recompose,
            list(zip(new_ids, new, strict=True)),
            {sku: pid for sku, (pid, _values) in current.items()},
        )
    updated = len(
        {pid for pid, _ in changed} | {pid for pid, _ in rebarcode} | {pid for pid, _ in recompose}
    )
    return len(new), updated, unchanged


def _refuse_taken_barcodes(
    upload: ParsedUpload,
    current: dict[str, tuple[int, Any]],
    sku_of: dict[int, str],
    owner_of: dict[str, int],
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
    stored_type: dict[str, str | None],
    stored_components: dict[int, tuple[tuple[str, int], ...]],
    sku_of: dict[int, str],
) -> None:
    """What only the database can tell: each component exists (here or in the file) and is
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


def _write_components(
    conn: Connection,
    recompose: list[tuple[int, UploadRow]],
    created: list[tuple[int, UploadRow]],
    id_of: dict[str, int],
) -> None:
    """Replace the components of the packages whose components changed; add those of new
    packages."""
    for chunk in _chunks([pid for pid, _ in recompose]):
        conn.execute(sa.delete(repo.component_t).where(repo.component_t.c.package_id.in_(chunk)))
    id_of = {**id_of, **{item.sku: pid for pid, item in created}}
    parts = [
        {"package_id": pid, "component_id": id_of[sku], "quantity": qty}
        for pid, item in [*recompose, *created]
        for sku, qty in item.components
    ]
    for batch in _chunks(parts):
        conn.execute(sa.insert(repo.component_t), batch)


def _insert_products(
    conn: Connection, rows: list[UploadRow], fields: Sequence[str], now: object
) -> list[int]:
    """Insert new products; their ids in the order of ``rows``."""
    if not rows:
        return []
    table = repo.product_t
    values_of = operator.attrgetter(*fields)
    params = [
        {
            "sku": item.sku,
            "created_at": now,
            "updated_at": now,
            **dict(zip(fields, _plain(values_of(item)), strict=True)),
        }
        for item in rows
    ]
    # A plain executemany, then the new ids read back by SKU: RETURNING would run row by row
    # on SQLite, and on PostgreSQL its 1000-row statements cost psycopg more to parse than
    # its pipelined executemany costs to run.
    ids: dict[str, int] = {}
    for chunk in _chunks(params):
        conn.execute(sa.insert(table), chunk)
        skus = [row["sku"] for row in chunk]
        found = conn.execute(sa.select(table.c.sku, table.c.id).where(table.c.sku.in_(skus)))
        ids.update((sku, pid) for sku, pid in found)
    return [ids[item.sku] for item in rows]


def _update_products(
    conn: Connection, changed: list[tuple[int, tuple[Any, ...]]], fields: Sequence[str], now: object
) -> None:
    """One UPDATE of the columns the file has, run executemany over the changed products."""
    if not changed:
        return
    table = repo.product_t
    stmt = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"))
        .values({f: sa.bindparam(f"b_{f}") for f in [*fields, "updated_at"]})
    )
    names = [f"b_{f}" for f in fields]
    params = [
        {"b_id": pid, "b_updated_at": now, **dict(zip(names, _plain(wanted), strict=True))}
        for pid, wanted in changed
    ]
    for chunk in _chunks(params):
        conn.execute(stmt, chunk)


def _plain(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Values as the driver should bind them: a serial mode or package type by its value
    (psycopg would bind an enum by its name)."""
    return tuple(v.value if isinstance(v, enum.Enum) else v for v in values)


def _chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# -- export -----------------------------------------------------------------------------
def export_products_text(db: Database) -> tuple[str, int]:
    """The mass-upload CSV of every product (sorted by SKU) and how many rows it has."""
    products = db.read(lambda conn: repo.load_products(conn))
    return render_mass_upload(products), len(products)


def export_products(db: Database, path: str | Path) -> int:
    """Write every product to ``path`` as a mass-upload CSV (UTF-8 with BOM, so spreadsheets
    read accents right; CRLF). Written to a temporary file beside it and renamed, so a
    failure never leaves a partial file under the requested name. Returns rows written."""
    text, count = export_products_text(db)
    write_atomically(Path(path), text.encode("utf-8-sig"))
    return count
