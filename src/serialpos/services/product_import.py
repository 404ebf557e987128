"""Product feed / mass upload import and mass download export, all-or-nothing.

The file is read and every row checked first (domain/product_rows.py); only a clean file
reaches the database, and then in one transaction: the catalogue is read once, compared with
the file by a pure function (domain/product_changes.py: what changes per product, what is
refused and why), and products are created or updated in bulk
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
from serialpos.domain.product_changes import Catalogue, ImportPlan, plan_import, product_fields
from serialpos.domain.product_columns import (
    Column,
    ImportRefused,
    ParsedUpload,
    RowProblem,
    UploadRow,
)
from serialpos.domain.product_export import render_mass_upload
from serialpos.domain.product_rows import parse_upload, parse_upload_bytes
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.files import write_atomically
from serialpos.services.context import Actor
from serialpos.services.format_guard import refuse_breaking_formats
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
def import_products(
    db: Database, actor: Actor, path: str | Path, *, force_format: bool = False
) -> ImportReport:
    """Import a product feed or mass upload CSV file: create new SKUs, update existing ones.
    Raises ImportRefused (code ``bad_file``) listing every problem; then nothing changed.
    ``force_format``: set a serial format that recorded units do not match
    (services/format_guard.py; refused ``format_breaks_units`` otherwise)."""
    actor.require(Permission.MANAGE_PRODUCTS)
    return import_products_bytes(db, actor, read_upload(path), force_format=force_format)


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


def import_products_bytes(
    db: Database, actor: Actor, data: bytes, *, force_format: bool = False
) -> ImportReport:
    """Import an upload's raw bytes (UTF-8, with or without BOM), e.g. read from stdin."""
    actor.require(Permission.MANAGE_PRODUCTS)
    return _import(db, parse_upload_bytes(data), force_format)


def import_products_text(
    db: Database, actor: Actor, text: str, *, force_format: bool = False
) -> ImportReport:
    """Import an upload already decoded to text."""
    actor.require(Permission.MANAGE_PRODUCTS)
    return _import(db, parse_upload(text), force_format)


def _import(db: Database, upload: ParsedUpload, force_format: bool = False) -> ImportReport:
    warned: list[str] = []
    try:
        created, updated, unchanged = db.write(
            lambda conn: _apply(conn, upload, force_format, warned)
        )
    except sa.exc.IntegrityError:
        # Only possible when another terminal added the same SKU or barcode meanwhile (on
        # SQLite writers queue, so there it cannot happen); the transaction rolled back.
        raise Conflict(
            "another terminal changed the products while this file was being "
            "imported; nothing was imported, import it again"
        ) from None
    return ImportReport(
        upload.format.value, created, updated, unchanged, (*upload.warnings, *warned)
    )


def _apply(
    conn: Connection, upload: ParsedUpload, force_format: bool, warned: list[str]
) -> tuple[int, int, int]:
    """Read the catalogue once, let the domain compare (``plan_import``), check what only
    the stock can tell, then write the plan in bulk."""
    catalogue = _read_catalogue(conn, upload)
    plan = plan_import(upload, catalogue)
    refuse_untracked_stock(conn, list(plan.becoming_serialized))
    refuse_live_units(conn, list(plan.becoming_unserialized))
    warned[:] = refuse_breaking_formats(conn, _format_changes(plan, catalogue), force=force_format)
    _write_plan(conn, plan, catalogue)
    return len(plan.new), plan.updated, plan.unchanged


def _format_changes(plan: ImportPlan, catalogue: Catalogue) -> list[tuple[int, str, str | None]]:
    """(product id, SKU, new format) of the products whose serial format this file changes."""
    if "serial_format" not in plan.fields:
        return []
    at = plan.fields.index("serial_format")
    before = {pid: (sku, values[at]) for sku, (pid, values) in catalogue.products.items()}
    return [
        (pid, before[pid][0], values[at])
        for pid, values in plan.changed
        if pid in before and values[at] != before[pid][1]
    ]


def _read_catalogue(conn: Connection, upload: ParsedUpload) -> Catalogue:
    """The products' fields this file sets; their barcodes and the packages' components only
    when the file has those columns."""
    p = repo.product_t.c
    fields = product_fields(upload.columns)
    current: dict[str, tuple[int, tuple[Any, ...]]] = {}
    for pid, sku, *values in conn.execute(sa.select(p.id, p.sku, *(p[f] for f in fields))):
        current[sku] = (pid, tuple(values))
    barcodes_of: dict[int, tuple[str, ...]] = {}
    if Column.BARCODE in upload.columns:
        b = repo.barcode_t.c
        listed: dict[int, list[str]] = {}
        for pid, gtin in conn.execute(sa.select(b.product_id, b.gtin).order_by(b.id)):
            listed.setdefault(pid, []).append(gtin)
        barcodes_of = {pid: tuple(codes) for pid, codes in listed.items()}
    components_of: dict[int, tuple[tuple[str, int], ...]] = {}
    if Column.PACKAGE_TYPE in upload.columns:
        type_at = fields.index("package_type")
        package_ids = [pid for pid, values in current.values() if values[type_at] is not None]
        components_of = repo.components_of(conn, package_ids) if package_ids else {}
    return Catalogue(current, barcodes_of, components_of)


def _write_plan(conn: Connection, plan: ImportPlan, catalogue: Catalogue) -> None:
    """Insert the new products, update the changed ones, replace barcodes and components."""
    p = repo.product_t.c
    now = utcnow()
    new = list(plan.new)
    new_ids = _insert_products(conn, new, plan.fields, now)
    _update_products(conn, list(plan.changed), plan.fields, now)
    if plan.rebarcode:
        for chunk in _chunks([pid for pid, _ in plan.rebarcode]):
            conn.execute(sa.delete(repo.barcode_t).where(repo.barcode_t.c.product_id.in_(chunk)))
    for chunk in _chunks(plan.touched_only):
        conn.execute(sa.update(repo.product_t).where(p.id.in_(chunk)).values(updated_at=now))
    if plan.sets_barcodes:
        codes = [
            {"product_id": pid, "gtin": gtin}
            for pid, item in [*plan.rebarcode, *zip(new_ids, new, strict=True)]
            for gtin in item.barcodes
        ]
        for batch in _chunks(codes):
            conn.execute(sa.insert(repo.barcode_t), batch)
    if plan.sets_components:
        _write_components(
            conn,
            list(plan.recompose),
            list(zip(new_ids, new, strict=True)),
            {sku: pid for sku, (pid, _values) in catalogue.products.items()},
        )


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
