"""Central's apply of a run of plain ``sell`` journal entries, set-based (issue 16, speed).

A terminal catching up after a day offline pushes thousands of sales, almost all of them
plain: one store, one product, the units named by serial, still in stock where the till
sold them. Applied one by one (services/entries.py ``apply_in``) each costs some 26 SQL
statements and a savepoint; here a run of them costs about 15 statements together: the
ids are looked up and claimed in one statement each, the units read and locked in one
(``FOR UPDATE`` on PostgreSQL), each entry's verdict decided in Python with the domain's
transition rule (``check_move``), and the accepted sales written with one statement per
table (orders, invoices, lines, payments, units, events, stock, outcomes).

Nothing a client or a manager sees changes: the same rows, numbers, hash chain and verdicts
as the one-by-one path. Only the common case is taken here: an entry this module cannot
accept outright (a unit sold or moved meanwhile, a reserved unit, a shift required, a
document or quantity named, an id reused...) ends the run, and the caller applies that
entry alone the usual way, which records its conflict or refusal exactly as before, then
comes back here for the entries after it.

A store terminal's sale carries the numbers it gave its order and invoice (``numbers``,
services/document_numbers.py): they are checked here as the one-by-one path checks them
(``check_given``), the whole run's looked up in one statement, and written as given; an
entry whose numbers are not its terminal's or are already taken goes the usual way, which
refuses it exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db import apply_outcomes, lease_sql, repo, sale_rows_sql
from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.db.one_of import any_param, one_of
from serialpos.db.prepared import Prepared
from serialpos.db.tables import utcnow
from serialpos.db.txcache import transaction_cache
from serialpos.domain.errors import DomainError
from serialpos.domain.orders import (
    PaymentMethod,
)
from serialpos.domain.products import SerialMode
from serialpos.domain.states import Action, UnitState, check_move
from serialpos.domain.users import Permission
from serialpos.services import document_numbers, entry_units, ledger, serial_precheck
from serialpos.services.apply.fields import Fields
from serialpos.services.apply.move_handlers import till_price
from serialpos.services.conflict_codes import is_conflict
from serialpos.services.entries import Entry, Result, _replay, record_conflict
from serialpos.services.entry_sale_rows import Place, Sell, write
from serialpos.services.orders.till_price import differs
from serialpos.services.orders.views import MAX_LINES
from serialpos.services.settings import chain_settings_in, setting_in_force
from serialpos.services.shifts import checked_at_terminal, shift_for_payment

#: The keys of a plain sale: anything else (a document, a quantity, a line, a key the
#: operation does not know and would warn about) goes the one-by-one way.
PLAIN_KEYS = frozenset(
    {
        "op",
        "id",
        "journal",
        "numbers",
        "store",
        "sku",
        "serial",
        "serials",
        "payment",
        "catalogue_price",
    }
)


def plain_sell(entry: Entry) -> Sell | None:
    """``entry`` as a plain sale this module may apply, or None (the one-by-one path)."""
    data = entry.data
    if data.get("op") != "sell" or not PLAIN_KEYS.issuperset(data):
        return None
    if entry.clock_warning is not None:  # its verdict says the till's clock: one by one
        return None
    fields = Fields(data)
    try:
        entry.actor.require(Permission.SELL)
        store, sku = fields.code("store"), fields.code("sku")
        serials = ledger._clean_serials(fields.serials())
        payment = fields.optional_text("payment", max_length=16)
        method = PaymentMethod.parse(payment).value if payment else PaymentMethod.OTHER.value
        price = till_price(fields)
        given = data.get("numbers")
        numbers = (
            document_numbers.check_given(given, entry.terminal, store) if given is not None else {}
        )
    except DomainError:
        return None
    if not serials or len(serials) > MAX_LINES:
        return None
    return Sell(entry, store, sku, serials, method, numbers, price)


#: The series a sale makes documents of, and the table whose numbers each must not reuse.
_SERIES = {"order": orepo.order_t, "invoice": orepo.invoice_t}


def _taken(conn: Connection, sells: Sequence[Sell]) -> set[tuple[str, str]]:
    """(series, number) of the numbers ``sells`` carry that a document already has, in one
    statement for the whole run (the one-by-one path asks once per document)."""
    asked = {
        series: sorted({s.numbers[series] for s in sells if series in s.numbers})
        for series in _SERIES
    }
    if not any(asked.values()):
        return set()
    if conn.dialect.name == "postgresql":
        params = {f"n_{series}": numbers for series, numbers in asked.items()}
        return {(str(r[0]), str(r[1])) for r in _TAKEN.rows(conn, params)}
    selects = [
        sa.select(sa.literal(series).label("series"), table.c.number).where(
            one_of(conn, table.c.number, asked[series])
        )
        for series, table in _SERIES.items()
        if asked[series]
    ]
    if not selects:
        return set()
    return {(str(r[0]), str(r[1])) for r in conn.execute(sa.union_all(*selects))}


#: :func:`_taken` on PostgreSQL, built once and run prepared: both series' numbers as arrays
#: (an empty one matches nothing), so every run sends the same statement.
_TAKEN = Prepared(
    sa.union_all(
        *(
            sa.select(sa.literal(series).label("series"), table.c.number).where(
                any_param(table.c.number, f"n_{series}")
            )
            for series, table in _SERIES.items()
        )
    )
)


class _Context:
    """The reads a run shares: places, shifts and the chain's settings, each read once."""

    def __init__(self, conn: Connection, db: Database) -> None:
        self.conn, self.db = conn, db
        self.places: dict[tuple[str, str], Place | None] = {}
        self.shifts: dict[tuple[int, str], int | DomainError | None] = {}
        self._prices_include_tax: bool | None = None

    def place(self, store: str, sku: str) -> Place | None:
        key = (store, sku)
        if key not in self.places:
            self.places[key] = self._read_place(store, sku)
        return self.places[key]

    def _read_place(self, store: str, sku: str) -> Place | None:
        conn = self.conn
        try:
            here = repo.store_id(self.db, conn, store)
        except DomainError:
            return None
        # The product as a sale reads it and the setting, in one round trip.
        found = sale_rows_sql.sale_place(conn, sku, here, "serialized_inventory")
        if found is None:
            return None
        product, chain_setting, store_setting = found
        if product.serial_mode is SerialMode.DISABLED:
            return None
        tracked = product.serial_mode.tracked and setting_in_force(
            "serialized_inventory", chain_setting, store_setting
        )
        if not tracked:
            return None  # serials only written on the events there: the usual way
        if product.prices_include_tax is not None:
            included = product.prices_include_tax
        else:
            if self._prices_include_tax is None:
                self._prices_include_tax = chain_settings_in(conn).prices_include_tax
            included = self._prices_include_tax
        return Place(here, product, included)

    def shift(self, store_id: int, terminal: str) -> int | DomainError | None:
        """The open shift payments at ``terminal`` go to (services/shifts.py: the terminal
        checked ``require_shift`` itself)."""
        key = (store_id, terminal)
        if key not in self.shifts:
            try:
                with checked_at_terminal():
                    self.shifts[key] = shift_for_payment(self.conn, store_id, terminal)
            except DomainError as exc:
                self.shifts[key] = exc
        return self.shifts[key]


def _context(conn: Connection, db: Database) -> _Context:
    """The transaction's shared reads, kept across its runs: a conflict or any entry applied
    alone ends a run, and the run after it would read every place and shift again. Nothing
    an entry applied in between may change what they hold (no operation edits products,
    stores, settings or shifts); the units are locked and read anew by each run."""
    kept: dict[str, _Context] = transaction_cache(conn, _CONTEXT)
    ctx = kept.get("ctx")
    if ctx is None:
        ctx = kept["ctx"] = _Context(conn, db)
    for place in ctx.places.values():
        if place is not None:
            place.units = {}
    return ctx


_CONTEXT = "serialpos_sells_context"


def _format_ok(product: orepo.SaleProduct, serials: list[str]) -> bool:
    if not product.serial_format:
        return True
    fmt = serial_precheck.stored_format(product.serial_format)
    try:
        for serial in serials:
            fmt.check(serial, product.sku)
    except DomainError:
        return False
    return True


_UNIT_COLUMNS = (
    repo.unit_t.c.id,
    repo.unit_t.c.serial,
    repo.unit_t.c.state,
    repo.unit_t.c.store_id,
    repo.unit_t.c.version,
    repo.unit_t.c.reserved_line_id,
)


def _lock_units(conn: Connection, product_id: int, serials: list[str]) -> dict[str, repo.UnitRow]:
    """The product's units with these serials, locked until commit (PostgreSQL; SQLite's
    writer holds the database), in id order so two runs never wait on each other in a ring."""
    rows: Sequence[Any]
    if conn.dialect.name == "postgresql":
        rows = _LOCK_UNITS.rows(conn, {"product_id": product_id, "serials": serials})
    else:
        where = _lock_units_where(one_of(conn, repo.unit_t.c.serial, serials))
        rows = conn.execute(where, {"product_id": product_id}).all()
    return {
        r.serial: repo.UnitRow(r.id, r.state, r.store_id, r.version, r.reserved_line_id)
        for r in rows
    }


def _lock_units_where(serial_is: sa.ColumnElement[bool]) -> sa.Select[Any]:
    return (
        sa.select(*_UNIT_COLUMNS)
        .where(repo.unit_t.c.product_id == sa.bindparam("product_id"), serial_is)
        .order_by(repo.unit_t.c.id)
        .with_for_update()
    )


#: :func:`_lock_units` on PostgreSQL, built once and run prepared.
_LOCK_UNITS = Prepared(_lock_units_where(any_param(repo.unit_t.c.serial, "serials")))


def _sellable(unit: repo.UnitRow | None, serial: str, place: Place, store: str) -> bool:
    """Whether the one-by-one path would sell this unit here without a word: in stock at
    this store, held by no order line. Anything else is its business (conflict, refusal)."""
    if unit is None or unit.reserved_line is not None or unit.store_id != place.store_id:
        return False
    if unit.state != UnitState.IN_STOCK.value:
        return False
    try:
        check_move(Action.SELL, serial, UnitState(unit.state), unit_store=store, here=store)
    except DomainError:
        return False
    return True


def _claim_statement(insert: Any) -> sa.Executable:
    claim: sa.Executable = (
        insert(apply_outcomes.outcome_t)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(apply_outcomes.outcome_t.c.id)
    )
    return claim


#: The claimed row's columns a run gives, one value per entry.
_CLAIM_KEYS = ("id", "body_sha256", "op", "user_name", "terminal")


def _claim_arrays() -> sa.Executable:
    """PostgreSQL's claim of a whole run: one array per column, the rows made by ``unnest``.
    Many rows in one VALUES (SQLAlchemy's "insertmanyvalues") made a new SQL text for each
    run's length, seven parameters a row: too long for psycopg's cache of parsed statements
    (parsed again with a regular expression every time: a tenth of a push's CPU at central)
    and never prepared. This text is the same for every run. The arrays' text type has no
    length, so a value too long for its column is refused, never cut."""
    outcome_t = apply_outcomes.outcome_t
    given = (
        sa.func.unnest(*(sa.bindparam(k, type_=postgresql.ARRAY(sa.String())) for k in _CLAIM_KEYS))
        .table_valued(*_CLAIM_KEYS)
        .render_derived(name="given")
    )
    rows = sa.select(
        *(given.c[k] for k in _CLAIM_KEYS),
        sa.bindparam("applied_at", type_=outcome_t.c.applied_at.type),
        sa.literal("", sa.Text()),
    )
    claim: sa.Executable = (
        postgresql.insert(outcome_t)
        .from_select([*_CLAIM_KEYS, "applied_at", "outcome"], rows)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(outcome_t.c.id)
    )
    return claim


#: Built once: on PostgreSQL one row per array element; on SQLite many rows in one
#: statement (SQLAlchemy's "insertmanyvalues"); the ids that were free returned.
_CLAIM = {
    "postgresql": _claim_arrays(),
    "sqlite": _claim_statement(sqlite.insert),
}


#: The claim on PostgreSQL, run prepared (its text is the same for every run).
_CLAIM_PG = Prepared(_CLAIM["postgresql"])


def _claim_all(conn: Connection, sells: Sequence[Sell]) -> set[str]:
    """Claim the ids of ``sells`` in one statement (as apply_outcomes.claim does one):
    the ids claimed; an id missing landed meanwhile through another request."""
    if not sells:
        return set()
    now = utcnow()
    rows = [
        {
            "id": s.entry.key,
            "body_sha256": s.entry.body_sha256,
            "op": s.entry.op,
            "user_name": s.entry.actor.user,
            "terminal": s.entry.actor.terminal,
        }
        for s in sells
    ]
    if conn.dialect.name == "postgresql":
        columns: dict[str, Any] = {k: [row[k] for row in rows] for k in _CLAIM_KEYS}
        return {str(r[0]) for r in _CLAIM_PG.rows(conn, {**columns, "applied_at": now})}
    else:
        claimed = conn.execute(
            _CLAIM["sqlite"], [row | {"applied_at": now, "outcome": ""} for row in rows]
        )
    return {str(r[0]) for r in claimed}


def _unclaim(conn: Connection, keys: list[str]) -> None:
    if not keys:
        return
    if conn.dialect.name == "postgresql":
        _UNCLAIM.run(conn, {"keys": keys})
        return
    outcome_c = apply_outcomes.outcome_t.c
    conn.execute(sa.delete(apply_outcomes.outcome_t).where(one_of(conn, outcome_c.id, keys)))


#: :func:`_unclaim` on PostgreSQL, built once and run prepared.
_UNCLAIM = Prepared(
    sa.delete(apply_outcomes.outcome_t).where(any_param(apply_outcomes.outcome_t.c.id, "keys"))
)


def apply_sells(conn: Connection, db: Database, run: Sequence[Entry]) -> list[Result]:
    """The verdicts of the longest start of ``run`` made of plain sales this module can
    settle (replayed, or accepted), applied inside ``conn``'s open transaction; an empty
    list when the first entry needs the one-by-one path."""
    sells: list[Sell] = []
    for entry in run:
        sell = plain_sell(entry)
        if sell is None:
            break
        sells.append(sell)
    if not sells:
        return []
    stored = {o.id: o for o in apply_outcomes.find(conn, [s.entry.key for s in sells])}
    ctx = _context(conn, db)
    taken = _taken(conn, [s for s in sells if s.entry.key not in stored])
    # 1. Cut at the first entry the checks that need no lock already send the usual way.
    kept: list[Sell] = []
    for sell in sells:
        found = stored.get(sell.entry.key)
        if found is not None:
            if found.body_sha256 != sell.entry.body_sha256:
                break  # an id reused: refused the usual way
        else:
            place = ctx.place(sell.store, sell.sku)
            if place is None or not _format_ok(place.product, sell.serials):
                break
            if differs(sell.catalogue_price, place.product.price):
                break  # priced as the till did, central's price kept beside: the usual way
            if isinstance(ctx.shift(place.store_id, sell.entry.actor.terminal), DomainError):
                break
            given = {(k, v) for k, v in sell.numbers.items() if k in _SERIES}
            if given & taken:
                break  # refused as number_taken the usual way (the one before it took it)
            taken |= given
        kept.append(sell)
    # 2. Claim the new ids, then lock their units (the one-by-one order: claim, then lock).
    fresh = [s for s in kept if s.entry.key not in stored]
    claimed = _claim_all(conn, fresh)
    wanted: dict[int, list[str]] = {}
    for sell in fresh:
        if sell.entry.key in claimed:
            place = ctx.place(sell.store, sell.sku)
            assert place is not None
            wanted.setdefault(place.product.id, []).extend(sell.serials)
    leased: set[int] = set()
    for product_id, serials in wanted.items():
        locked = _lock_units(conn, product_id, sorted(set(serials)))
        # A leased unit (services/lease_guard.py) goes the one-by-one way: the ledger checks
        # the holder there, and ends the lease when the holder sells it.
        leased |= set(lease_sql.holders(conn, [u.id for u in locked.values()]))
        for place in ctx.places.values():
            if place is not None and place.product.id == product_id:
                place.units = locked
    # 3. Decide each entry in order, as the units stand after the ones before it.
    verdicts: list[Result] = []
    accepted: list[Sell] = []
    sold: set[tuple[int, str]] = set()
    conflict: tuple[Sell, Result] | None = None
    for sell in kept:
        found = stored.get(sell.entry.key)
        if found is not None:
            verdicts.append(_replay(found, sell.entry.body_sha256, sell.entry.key))
            continue
        if sell.entry.key not in claimed:
            break  # it landed meanwhile through another request: replayed the usual way
        place = ctx.place(sell.store, sell.sku)
        assert place is not None
        pid = place.product.id
        if any(
            (pid, s) in sold
            or not _sellable(place.units.get(s), s, place, sell.store)
            or place.units[s].id in leased
            for s in sell.serials
        ):
            refusal = _moved_before(sell, place, sold)
            if refusal is not None:
                conflict = (sell, refusal)
            break
        sold.update((pid, s) for s in sell.serials)
        accepted.append(sell)
        verdicts.append({})  # filled in once written
    keep = {s.entry.key for s in (*accepted, *(conflict[:1] if conflict else ()))}
    _unclaim(
        conn, [s.entry.key for s in fresh if s.entry.key in claimed and s.entry.key not in keep]
    )
    places = [cast(Place, ctx.place(s.store, s.sku)) for s in accepted]
    shifts = [
        cast(int | None, ctx.shift(p.store_id, s.entry.actor.terminal))
        for s, p in zip(accepted, places, strict=True)
    ]
    written = iter(write(conn, accepted, places, shifts))
    settled = [v if v else next(written) for v in verdicts]
    if conflict is not None:  # after the sales before it, as the one-by-one path records it
        settled.append(_conflict(conn, db, *conflict))
    return settled


def _moved_before(sell: Sell, place: Place, sold: set[tuple[int, str]]) -> Result | None:
    """The refusal the one-by-one path gives ``sell`` when it is a conflict this run can
    record itself, or None (the entry goes the usual way). That path opens the order, then
    moves the units in the order named: when the first unit was moved by an earlier
    transaction (sold at another till meanwhile) and is at this store, it is refused by the
    domain's transition rule (``check_move``) before anything of the sale but its order was
    written, with exactly this refusal. A unit sold earlier in this run, at another store,
    unknown, or one it would move first, is left to that path."""
    serial = sell.serials[0]
    unit = place.units.get(serial)
    if unit is None or unit.store_id != place.store_id or (place.product.id, serial) in sold:
        return None
    try:
        check_move(
            Action.SELL, serial, UnitState(unit.state), unit_store=sell.store, here=sell.store
        )
    except DomainError as exc:
        refusal: Result = {"ok": False, "error": exc.code, "message": exc.message}
        return refusal if is_conflict(sell.entry.data, refusal) else None
    return None


def _conflict(conn: Connection, db: Database, sell: Sell, refusal: Result) -> Result:
    """Record ``sell`` (its id claimed by this run) as a conflict, as services/entries.py
    ``apply_in`` does after its attempt: without that attempt's two savepoints, second claim
    and sale path. The attempt took an order id from PostgreSQL's sequence before its unit
    refused it (a rollback gives none back): one is taken here too, so every id after it is
    what the one-by-one path gives (SQLite gives a rolled-back id again)."""
    if conn.dialect.name == "postgresql":
        _ORDER_ID_TAKEN.scalar(conn, {})
    outcome = record_conflict(conn, db, sell.entry, refusal)
    return entry_units.add_units_in(conn, sell.entry.data, {"ok": False, **outcome})


#: The next order id taken and left unused (:func:`_conflict`), run prepared.
_ORDER_ID_TAKEN = Prepared(
    sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence(orepo.order_t.name, "id")))
)
