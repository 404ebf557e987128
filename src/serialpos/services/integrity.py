"""``serialpos db check``: prove the ledger invariants hold, or list every violation."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import feed, repo
from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.db.tables import UNACCEPTED_BEFORE_0016
from serialpos.domain.orders import LineStatus, OrderStatus
from serialpos.domain.scan_resolution import LIVE as LIVE_STATES
from serialpos.domain.states import UnitState
from serialpos.services.asn.listed_check import listed_unsaid
from serialpos.services.not_taken_units import not_taken_in_stock
from serialpos.services.order_money_check import overpaid_orders
from serialpos.services.pulled_twice import pulled_twice
from serialpos.services.reserved_at_central import held_at_central
from serialpos.services.settings import settings_in
from serialpos.services.sold_serials import sold_serials
from serialpos.services.transfer_checks import transfer_findings
from serialpos.services.wrong_serials import wrong_serials


@dataclass(frozen=True)
class Finding:
    """One thing the check found. ``violation`` False means a difference that is allowed but
    worth knowing (an optional-serial product whose known units and quantity differ)."""

    rule: str
    store: str
    sku: str
    detail: str
    violation: bool = True


p, u, st, ev, sl = (repo.product_t.c, repo.unit_t.c, repo.store_t.c, repo.event_t.c, repo.stock_t.c)


def _quantities(conn: Connection) -> dict[tuple[int, int], int]:
    return {
        (pid, sid): q
        for pid, sid, q in conn.execute(sa.select(sl.product_id, sl.store_id, sl.quantity))
    }


def _in_stock_counts(conn: Connection) -> dict[tuple[int, int], int]:
    q = (
        sa.select(u.product_id, u.store_id, sa.func.count())
        .where(u.state == UnitState.IN_STOCK)
        .group_by(u.product_id, u.store_id)
    )
    return {(pid, sid): n for pid, sid, n in conn.execute(q)}


def _event_sums(conn: Connection) -> dict[tuple[int, int], int]:
    q = sa.select(ev.product_id, ev.store_id, sa.func.sum(ev.quantity)).group_by(
        ev.product_id, ev.store_id
    )
    return {(pid, sid): int(n or 0) for pid, sid, n in conn.execute(q)}


def _last_event_mismatches(conn: Connection) -> list[tuple[str, str, str, str | None]]:
    """Units whose state is not the to-state of their latest event: a change without an event."""
    last = (
        sa.select(ev.unit_id, sa.func.max(ev.id).label("last_id"))
        .where(ev.unit_id.is_not(None))
        .group_by(ev.unit_id)
        .subquery()
    )
    latest = repo.event_t.alias("latest")
    q = (
        sa.select(p.sku, st.code, u.serial, u.state, latest.c.to_state)
        .select_from(repo.unit_t)
        .join(repo.product_t, p.id == u.product_id)
        .join(repo.store_t, st.id == u.store_id)
        .outerjoin(last, last.c.unit_id == u.id)
        .outerjoin(latest, latest.c.id == last.c.last_id)
        .where(sa.or_(latest.c.to_state.is_(None), latest.c.to_state != u.state))
    )
    return [
        (sku, code, f"{serial} is {state}", to) for sku, code, serial, state, to in conn.execute(q)
    ]


def _chain_findings(conn: Connection) -> list[Finding]:
    """Tamper evidence: the first break of each ledger hash chain (ledger_chain_check.py)."""
    from serialpos.services.ledger_chain_check import RULE, chain_breaks, chain_place

    found = []
    for broken in chain_breaks(conn):
        store, terminal = chain_place(conn, broken.chain)
        where = f" (chain of terminal {terminal})" if terminal else ""
        found.append(Finding(RULE, store, "", broken.detail + where))
    return found


def _feed_findings(conn: Connection) -> list[Finding]:
    """The event feed numbers every event once, 1 to n without a gap (migration 0014's
    trigger, or db/bulk_events.py for a bulk insert): a follower relies on it."""
    events, numbered, top = feed.tally(conn)
    if events == numbered == top:
        return []
    return [
        Finding(
            "feed_numbers_every_event",
            "",
            "",
            f"{events} events, {numbered} numbered in the event feed, highest number {top}",
        )
    ]


def _journal_findings(conn: Connection) -> list[Finding]:
    """On a store terminal: journal entries changed after they were made
    (services/journal_seals.py). Central's journal is empty."""
    from serialpos.services.journal_seals import RULE, changed_entries

    return [Finding(RULE, "", "", changed.words()) for changed in changed_entries(conn)]


def check_ledger(db: Database) -> list[Finding]:
    def work(conn: Connection) -> list[Finding]:
        findings: list[Finding] = []
        products = {
            pid: (sku, mode)
            for pid, sku, mode in conn.execute(sa.select(p.id, p.sku, p.serial_mode))
        }
        stores = repo.store_codes(conn)
        tracked = {
            sid: settings_in(db, conn, code).serialized_inventory for sid, code in stores.items()
        }
        quantities = _quantities(conn)
        counts = _in_stock_counts(conn)
        sums = _event_sums(conn)
        for key in sorted(set(quantities) | set(counts) | set(sums)):
            pid, sid = key
            sku, mode = products[pid]
            store = stores[sid]
            qty, units, total = quantities.get(key, 0), counts.get(key, 0), sums.get(key, 0)
            if qty != total:
                findings.append(
                    Finding(
                        "quantity_matches_events",
                        store,
                        sku,
                        f"quantity {qty} but its events add up to {total}",
                    )
                )
            if mode == "required" and tracked[sid] and qty != units:
                findings.append(
                    Finding(
                        "quantity_matches_units",
                        store,
                        sku,
                        f"quantity {qty} but {units} units in stock",
                    )
                )
            elif mode == "optional" and qty != units:
                findings.append(_optional_differs(store, sku, qty, units, tracked[sid]))
            if mode == "disabled" and qty < 0:
                findings.append(_negative_on_hand(store, sku, qty))
        for sku, store, detail, to_state in _last_event_mismatches(conn):
            why = "no event" if to_state is None else f"its last event says {to_state}"
            findings.append(Finding("state_matches_history", store, sku, f"{detail} but {why}"))
        findings += _units_without_serials(conn, stores)
        findings += _serials_live_twice(conn, stores)
        findings += _voided_orders_with_money(conn, stores)
        findings += overpaid_orders(conn, stores, Finding)
        findings += _reservations(conn, stores)
        findings += pulled_twice(conn, stores, Finding)
        findings += wrong_serials(conn, stores, Finding)
        findings += sold_serials(conn, stores, Finding)
        findings += transfer_findings(conn, stores, Finding)
        findings += listed_unsaid(conn, stores, Finding)
        findings += not_taken_in_stock(conn, stores, Finding)
        findings.extend(_chain_findings(conn))
        findings.extend(_feed_findings(conn))
        findings.extend(_journal_findings(conn))
        return findings

    return db.read(work)


def _optional_differs(store: str, sku: str, qty: int, units: int, tracked: bool) -> Finding:
    """An optional-serial product's quantity and units in stock differ. More on hand than
    units is what optional means (pieces without a serial): a note. More units in stock than
    on hand, where the store tracks serials, is a violation: a move by quantity took labelled
    units' count (refused since, services/unlabelled.py), and selling those units by serial
    drives the quantity below zero while the shelf holds them."""
    if units > qty and tracked:
        return Finding(
            "optional_units_differ",
            store,
            sku,
            f"quantity {qty} but {units} units in stock by serial: count it",
        )
    return Finding(
        "optional_units_differ",
        store,
        sku,
        f"quantity {qty}, {units} known units in stock",
        violation=False,
    )


def _negative_on_hand(store: str, sku: str, qty: int) -> Finding:
    """A product without serials on hand below zero: selling below zero is allowed (the
    till must not stop a sale over a count), so it is a note, never a violation; but a
    figure like -999,963 is a typed quantity or a missed receipt someone should look at."""
    return Finding(
        "negative_on_hand",
        store,
        sku,
        f"on hand {qty:,}: sold below zero (allowed); count it and receive or adjust",
        violation=False,
    )


#: States in which a serial is live: in, or on its way into, a store's hands.
LIVE = tuple(sorted(LIVE_STATES))


def _units_without_serials(conn: Connection, stores: dict[int, str]) -> list[Finding]:
    """Live units of a product whose serials are disabled: they can no longer move by serial
    (switching serials off is refused while any are live)."""
    q = (
        sa.select(p.sku, u.store_id, u.state, sa.func.count())
        .join(repo.product_t, p.id == u.product_id)
        .where(p.serial_mode == "disabled", u.state.in_(LIVE))
        .group_by(p.sku, u.store_id, u.state)
        .order_by(p.sku, u.store_id, u.state)
    )
    found: dict[tuple[str, int], list[str]] = {}
    for sku, sid, state, n in conn.execute(q):
        found.setdefault((sku, sid), []).append(f"{n} {state.replace('_', ' ')}")
    return [
        Finding(
            "units_only_for_serialized",
            stores.get(sid, "?"),
            sku,
            f"units of a product without serials: {', '.join(states)}",
        )
        for (sku, sid), states in found.items()
    ]


def _serials_live_twice(conn: Connection, stores: dict[int, str]) -> list[Finding]:
    """One serial live under two products: the same physical label stands for two units.
    Units a manager accepted as sharing a maker's serial (``shared_by``, never an IMEI) are
    legal; those marked ``before 0016`` by the migration were never accepted and still count.
    """
    unaccepted = sa.case(
        (sa.or_(u.shared_by.is_(None), u.shared_by == UNACCEPTED_BEFORE_0016), 1), else_=0
    )
    twice = (
        sa.select(u.serial)
        .where(u.state.in_(LIVE))
        .group_by(u.serial)
        .having(sa.func.count(sa.distinct(u.product_id)) > 1, sa.func.sum(unaccepted) > 1)
        .subquery()
    )
    rows = conn.execute(
        sa.select(u.serial, p.sku, u.state, u.store_id)
        .join(repo.product_t, p.id == u.product_id)
        .where(u.serial.in_(sa.select(twice.c.serial)), u.state.in_(LIVE))
        .order_by(u.serial, p.sku)
    ).all()
    by_serial: dict[str, list[tuple[str, str, int]]] = {}
    for serial, sku, state, sid in rows:
        by_serial.setdefault(serial, []).append((sku, state, sid))
    out = []
    for serial, units in by_serial.items():
        where = " and ".join(
            f"{sku} ({state.replace('_', ' ')} at {stores.get(sid, '?')})"
            for sku, state, sid in units
        )
        out.append(
            Finding(
                "serial_live_twice",
                stores.get(units[0][2], "?"),
                units[0][0],
                f"serial {serial} is live under {len(units)} products: {where}",
            )
        )
    return out


def _voided_orders_with_money(conn: Connection, stores: dict[int, str]) -> list[Finding]:
    """A voided order must hold no money: a void refunds every tender."""
    o, pay = orepo.order_t.c, orepo.payment_t.c
    q = (
        sa.select(o.number, o.store_id, pay.method, sa.func.sum(pay.amount))
        .join(orepo.payment_t, pay.order_id == o.id)
        .where(o.status == OrderStatus.VOIDED)
        .group_by(o.number, o.store_id, pay.method)
        .order_by(o.number, pay.method)
    )
    held: dict[tuple[str, int], list[tuple[str, object]]] = {}
    for number, sid, method, amount in conn.execute(q):
        held.setdefault((number, sid), []).append((method, orepo.money(amount)))
    out = []
    for (number, sid), parts in held.items():
        total = sum((orepo.money(a) for _m, a in parts), orepo.money(0))
        left = [f"{m} {orepo.money(a):.2f}" for m, a in parts if orepo.money(a) != 0]
        if left:
            out.append(
                Finding(
                    "voided_order_holds_money",
                    stores.get(sid, "?"),
                    "",
                    f"order {number} is voided but holds {total:.2f} ({', '.join(left)})",
                )
            )
    return out


def _reservations(conn: Connection, stores: dict[int, str]) -> list[Finding]:
    """A reservation belongs to one open order line: a reserved unit is held by an open line
    of an open or parked order that lists its serial, and no other unit names a line."""
    o, ln = orepo.order_t.c, orepo.line_t.c
    q = (
        sa.select(
            u.id.label("unit_id"),
            u.serial,
            u.state,
            u.store_id,
            u.product_id,
            p.sku,
            u.reserved_line_id,
            ln.id.label("line_id"),
            ln.product_id.label("line_product"),
            ln.serial.label("line_serial"),
            ln.status.label("line_status"),
            ln.number.label("line_number"),
            o.number.label("order"),
            o.status.label("order_status"),
        )
        .join(repo.product_t, p.id == u.product_id)
        .outerjoin(orepo.line_t, ln.id == u.reserved_line_id)
        .outerjoin(orepo.order_t, o.id == ln.order_id)
        .where(sa.or_(u.state == UnitState.RESERVED, u.reserved_line_id.is_not(None)))
        .order_by(u.id)
    )
    out = []
    for r in conn.execute(q):
        store = stores.get(r.store_id, "?")
        if r.state != UnitState.RESERVED:
            out.append(
                Finding(
                    "reservation_on_closed_line",
                    store,
                    r.sku,
                    f"serial {r.serial} is {r.state.replace('_', ' ')} but still "
                    f"names order line {r.reserved_line_id} as holding it",
                )
            )
        elif r.line_id is None and (held := held_at_central(conn, r.unit_id)) is not None:
            out.append(
                Finding(
                    "reserved_at_central",
                    store,
                    r.sku,
                    f"serial {r.serial} is reserved at central by order {held[0]}"
                    + (f", reserved by {held[1]}" if held[1] else "")
                    + " (another till's or central's order): this terminal holds none of "
                    "its lines",
                    violation=False,
                )
            )
        elif r.line_id is None or r.line_product != r.product_id or r.line_serial != r.serial:
            out.append(
                Finding(
                    "reserved_without_open_line",
                    store,
                    r.sku,
                    f"serial {r.serial} is reserved but no open order line holds it",
                )
            )
        elif r.line_status != LineStatus.OPEN or r.order_status not in (
            OrderStatus.OPEN,
            OrderStatus.PARKED,
        ):
            closed = (
                f"that line is {r.line_status}"
                if r.line_status != LineStatus.OPEN
                else f"that order is {r.order_status}"
            )
            out.append(
                Finding(
                    "reservation_on_closed_line",
                    store,
                    r.sku,
                    f"serial {r.serial} is reserved to order {r.order} line "
                    f"{r.line_number}, but {closed}",
                )
            )
    return out
