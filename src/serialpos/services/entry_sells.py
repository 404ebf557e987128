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
comes back here for the entries after it. The common conflict (the unit sold meanwhile at
another till of the store) is recorded here, and the run goes on past it.

A store terminal's sale carries the numbers it gave its order and invoice (``numbers``,
services/document_numbers.py): they are checked here as the one-by-one path checks them
(``check_given``), the whole run's looked up in one statement, and written as given; an
entry whose numbers are not its terminal's or are already taken goes the usual way, which
refuses it exactly as before.

The run's statements (numbers taken, ids claimed, units locked) are in
services/sell_run_statements.py, the reads it shares in services/sell_run_context.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy.engine import Connection

from serialpos.db import apply_outcomes, lease_sql, repo
from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.orders import (
    PaymentMethod,
)
from serialpos.domain.states import Action, UnitState, check_move
from serialpos.domain.users import Permission
from serialpos.services import document_numbers, entry_units, ledger, serial_precheck
from serialpos.services import sell_run_statements as statements
from serialpos.services.apply.fields import Fields
from serialpos.services.apply.move_handlers import till_price
from serialpos.services.conflict_codes import is_conflict
from serialpos.services.conflict_recording import record_conflict
from serialpos.services.entries import Result, _replay
from serialpos.services.entry_checks import Entry
from serialpos.services.entry_sale_rows import Place, Sell, write
from serialpos.services.orders.till_price import differs
from serialpos.services.orders.views import MAX_LINES
from serialpos.services.sell_run_context import run_context

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
    ctx = run_context(conn, db)
    taken = statements.taken(conn, [s for s in sells if s.entry.key not in stored])
    # 1. Cut at the first entry the checks that need no lock already send the usual way.
    kept: list[Sell] = []
    seen: set[str] = set()
    for sell in sells:
        if sell.entry.key in seen:
            break  # an id twice in one push: the usual way replays it or says id_reused
        seen.add(sell.entry.key)
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
            given = {(k, v) for k, v in sell.numbers.items() if k in statements.SERIES}
            if given & taken:
                break  # refused as number_taken the usual way (the one before it took it)
            taken |= given
        kept.append(sell)
    # 2. Claim the new ids, then lock their units (the one-by-one order: claim, then lock).
    fresh = [s for s in kept if s.entry.key not in stored]
    claimed = statements.claim_all(conn, fresh)
    wanted: dict[int, list[str]] = {}
    for sell in fresh:
        if sell.entry.key in claimed:
            place = ctx.place(sell.store, sell.sku)
            assert place is not None
            wanted.setdefault(place.product.id, []).extend(sell.serials)
    leased: set[int] = set()
    for product_id, serials in wanted.items():
        locked = statements.lock_units(conn, product_id, sorted(set(serials)))
        # A leased unit (services/lease_guard.py) goes the one-by-one way: the ledger checks
        # the holder there, and ends the lease when the holder sells it.
        leased |= set(lease_sql.holders(conn, [u.id for u in locked.values()]))
        for place in ctx.places.values():
            if place is not None and place.product.id == product_id:
                place.units = locked
    # 3. Decide each entry in order, as the units stand after the ones before it. A conflict
    # the run records itself does not end it: the sales before it are written, then the
    # conflict recorded, then the run goes on with the units still locked and the ids still
    # claimed (ending it there gave the rest back and claimed, locked and read them again).
    decided: list[Result | Sell] = []  # a replay's verdict, or a sale to write or record
    segments: list[tuple[list[Sell], tuple[Sell, Result] | None]] = []
    accepted: list[Sell] = []
    recorded: set[str] = set()  # this run's conflicts' ids: their id again is not new
    sold: set[tuple[int, str]] = set()
    for sell in kept:
        found = stored.get(sell.entry.key)
        if found is not None:
            decided.append(_replay(found, sell.entry.body_sha256, sell.entry.key))
            continue
        if sell.entry.key not in claimed or sell.entry.key in recorded:
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
            if refusal is None:
                break
            segments.append((accepted, (sell, refusal)))
            accepted = []
            recorded.add(sell.entry.key)
            decided.append(sell)
            continue
        sold.update((pid, s) for s in sell.serials)
        accepted.append(sell)
        decided.append(sell)
    segments.append((accepted, None))
    keep = {s.entry.key for done, _c in segments for s in done} | recorded
    statements.unclaim(
        conn, [s.entry.key for s in fresh if s.entry.key in claimed and s.entry.key not in keep]
    )
    # Written in the order decided: each segment's sales, then the conflict after them (as
    # the one-by-one path records it, after the sales before it).
    answers: dict[int, Result] = {}  # by the sale (an id may come twice in a run)
    for done, conflict in segments:
        places = [cast(Place, ctx.place(s.store, s.sku)) for s in done]
        shifts = [
            cast(int | None, ctx.shift(p.store_id, s.entry.actor.terminal))
            for s, p in zip(done, places, strict=True)
        ]
        for sell, verdict in zip(done, write(conn, done, places, shifts), strict=True):
            answers[id(sell)] = verdict
        if conflict is not None:
            sell, refusal = conflict
            place = cast(Place, ctx.place(sell.store, sell.sku))
            answers[id(sell)] = _conflict(conn, db, sell, refusal, place)
    return [v if isinstance(v, dict) else answers[id(v)] for v in decided]


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


def _conflict(conn: Connection, db: Database, sell: Sell, refusal: Result, place: Place) -> Result:
    """Record ``sell`` (its id claimed by this run) as a conflict, as services/entries.py
    ``apply_in`` does after its attempt: without that attempt's two savepoints, second claim
    and sale path. The attempt took an order id from PostgreSQL's sequence before its unit
    refused it (a rollback gives none back): one is taken here too, so every id after it is
    what the one-by-one path gives (SQLite gives a rolled-back id again)."""
    if conn.dialect.name == "postgresql":
        statements.ORDER_ID_TAKEN.scalar(conn, {})
    known = (place.store_id, place.product.id)  # its store and product: not read again
    outcome = record_conflict(conn, db, sell.entry, refusal, known=known)
    return entry_units.add_units_in(conn, sell.entry.data, {"ok": False, **outcome})
