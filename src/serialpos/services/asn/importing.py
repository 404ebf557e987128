"""Importing ASN files, all or nothing, on a bulk path.

Importing an ASN creates every serial it lists as an ``expected`` unit at the store, with one
``expect`` ledger event each carrying the ASN as its document; while the ASN is open such a
unit can be received only on it (the ledger refuses any other way and names the ASN). Once the
ASN is received, listed serials that did not arrive stay ``expected`` and may come in any other
way (blind receiving, ``serialpos apply receive``): the vendor may still send them. The bulk
SQL itself (executemany, COPY) is in :mod:`serialpos.db.bulk`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import bulk, bulk_events, ledger_chain, repo
from serialpos.db.asn_tables import asn_line_t, asn_t
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.asn_file import parse_asn_file
from serialpos.domain.asn_rows import (
    AsnDoc,
    AsnFileRefused,
    ParsedAsnFile,
    Problem,
)
from serialpos.domain.document_status import AsnStatus
from serialpos.domain.errors import (
    BadRequest,
    Conflict,
)
from serialpos.domain.products import SerialMode
from serialpos.domain.serials import SerialFormat
from serialpos.domain.states import Action, UnitState
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services import asn_formats
from serialpos.services.asn import listed_serials
from serialpos.services.asn.views import (
    DOCUMENT_TYPE,
    ImportedAsn,
    ImportResult,
    asn_c,
    product_c,
)
from serialpos.services.bulk_memory import collector_paused
from serialpos.services.context import Actor
from serialpos.services.serial_precheck import FormatChanged, stored_format
from serialpos.services.settings import settings_in

_LINE_KEYS = [
    "asn_id",
    "number",
    "product_id",
    "sku",
    "quantity",
    "listed",
    "case_pack",
    "received",
]

#: Largest ASN file read (a 1M-serial file is about 20 MB).
MAX_FILE_BYTES = 256 * 1024 * 1024


# -- import -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Product:
    id: int
    sku: str
    mode: SerialMode
    fmt: SerialFormat | None
    spec: str | None = None  # as stored


def import_asn_file(db: Database, actor: Actor, path: Path | str, store: str) -> ImportResult:
    """Import every ASN in a CSV or JSON file for ``store``, all or nothing. A refused file
    raises :class:`AsnFileRefused` listing every problem with where it is."""
    actor.require(Permission.RECEIVE)
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadRequest(f"{file} is {size:,} bytes; at most {MAX_FILE_BYTES:,} are read")
        data = file.read_bytes()
    except OSError as exc:
        raise BadRequest(f"cannot read {file}: {exc.strerror or exc}") from None
    return import_asn_data(db, actor, file.name, data, store, source=str(file))


def import_asn_data(
    db: Database, actor: Actor, name: str, data: bytes, store: str, *, source: str | None = None
) -> ImportResult:
    """Import ASN file content (``name`` tells CSV from JSON by its extension)."""
    actor.require(Permission.RECEIVE)
    return import_parsed(db, actor, parse_asn_file(name, data), store, source=source or name)


def import_parsed(
    db: Database,
    actor: Actor,
    parsed: ParsedAsnFile,
    store: str,
    *,
    source: str = "the file",
    _attempts: int = 3,
) -> ImportResult:
    actor.require(Permission.RECEIVE)
    # Formats are matched here, before the write transaction (asn_formats.py).
    specs = asn_formats.read_specs(db, {r.sku for d in parsed.docs for r in d.rows if r.serials})
    bad = asn_formats.format_problems(specs, parsed.docs)

    def work(conn: Connection) -> ImportResult:
        problems = list(parsed.problems)
        store_id = repo.store_id(db, conn, store)
        tracked = settings_in(db, conn, store).serialized_inventory
        products = _products(conn, {r.sku for d in parsed.docs for r in d.rows})
        asn_formats.confirm(specs, {sku: p.spec for sku, p in products.items()})
        _check_against_database(conn, parsed.docs, products, problems, bad)
        if problems:
            raise AsnFileRefused(source, problems)
        return _bulk_import(conn, actor, parsed.docs, products, store, store_id, tracked)

    try:
        with collector_paused():
            return db.write(work)
    except FormatChanged:  # a manager changed a format meanwhile: check again with it
        if _attempts <= 1:
            raise Conflict(
                "a product's serial format was being changed at the same moment; "
                "import the file again"
            ) from None
        return import_parsed(db, actor, parsed, store, source=source, _attempts=_attempts - 1)
    except sa.exc.IntegrityError:
        raise Conflict(
            "another terminal recorded one of these ASNs or serials at the same "
            "moment; import the file again to see which"
        ) from None


def _products(conn: Connection, skus: set[str]) -> dict[str, _Product]:
    found: dict[str, _Product] = {}
    query = sa.select(product_c.id, product_c.sku, product_c.serial_mode, product_c.serial_format)
    for chunk in bulk.chunks(sorted(skus)):
        for pid, sku, mode, fmt in conn.execute(query.where(product_c.sku.in_(chunk))):
            parsed = stored_format(fmt) if fmt else None
            found[sku] = _Product(int(pid), sku, SerialMode(mode), parsed, fmt)
    return found


def _check_against_database(
    conn: Connection,
    docs: list[AsnDoc],
    products: dict[str, _Product],
    problems: list[Problem],
    bad: Mapping[tuple[str, str], str],
) -> None:
    """Problems only the catalogue and the ledger can tell, each with its place in the file."""
    known_ids = _imported_ids(conn, [d.asn for d in docs])
    listed: dict[int, dict[str, str]] = {}  # product id -> serial -> where
    for doc in docs:
        known = known_ids.get(doc.asn.lower())
        if known is not None:
            # Its serials are the ones it made: saying each is known would only be noise.
            same = "" if known == doc.asn else f" as {known} (ASN ids ignore letter case)"
            problems.append(Problem(doc.where, f"ASN {doc.asn} was already imported{same}"))
            continue
        for row in doc.rows:
            product = products.get(row.sku)
            if product is None:
                problems.append(
                    Problem(row.where, f"there is no product with SKU '{clip(row.sku)}'")
                )
                continue
            if row.case_pack is not None and product.mode.tracked:
                problems.append(
                    Problem(
                        row.where,
                        f"{row.sku} is serialized ({product.mode}): "
                        "serialized units are tracked one by one: CasePack "
                        "cannot hold a serialized product",
                    )
                )
            if row.serials and not product.mode.tracked:
                problems.append(
                    Problem(row.where, f"{row.sku} is not serialized: list no serials for it")
                )
                continue
            mine = listed.setdefault(product.id, {})
            if not bad:  # every serial matched its format (the usual file): no lookups
                mine.update(dict.fromkeys(row.serials, row.where))
                continue
            for serial in row.serials:
                why = bad.get((row.sku, serial))  # matched before the transaction
                if why is not None:
                    problems.append(
                        Problem(
                            row.where, f"serial '{clip(serial)}' is not valid for {row.sku}: {why}"
                        )
                    )
                    continue
                mine[serial] = row.where
    problems += listed_serials.ledger_problems(conn, listed)
    problems.sort(key=_problem_order)


def _imported_ids(conn: Connection, ids: list[str]) -> dict[str, str]:
    """The imported ASN ids equal to one of ``ids`` but for letter case, lower-cased:
    ``asn-1001`` is ``ASN-1001`` sent again (a vendor's re-export), not a second shipment
    whose packs would be expected twice. The ASN table is small; no index is needed."""
    folded = sorted({i.lower() for i in ids})
    found: dict[str, str] = {}
    for chunk in bulk.chunks(folded):
        query = sa.select(asn_c.asn).where(sa.func.lower(asn_c.asn).in_(chunk))
        for asn in conn.execute(query).scalars():
            found[asn.lower()] = asn
    return found


def _problem_order(problem: Problem) -> tuple[int, str]:
    """File order: CSV "line N" by N; anything else after, in the order found (stable)."""
    where = problem.where
    if where == "file":
        return (-1, "")
    if where.startswith("line ") and where[5:].isdigit():
        return (int(where[5:]), "")
    return (1 << 30, "")


def _bulk_import(
    conn: Connection,
    actor: Actor,
    docs: list[AsnDoc],
    products: dict[str, _Product],
    store: str,
    store_id: int,
    tracked: bool,
) -> ImportResult:
    """Write the checked ASNs: headers, lines, and every listed serial as an ``expected`` unit
    with its one ``expect`` event.

    This bypasses :func:`ledger.move` on purpose: the per-unit path (read, decide, insert, one
    event, stock) costs about half a millisecond a unit, and a 100k-serial ASN must import in
    seconds. The ledger's invariants hold here as well: every serial was checked above to be
    unknown to the ledger (and the unique (product, serial) constraint still guards the
    insert, so a racing terminal makes this transaction fail whole rather than duplicate a
    unit); each unit gets exactly one event, ``expect`` from no state to ``expected`` with
    quantity 0 (an expected unit is not on hand, so no stock level changes). A store that does
    not track serials keeps its listed serials on the events only, as the ledger does.
    Runs as one INSERT ... SELECT (SQLite) or COPY (PostgreSQL) inside the caller's
    transaction: the units of every ASN in the file in one insert, their events in one more,
    whose event-feed numbers are written for the whole batch at once (db/bulk_events.py);
    the hash chain over them in one loop (db/ledger_chain.stamp_columns).
    """
    now = utcnow()
    imported: list[ImportedAsn] = []
    expected = UnitState.EXPECTED.value
    listed: list[tuple[int, str, str, tuple[str, ...]]] = []  # product id, ASN, line, serials
    for doc in docs:
        asn_id = conn.execute(
            sa.insert(asn_t).values(
                asn=doc.asn,
                vendor=doc.vendor,
                store_id=store_id,
                status=AsnStatus.OPEN,
                created_at=now,
                created_by=actor.user,
            )
        ).inserted_primary_key
        assert asn_id is not None
        bulk.insert_many(
            conn,
            asn_line_t,
            _LINE_KEYS,
            [
                (
                    *(asn_id[0], n, products[row.sku].id, row.sku, row.quantity),
                    *(len(row.serials), row.case_pack, 0),
                )
                for n, row in enumerate(doc.rows, start=1)
            ],
        )
        listed += [
            (products[row.sku].id, doc.asn, str(n), tuple(row.serials))
            for n, row in enumerate(doc.rows, start=1)
            if row.serials
        ]
        imported.append(ImportedAsn(doc.asn, doc.vendor, len(doc.rows), doc.units, doc.serials))
    # Units and events go in by column: what every row of the import shares once, the
    # product, serial, ASN and line per serial (db/bulk.py: one statement, not one per row).
    product_ids = [pid for pid, _a, _l, serials in listed for _s in serials]
    serials = [s for _p, _a, _l, serials in listed for s in serials]
    unit_ids: Sequence[int] | None = None
    if tracked:
        unit_ids = bulk.insert_units(
            conn,
            {"state": expected, "store_id": store_id, "version": 1, "updated_at": now},
            {"product_id": product_ids, "serial": serials},
        )
    # An untracked store keeps the serials on the events only, as the ledger does.
    shared: dict[str, object] = {
        "at": now,
        "action": Action.EXPECT.value,
        "user_name": actor.user,
        "terminal": actor.terminal,
        "store_id": store_id,
        "from_state": None,
        "to_state": expected if tracked else None,
        "quantity": 0,
        "document_type": DOCUMENT_TYPE,
        "reason": None,
    }
    columns: dict[str, Sequence[object]] = {
        "product_id": product_ids,
        "serial": serials,
        "document_id": [asn for _p, asn, _l, serials in listed for _s in serials],
        "document_line": [line for _p, _a, line, serials in listed for _s in serials],
    }
    if unit_ids is None:
        shared["unit_id"] = None
    else:
        columns["unit_id"] = unit_ids
    chained = ledger_chain.stamp_columns(conn, shared, columns)
    bulk_events.insert_events(conn, shared, {**columns, **chained})
    return ImportResult(store, tuple(imported), tracked)
