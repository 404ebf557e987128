"""``serialpos db check``: prove the ledger invariants hold, or list every violation."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.services.settings import settings_in


@dataclass(frozen=True)
class Finding:
    """One thing the check found. ``violation`` False means a difference that is allowed but
    worth knowing (an optional-serial product whose known units and quantity differ)."""

    rule: str
    store: str
    sku: str
    detail: str
    violation: bool = True


p, u, st, ev, sl = (repo.product_t.c, repo.unit_t.c, repo.store_t.c, repo.event_t.c,
                    repo.stock_t.c)


def _quantities(conn: Connection) -> dict[tuple[int, int], int]:
    return {(pid, sid): q for pid, sid, q in conn.execute(sa.select(sl.product_id, sl.store_id,
                                                                       sl.quantity))}


def _in_stock_counts(conn: Connection) -> dict[tuple[int, int], int]:
    q = (sa.select(u.product_id, u.store_id, sa.func.count())
         .where(u.state == "in_stock").group_by(u.product_id, u.store_id))
    return {(pid, sid): n for pid, sid, n in conn.execute(q)}


def _event_sums(conn: Connection) -> dict[tuple[int, int], int]:
    q = sa.select(ev.product_id, ev.store_id, sa.func.sum(ev.quantity)).group_by(
        ev.product_id, ev.store_id
    )
    return {(pid, sid): int(n or 0) for pid, sid, n in conn.execute(q)}


def _last_event_mismatches(conn: Connection) -> list[tuple[str, str, str, str | None]]:
    """Units whose state is not the to-state of their latest event: a change without an event."""
    last = (sa.select(ev.unit_id, sa.func.max(ev.id).label("last_id"))
            .where(ev.unit_id.is_not(None)).group_by(ev.unit_id).subquery())
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
    return [(sku, code, f"{serial} is {state}", to) for sku, code, serial, state, to in
            conn.execute(q)]


def check_ledger(db: Database) -> list[Finding]:
    def work(conn: Connection) -> list[Finding]:
        findings: list[Finding] = []
        products = {pid: (sku, mode) for pid, sku, mode in
                    conn.execute(sa.select(p.id, p.sku, p.serial_mode))}
        stores = repo.store_codes(conn)
        tracked = {sid: settings_in(db, conn, code).serialized_inventory
                   for sid, code in stores.items()}
        quantities = _quantities(conn)
        counts = _in_stock_counts(conn)
        sums = _event_sums(conn)
        for key in sorted(set(quantities) | set(counts) | set(sums)):
            pid, sid = key
            sku, mode = products[pid]
            store = stores[sid]
            qty, units, total = quantities.get(key, 0), counts.get(key, 0), sums.get(key, 0)
            if qty != total:
                findings.append(Finding("quantity_matches_events", store, sku,
                                        f"quantity {qty} but its events add up to {total}"))
            if units and mode == "disabled":
                findings.append(Finding("units_only_for_serialized", store, sku,
                                        f"{units} in-stock units of a product without serials"))
            elif mode == "required" and tracked[sid] and qty != units:
                findings.append(Finding("quantity_matches_units", store, sku,
                                        f"quantity {qty} but {units} units in stock"))
            elif mode == "optional" and qty != units:
                findings.append(Finding("optional_units_differ", store, sku,
                                        f"quantity {qty}, {units} known units in stock",
                                        violation=False))
        for sku, store, detail, to_state in _last_event_mismatches(conn):
            why = "no event" if to_state is None else f"its last event says {to_state}"
            findings.append(Finding("state_matches_history", store, sku, f"{detail} but {why}"))
        return findings

    return db.read(work)
