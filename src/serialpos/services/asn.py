"""Advance shipping notices: import (a bulk path), list, show, and receiving against one.

Importing an ASN creates every serial it lists as an ``expected`` unit at the store, with one
``expect`` ledger event each carrying the ASN as its document; while the ASN is open such a
unit can be received only on it (the ledger refuses any other way and names the ASN). Once the
ASN is received, listed serials that did not arrive stay ``expected`` and may come in any other
way (blind receiving, ``serialpos apply receive``): the vendor may still send them.

Receiving is :class:`AsnReceiving`, a :class:`~serialpos.services.receiving.ReceivingSession`:
every scan is saved as it is made (table ``asn_scan``), so a console that dies mid-receiving
loses nothing, and :func:`open_asn` rebuilds the checklist from the saved scans. Completion
is one transaction: the units received, the quantities, the differences, the ASN marked
received and its event file owed; the file is written after the commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from serialpos.db import ledger_chain, repo
from serialpos.db.asn_tables import asn_line_t, asn_scan_t, asn_t
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.asn_rows import (
    AsnDoc,
    AsnFileRefused,
    ParsedAsnFile,
    Problem,
    parse_asn_file,
)
from serialpos.domain.checklist import (
    Checklist,
    ChecklistLine,
    Discrepancy,
    NotOnDocument,
    ScanResult,
    Verdict,
)
from serialpos.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    RefusedWithDetails,
    UnknownStore,
)
from serialpos.domain.event_files import EventLine, EventType
from serialpos.domain.events import DocumentRef
from serialpos.domain.products import SerialMode
from serialpos.domain.serials import SerialFormat
from serialpos.domain.states import Action, UnitState
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services import asn_formats, event_files, ledger
from serialpos.services.context import Actor
from serialpos.services.receiving import CompletionResult, Discrepancies, check_receivable
from serialpos.services.serial_precheck import FormatChanged, stored_format
from serialpos.services.settings import settings_in

DOCUMENT_TYPE = "asn"
#: Largest ASN file read (a 1M-serial file is about 20 MB).
MAX_FILE_BYTES = 256 * 1024 * 1024
_CHUNK = 900  # bind parameters per IN (...) list, under every driver's limit

_a, _l, _s = asn_t.c, asn_line_t.c, asn_scan_t.c
_u, _e, _p = repo.unit_t.c, repo.event_t.c, repo.product_t.c


class UnknownAsn(DomainError):
    code = "unknown_asn"


# -- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AsnSummary:
    asn: str
    vendor: str
    store: str
    status: str
    lines: int
    units: int
    created_at: datetime


@dataclass(frozen=True)
class ImportedAsn:
    asn: str
    vendor: str
    lines: int
    units: int
    serials: int


@dataclass(frozen=True)
class ImportResult:
    store: str
    asns: tuple[ImportedAsn, ...]
    #: False at a store with serialized inventory off: listed serials are on the events only.
    serial_tracked: bool = True

    @property
    def serials(self) -> int:
        return sum(a.serials for a in self.asns)

    @property
    def units(self) -> int:
        return sum(a.units for a in self.asns)


@dataclass(frozen=True)
class AsnLineView:
    number: int
    sku: str
    name: str
    quantity: int
    listed: int  # serials the ASN lists for this line
    case_pack: str | None
    received: int  # received (a received ASN) or scanned so far (an open one)


@dataclass(frozen=True)
class AsnDetail:
    asn: str
    vendor: str
    store: str
    status: str
    created_at: datetime
    created_by: str
    received_at: datetime | None
    received_by: str | None
    lines: tuple[AsnLineView, ...]
    discrepancies: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def units(self) -> int:
        return sum(ln.quantity for ln in self.lines)

    @property
    def received(self) -> int:
        return sum(ln.received for ln in self.lines)


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


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _products(conn: Connection, skus: set[str]) -> dict[str, _Product]:
    found: dict[str, _Product] = {}
    query = sa.select(_p.id, _p.sku, _p.serial_mode, _p.serial_format)
    for chunk in _chunks(sorted(skus)):
        for pid, sku, mode, fmt in conn.execute(query.where(_p.sku.in_(chunk))):
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
    ids = [d.asn for d in docs]
    known_ids: set[str] = set()
    for chunk in _chunks(ids):
        known_ids.update(conn.execute(sa.select(_a.asn).where(_a.asn.in_(chunk))).scalars())
    listed: dict[int, dict[str, str]] = {}  # product id -> serial -> where
    for doc in docs:
        if doc.asn in known_ids:
            # Its serials are the ones it made: saying each is known would only be noise.
            problems.append(Problem(doc.where, f"ASN {doc.asn} was already imported"))
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
    codes: dict[int, str] | None = None
    for product_id, serials in listed.items():
        for serial, state, at in _known_units(conn, product_id, list(serials)):
            codes = codes if codes is not None else repo.store_codes(conn)
            sku = next(p.sku for p in products.values() if p.id == product_id)
            problems.append(
                Problem(
                    serials[serial],
                    f"serial {serial} of {sku} is already "
                    f"known to the ledger ({UnitState(state).label} at "
                    f"{codes.get(at, '?')})",
                )
            )
    problems.sort(key=_problem_order)


def _known_units(
    conn: Connection, product_id: int, serials: list[str]
) -> list[tuple[str, str, int]]:
    """(serial, state, store id) of the units of a product among ``serials``: one query with
    an array on PostgreSQL, IN lists of a few hundred elsewhere."""
    query = sa.select(_u.serial, _u.state, _u.store_id).where(_u.product_id == product_id)
    if conn.dialect.name == "postgresql":
        wanted = sa.bindparam("serials", serials, type_=postgresql.ARRAY(sa.String()))
        return [tuple(r) for r in conn.execute(query.where(_u.serial == sa.any_(wanted)))]
    found: list[tuple[str, str, int]] = []
    for chunk in _chunks(serials):
        found += [tuple(r) for r in conn.execute(query.where(_u.serial.in_(chunk)))]
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
    Runs as executemany inserts inside the caller's transaction.
    """
    now = utcnow()
    imported: list[ImportedAsn] = []
    unit_keys = ["product_id", "serial", "state", "store_id", "version", "updated_at"]
    event_keys = [
        "at",
        "action",
        "user_name",
        "terminal",
        "store_id",
        "product_id",
        "unit_id",
        "serial",
        "from_state",
        "to_state",
        "quantity",
        "document_type",
        "document_id",
        "document_line",
        "reason",
    ]
    expected = UnitState.EXPECTED.value
    for doc in docs:
        asn_id = conn.execute(
            sa.insert(asn_t).values(
                asn=doc.asn,
                vendor=doc.vendor,
                store_id=store_id,
                status="open",
                created_at=now,
                created_by=actor.user,
            )
        ).inserted_primary_key
        assert asn_id is not None
        conn.execute(
            sa.insert(asn_line_t),
            [
                {
                    "asn_id": asn_id[0],
                    "number": n,
                    "product_id": products[row.sku].id,
                    "sku": row.sku,
                    "quantity": row.quantity,
                    "listed": len(row.serials),
                    "case_pack": row.case_pack,
                    "received": 0,
                }
                for n, row in enumerate(doc.rows, start=1)
            ],
        )
        head = (now, Action.EXPECT.value, actor.user, actor.terminal, store_id)
        events: list[tuple[Any, ...]]
        listed = [
            (products[row.sku].id, str(n), row.serials)
            for n, row in enumerate(doc.rows, start=1)
            if row.serials
        ]
        if tracked:
            ids = _insert_units(
                conn,
                [
                    (pid, s, expected, store_id, 1, now)
                    for pid, _n, serials in listed
                    for s in serials
                ],
                unit_keys,
            )
            events = [
                (*head, pid, ids[pid, s], s, None, expected, 0, DOCUMENT_TYPE, doc.asn, line, None)
                for pid, line, serials in listed
                for s in serials
            ]
        else:
            events = [
                (*head, pid, None, s, None, None, 0, DOCUMENT_TYPE, doc.asn, line, None)
                for pid, line, serials in listed
                for s in serials
            ]
        hashed_keys, hashed = ledger_chain.stamp_rows(conn, event_keys, events)
        _insert_many(conn, repo.event_t, hashed_keys, hashed)
        imported.append(ImportedAsn(doc.asn, doc.vendor, len(doc.rows), doc.units, doc.serials))
    return ImportResult(store, tuple(imported), tracked)


def _insert_many(
    conn: Connection, table: sa.Table, keys: list[str], rows: list[tuple[Any, ...]]
) -> None:
    """One executemany of plain tuples in ``keys`` order, through the driver: the Core
    statement compiled for this dialect once, each value through its column type's bind
    processor (so a datetime is stored as SQLAlchemy stores it), without the per-row
    parameter work of ``Connection.execute`` (a third of the time at 100k rows)."""
    if not rows:
        return
    dialect = conn.dialect
    if dialect.name == "postgresql":
        _copy_in(conn, table, keys, rows)
        return
    compiled = sa.insert(table).compile(dialect=dialect, column_keys=keys)
    convert = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in keys]
    if any(convert):
        rows = [
            tuple(v if f is None or v is None else f(v) for f, v in zip(convert, row, strict=True))
            for row in rows
        ]
    if compiled.positional:
        names = list(compiled.positiontup or ())
        if names != keys:
            where = [keys.index(n) for n in names]
            rows = [tuple(row[i] for i in where) for row in rows]
        conn.exec_driver_sql(compiled.string, rows)
    else:
        conn.exec_driver_sql(compiled.string, [dict(zip(keys, row, strict=True)) for row in rows])


def _copy_in(
    conn: Connection, table: sa.Table, keys: list[str], rows: list[tuple[Any, ...]]
) -> None:
    """PostgreSQL: ``COPY ... FROM STDIN`` on the transaction's own connection (psycopg
    adapts each value; an executemany sends one statement per row and is ~5x slower)."""
    preparer = conn.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(table.c[k].name) for k in keys)
    statement = f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN"
    raw: Any = conn.connection.driver_connection
    import psycopg

    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as exc:
        # As SQLAlchemy would raise it, so callers and Database's retries see the usual types.
        raise sa.exc.DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


def _insert_units(
    conn: Connection, rows: list[tuple[Any, ...]], keys: list[str]
) -> dict[tuple[int, str], int]:
    """Insert new units (``keys`` start with product_id, serial) and return their ids by
    (product id, serial). The ids are read back as the units above the highest id before the
    insert (a primary-key range); (product, serial) is unique, so picking this call's units
    among them is exact even when another terminal inserted units meanwhile."""
    if not rows:
        return {}
    before = conn.execute(sa.select(sa.func.coalesce(sa.func.max(_u.id), 0))).scalar_one()
    _insert_many(conn, repo.unit_t, keys, rows)
    wanted = {(row[0], row[1]) for row in rows}
    found: dict[tuple[int, str], int] = {}
    for uid, pid, serial in conn.execute(
        sa.select(_u.id, _u.product_id, _u.serial).where(_u.id > before)
    ):
        if (pid, serial) in wanted:
            found[pid, serial] = int(uid)
    assert len(found) == len(wanted), "every inserted unit is read back"
    return found


# -- reading --------------------------------------------------------------------------------
def list_asns(db: Database, store: str | None, status: str | None = None) -> list[AsnSummary]:
    """ASNs of a store (every store when None), newest first; ``status`` open or received."""
    if status is not None and status not in ("open", "received"):
        raise BadRequest(f"status '{clip(status)}' is not one of open, received")

    def work(conn: Connection) -> list[AsnSummary]:
        codes = repo.store_codes(conn)
        lines = (
            sa.select(
                _l.asn_id, sa.func.count().label("lines"), sa.func.sum(_l.quantity).label("units")
            )
            .group_by(_l.asn_id)
            .subquery()
        )
        query = (
            sa.select(
                _a.asn,
                _a.vendor,
                _a.store_id,
                _a.status,
                _a.created_at,
                lines.c.lines,
                lines.c.units,
            )
            .join(lines, lines.c.asn_id == _a.id)
            .order_by(_a.created_at.desc(), _a.id.desc())
        )
        if store is not None:
            query = query.where(_a.store_id == repo.store_id(db, conn, store))
        if status is not None:
            query = query.where(_a.status == status)
        return [
            AsnSummary(
                r.asn,
                r.vendor,
                codes.get(r.store_id, "?"),
                r.status,
                int(r.lines),
                int(r.units or 0),
                r.created_at,
            )
            for r in conn.execute(query)
        ]

    return db.read(work)


def _header(conn: Connection, asn: str) -> sa.Row[Any]:
    row = conn.execute(sa.select(asn_t).where(_a.asn == asn)).first()
    if row is None:
        raise UnknownAsn(f"there is no ASN '{clip(asn)}'")
    return row


def asn_detail(db: Database, asn: str) -> AsnDetail:
    """One ASN: its lines with what each expects and what was received (or, while it is
    open, scanned so far), and the differences recorded at completion."""

    def work(conn: Connection) -> AsnDetail:
        head = _header(conn, asn)
        codes = repo.store_codes(conn)
        rows = conn.execute(
            sa.select(_l.number, _l.sku, _p.name, _l.quantity, _l.listed, _l.case_pack, _l.received)
            .join(repo.product_t, _p.id == _l.product_id)
            .where(_l.asn_id == head.id)
            .order_by(_l.number)
        ).all()
        scanned: dict[str, int] = {}
        if head.status == "open":
            for sku, serial, qty in conn.execute(
                sa.select(_s.sku, _s.serial, _s.quantity).where(_s.asn_id == head.id)
            ):
                scanned[sku] = scanned.get(sku, 0) + (1 if serial is not None else int(qty))
        lines = []
        for r in rows:
            got = int(r.received)
            if head.status == "open":  # scans are per product: the first line of it shows them
                got = scanned.pop(r.sku, 0)
            lines.append(
                AsnLineView(r.number, r.sku, r.name, r.quantity, r.listed, r.case_pack, got)
            )
        found = tuple(json.loads(head.discrepancies)) if head.discrepancies else ()
        return AsnDetail(
            head.asn,
            head.vendor,
            codes.get(head.store_id, "?"),
            head.status,
            head.created_at,
            head.created_by,
            head.received_at,
            head.received_by,
            tuple(lines),
            found,
        )

    return db.read(work)


# -- receiving --------------------------------------------------------------------------------
@dataclass
class _Line:
    """What completion needs per product: its ASN line numbers and which serial is on which."""

    numbers: list[int]
    serial_line: dict[str, int]
    quantities: dict[int, int] = field(default_factory=dict)  # line number -> quantity

    def split(self, received: int, listed: dict[int, int]) -> dict[int, int]:
        """How many of ``received`` units each ASN line of the product took: listed serials
        on their own line, the rest filling the lines in order, any excess on the last."""
        taken = dict.fromkeys(self.numbers, 0) | listed
        rest = received - sum(listed.values())
        for number in self.numbers:
            room = max(0, self.quantities.get(number, 0) - taken[number])
            step = min(room, rest)
            taken[number] += step
            rest -= step
        taken[self.numbers[-1]] += max(0, rest)
        return taken


class AsnReceiving:
    """Receiving one ASN at its store: a :class:`ReceivingSession`.

    Each accepted scan is saved before it shows on the checklist (``persist``); the
    integration path (``serialpos apply``) builds a session that saves nothing, so a refused
    call leaves no trace.
    """

    def __init__(
        self,
        db: Database,
        actor: Actor,
        *,
        asn: str,
        vendor: str,
        store: str,
        row_id: int,
        checklist: Checklist,
        lines: dict[str, _Line],
        outbox: Path | None,
        persist: bool = True,
    ) -> None:
        self.db = db
        self.actor = actor
        self.asn = asn
        self.vendor = vendor
        self.store = store
        self.outbox: Path | None = outbox  # None: the file stays owed (written at next start)
        self.checklist = checklist
        self.persist = persist
        self._row_id = row_id
        self._lines = lines

    @property
    def title(self) -> str:
        return f"ASN {self.asn} from {self.vendor}"

    # -- scans ------------------------------------------------------------------------------
    def scan(self, sku: str, serial: str) -> ScanResult:
        """Check one scanned serial (not on the ASN, breaking the format, already in stock
        anywhere, expected on another ASN...) and record it; a repeat is an alert."""
        self.actor.require(Permission.RECEIVE)
        line = self.checklist.line(sku)  # a product not on this ASN: refused before lookups
        if not line.serialized:
            self.checklist.check_serial(sku, serial)  # "count it, do not scan serials"
        clean = check_receivable(self.db, self.store, sku, serial, asn=self.asn)
        self.checklist.check_serial(sku, clean)  # a serial the ASN does not list
        if not line.has(clean):
            self._save([(sku, clean, 1)])
        return self.checklist.scan(sku, clean)

    def count(self, sku: str, quantity: int) -> ChecklistLine:
        self.actor.require(Permission.RECEIVE)
        line = self.checklist.line(sku)
        before = line.counted
        self.checklist.count(sku, quantity)  # refuses a serialized line or going below 0
        try:
            self._save([(sku, None, quantity)])
        except BaseException:
            line.counted = before
            raise
        return line

    def add_product(self, sku: str) -> ChecklistLine:
        """An ASN lists its products: one it does not list is refused (``not_on_asn``)."""
        return self.checklist.line(sku)

    def rescan(self, sku: str) -> ChecklistLine:
        """Clear one product's scans (saved ones too) to start it again."""
        self.checklist.line(sku)
        if self.persist:
            self.db.write(
                lambda conn: conn.execute(
                    sa.delete(asn_scan_t).where(_s.asn_id == self._row_id, _s.sku == sku)
                )
            )
        return self.checklist.rescan(sku)

    def receive_all(self) -> None:
        """Every line without serials as arrived in full; refused while a serialized unit is
        unscanned."""
        self.actor.require(Permission.RECEIVE)
        gaps = [
            (ln.sku, ln.expected - ln.counted)
            for ln in self.checklist.lines.values()
            if not ln.serialized and ln.counted != ln.expected
        ]
        self.checklist.receive_all()  # refuses first, changing nothing
        if gaps:
            self._save([(sku, None, n) for sku, n in gaps])

    def _save(self, scans: list[tuple[str, str | None, int]]) -> None:
        if not self.persist:
            return
        now, user, row_id = utcnow(), self.actor.user, self._row_id

        def work(conn: Connection) -> None:
            _require_open(conn, row_id, self.asn)
            conn.execute(
                sa.insert(asn_scan_t),
                [
                    {
                        "asn_id": row_id,
                        "sku": sku,
                        "serial": serial,
                        "quantity": qty,
                        "scanned_at": now,
                        "user_name": user,
                    }
                    for sku, serial, qty in scans
                ],
            )

        try:
            self.db.write(work)
        except sa.exc.IntegrityError:
            if len(scans) != 1 or scans[0][1] is None:
                raise
            # Another terminal receiving the same ASN saved this serial first: it is on the
            # receipt either way, so this scan lands on our checklist too.

    # -- completion --------------------------------------------------------------------------
    def complete(self, *, accept_discrepancies: bool = False) -> CompletionResult:
        """Receive what was scanned, in one transaction, and write the event file after.

        The scans received are the ones saved for the ASN, read inside the completing
        transaction after the ASN row is claimed: a second terminal scanning the same ASN
        has its scans received too, and one it is saving at that moment either commits
        first (and is received) or finds the ASN received (and is refused)."""
        self.actor.require(Permission.RECEIVE)
        if not self.persist:  # nothing saved to read again: refuse before any transaction
            early = self.checklist.discrepancies()
            if early and not accept_discrepancies:
                raise Discrepancies(early)
        outcome: list[tuple[list[Discrepancy], int]] = []

        def work(conn: Connection) -> None:
            now = utcnow()
            done = conn.execute(
                sa.update(asn_t)
                .where(_a.id == self._row_id, _a.status == "open")
                .values(status="received", received_at=now, received_by=self.actor.user)
            )
            if done.rowcount != 1:
                raise Conflict(f"ASN {self.asn} was received meanwhile (another terminal)")
            if self.persist:
                _apply_saved(self.checklist, _saved_scans(conn, self._row_id))
            found = self.checklist.discrepancies()
            if found and not accept_discrepancies:
                raise Discrepancies(found)  # rolls the claim back: the ASN stays open
            if found:
                conn.execute(
                    sa.update(asn_t)
                    .where(_a.id == self._row_id)
                    .values(
                        discrepancies=json.dumps(
                            [
                                {
                                    "sku": d.sku,
                                    "expected": d.expected,
                                    "received": d.received,
                                    "missing": list(d.missing),
                                }
                                for d in found
                            ]
                        )
                    )
                )
            lines = list(self.checklist.lines.values())
            event_lines = []
            for line in lines:
                where = self._lines[line.sku]
                by_number: dict[int, list[str]] = {}
                for serial in line.scanned:
                    number = where.serial_line.get(serial, where.numbers[0])
                    by_number.setdefault(number, []).append(serial)
                for number, serials in sorted(by_number.items()):
                    ledger.move_in(
                        conn,
                        self.db,
                        self.actor,
                        ledger.Step(Action.RECEIVE, self.store, line.sku, serials),
                        DocumentRef(DOCUMENT_TYPE, self.asn, str(number)),
                    )
                if not line.serialized and line.counted > 0:
                    ledger.move_in(
                        conn,
                        self.db,
                        self.actor,
                        ledger.Step(Action.RECEIVE, self.store, line.sku, quantity=line.counted),
                        DocumentRef(DOCUMENT_TYPE, self.asn, str(where.numbers[0])),
                    )
                listed: dict[int, int] = {}
                for serial in line.scanned:
                    on = where.serial_line.get(serial)
                    if on is not None:
                        listed[on] = listed.get(on, 0) + 1
                for number, got in where.split(line.received, listed).items():
                    if got:
                        conn.execute(
                            sa.update(asn_line_t)
                            .where(_l.asn_id == self._row_id, _l.number == number)
                            .values(received=got)
                        )
                event_lines.append(EventLine(line.sku, line.received, tuple(line.scanned)))
            event_files.owe(
                conn,
                event_type=EventType.ASN_RECEIPT.value,
                document_id=self.asn,
                store=self.store,
                user=self.actor.user,
                lines=event_lines,
                completed_at=now,
            )
            outcome.append((found, sum(ln.received for ln in lines)))

        self.db.write(work)
        found, received = outcome[-1]
        if self.outbox is None:
            report = event_files.WriteReport((), ("no outbox folder is configured",))
        else:
            report = event_files.write_owed(self.db, self.outbox)
        return CompletionResult(self.asn, received, tuple(found), report)


def _saved_scans(conn: Connection, row_id: int) -> list[tuple[str, str | None, int]]:
    return [
        (sku, serial, int(qty))
        for sku, serial, qty in conn.execute(
            sa.select(_s.sku, _s.serial, _s.quantity).where(_s.asn_id == row_id).order_by(_s.id)
        )
    ]


def _apply_saved(checklist: Checklist, scans: list[tuple[str, str | None, int]]) -> None:
    """Put the saved scans on the checklist, replacing what it held: serials in the order
    scanned, counts summed. A saved scan that no longer fits its line (the store's serialized
    inventory setting changed since) is left out."""
    for each in checklist.lines.values():
        each.clear()
    for sku, serial, qty in scans:
        line = checklist.lines.get(sku)
        if line is None:
            continue
        if serial is not None and line.serialized and not line.has(serial):
            line.add(serial)
        elif serial is None and not line.serialized:
            line.counted = max(0, line.counted + qty)


def _require_open(conn: Connection, row_id: int, asn: str) -> None:
    """Refuse a scan on a received ASN. The share lock (PostgreSQL) makes a completion on
    another terminal wait for this scan's commit, so it is received, never lost."""
    status = conn.execute(
        sa.select(_a.status).where(_a.id == row_id).with_for_update(read=True)
    ).scalar_one()
    if status != "open":
        raise Conflict(f"ASN {asn} was already received: nothing more can be scanned on it")


def open_asn(
    db: Database,
    actor: Actor,
    asn: str,
    store: str,
    outbox: Path,
    *,
    saved_scans: bool = True,
    persist: bool = True,
) -> AsnReceiving:
    """Start (or resume) receiving ``asn`` at ``store``: the checklist from its lines and the
    serials it lists, with every scan saved so far. A store that does not track serials
    counts every line as a quantity (no serials asked)."""
    actor.require(Permission.RECEIVE)

    def work(conn: Connection) -> AsnReceiving:
        head = _header(conn, asn)
        store_id = repo.store_id(db, conn, store)
        if head.store_id != store_id:
            where = repo.store_codes(conn).get(head.store_id, "?")
            raise UnknownStore(f"ASN {asn} is for store {where}, not {store}")
        if head.status != "open":
            raise Conflict(
                f"ASN {asn} was already received on {head.received_at:%Y-%m-%d} by "
                f"{head.received_by}"
            )
        tracked = settings_in(db, conn, store).serialized_inventory
        rows = conn.execute(
            sa.select(_l.number, _l.sku, _l.quantity, _l.listed, _p.name, _p.serial_mode)
            .join(repo.product_t, _p.id == _l.product_id)
            .where(_l.asn_id == head.id)
            .order_by(_l.number)
        ).all()
        listed: dict[str, set[str]] = {}
        serial_line: dict[str, dict[str, int]] = {}
        if tracked and any(r.listed for r in rows):
            query = (
                sa.select(_p.sku, _e.serial, _e.document_line)
                .join(repo.product_t, _p.id == _e.product_id)
                .where(
                    _e.document_type == DOCUMENT_TYPE,
                    _e.document_id == asn,
                    _e.action == Action.EXPECT.value,
                )
            )
            for sku, serial, number in conn.execute(query):
                listed.setdefault(sku, set()).add(serial)
                serial_line.setdefault(sku, {})[serial] = int(number)
        order: dict[str, ChecklistLine] = {}
        lines: dict[str, _Line] = {}
        all_listed: dict[str, bool] = {}
        for r in rows:
            serialized = tracked and SerialMode(r.serial_mode).tracked
            line = order.get(r.sku)
            if line is None:
                line = order[r.sku] = ChecklistLine(r.sku, r.name, 0, serialized)
                lines[r.sku] = _Line([], serial_line.get(r.sku, {}))
            line.expected += r.quantity
            lines[r.sku].numbers.append(int(r.number))
            lines[r.sku].quantities[int(r.number)] = int(r.quantity)
            all_listed[r.sku] = all_listed.get(r.sku, True) and r.listed == r.quantity
        for sku, line in order.items():
            if line.serialized and all_listed[sku]:
                line.expected_serials = frozenset(listed.get(sku, ()))
        checklist = Checklist(order.values(), document=asn, kind="ASN")
        if saved_scans:
            _apply_saved(checklist, _saved_scans(conn, int(head.id)))
        return AsnReceiving(
            db,
            actor,
            asn=head.asn,
            vendor=head.vendor,
            store=store,
            row_id=int(head.id),
            checklist=checklist,
            lines=lines,
            outbox=outbox,
            persist=persist,
        )

    return db.read(work)


# -- one call from a host system ---------------------------------------------------------------
@dataclass(frozen=True)
class ScanIn:
    """One scan as a host system sends it: a serial of a product, or (no serial) one unit of
    a product counted without serials."""

    sku: str
    serial: str | None = None


def receive_scans(
    db: Database,
    actor: Actor,
    asn: str,
    store: str,
    scans: list[ScanIn],
    *,
    complete: bool,
    outbox: Path | None,
) -> dict[str, Any]:
    """Receive an ASN in one call (``serialpos apply`` op ``asn_receive``): every scan checked
    as the console checks it, then completed, or refused with nothing changed.

    Refused (:class:`RefusedWithDetails`, still carrying the per-product lists and every
    refused scan) when any scan is refused (``not_on_asn``, ``duplicate_serial``,
    ``bad_serial_format``...; the code is the first refused scan's), or when the scans do not
    match the ASN and ``complete`` is not true (``unscanned_units`` while serialized units
    are unscanned, else ``discrepancies``). A matching ASN completes without ``complete``.
    Scans saved by a console session on the same ASN are not used: the host's list is the
    receipt.
    """
    session = open_asn(db, actor, asn, store, outbox or Path("."), saved_scans=False, persist=False)
    unexpected: dict[str, set[str]] = {}
    duplicates: dict[str, set[str]] = {}
    problems: list[dict[str, Any]] = []
    for n, scan in enumerate(scans, start=1):
        try:
            if scan.serial is None:
                session.count(scan.sku, 1)
            elif session.scan(scan.sku, scan.serial).verdict is Verdict.DUPLICATE:
                duplicates.setdefault(scan.sku, set()).add(scan.serial.strip())
        except DomainError as exc:
            problems.append(
                {
                    "scan": n,
                    "sku": scan.sku,
                    "serial": scan.serial,
                    "error": exc.code,
                    "message": exc.message,
                }
            )
            if scan.serial is not None and (
                isinstance(exc, NotOnDocument) or _not_listed(session, scan.sku, scan.serial)
            ):
                unexpected.setdefault(scan.sku, set()).add(scan.serial.strip())
    skus = _per_sku(session, unexpected, duplicates)
    details: dict[str, Any] = {"asn": session.asn, "store": store, "skus": skus}
    if problems:
        first = problems[0]
        raise RefusedWithDetails(
            f"{len(problems)} scan{'s' if len(problems) != 1 else ''} refused, nothing "
            f"received; the first (scan {first['scan']}): {first['message']}",
            code=str(first["error"]),
            details=details | {"problems": problems},
        )
    checklist = session.checklist
    if not checklist.complete and not complete:
        left = checklist.unscanned_serialized()
        found = checklist.discrepancies()
        words = "; ".join(d.words for d in found[:5])
        if left:
            raise RefusedWithDetails(
                f"{left} serialized unit{'s' if left != 1 else ''} not scanned ({words}); "
                'send "complete": true to complete with these differences',
                code="unscanned_units",
                details=details,
            )
        raise RefusedWithDetails(
            f'the scans do not match: {words}; send "complete": true to '
            "complete with these differences",
            code="discrepancies",
            details=details,
        )
    session.outbox = outbox  # None: the terminal config is unusable; the file stays owed
    done = session.complete(accept_discrepancies=True)
    return details | {
        "status": "received",
        "received": done.received,
        "discrepancies": [
            {
                "sku": d.sku,
                "expected": d.expected,
                "received": d.received,
                "missing": list(d.missing),
            }
            for d in done.discrepancies
        ],
        "event_file": {
            "written": [str(p) for p in done.files.written],
            "owed": bool(done.files.failed),
            "message": done.files.message,
        },
    }


def _not_listed(session: AsnReceiving, sku: str, serial: str) -> bool:
    line = session.checklist.lines.get(sku)
    if line is None:
        return True
    return line.expected_serials is not None and serial.strip() not in line.expected_serials


def _per_sku(
    session: AsnReceiving, unexpected: dict[str, set[str]], duplicates: dict[str, set[str]]
) -> list[dict[str, Any]]:
    out = []
    lines = session.checklist.lines
    for sku in list(lines) + sorted(set(unexpected) - set(lines)):
        line = lines.get(sku)
        out.append(
            {
                "sku": sku,
                "expected": line.expected if line else 0,
                "received": line.received if line else 0,
                "expected_serials": sorted(line.expected_serials or ()) if line else [],
                "received_serials": list(line.scanned) if line else [],
                "missing": line.missing_serials() if line else [],
                "unexpected": sorted(unexpected.get(sku, ())),
                "duplicates": sorted(duplicates.get(sku, ())),
            }
        )
    return out
