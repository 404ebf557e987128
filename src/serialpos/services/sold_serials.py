"""A serial sold at a store that does not track stock by serial (``serialized_inventory`` off).

DESIGN: at such a store "serials are still captured at sale where products require them, but
stock is not checked by serial". Not checking its *stock* by serial does not make the serial
meaningless: the sale still names one physical unit, and the ledger's invariant holds across the
chain, "a unit cannot be sold twice". Before, such a sale never looked at the serial at all, so
one IMEI could be invoiced again and again at that store, or sold there while its unit stood in
stock at another store (the customer then holds a unit the other store still shows on its
shelf). Both were accepted with a warning and ``db check`` saw nothing.

The rule chosen here refuses, naming the unit's store and state, rather than recording a
conflict: a refusal changes nothing and the cashier can act on it at once (return the earlier
sale, transfer the unit, scan the right label); DESIGN only says such a store's stock is not
checked, never that its sales may not be refused. What is refused (:func:`refuse_sold`):

- the product's unit with that serial is gone (sold, returned to the vendor, written off);
- its unit is live (in stock, reserved, in transit, expected) at another store;
- the serial is on a live sale of that product already: a fulfilled order line, not returned
  on its order and with no customer return of that serial recorded since its invoice (a
  ``return``/``return_damaged`` event; a sold unit leaves ``sold`` only by those).

The rules of ``db check`` for the data recorded before (:func:`sold_serials`), in the shape of
services/wrong_serials.py: ``serial_sold_twice`` (one serial on two live sales, no return
between them) and ``serial_sold_while_live`` (a serial on a live sale whose unit is live at
another store; at the selling store itself it is that store not tracking by serial).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo, settings_sql, unit_sql
from serialpos.domain.errors import AlreadySold, InvalidTransition, NotInStock
from serialpos.domain.orders import LineStatus
from serialpos.domain.scan_resolution import LIVE
from serialpos.domain.settings import StoreSettings
from serialpos.domain.states import Action, UnitState

line, inv, order = orepo.line_t.c, orepo.invoice_t.c, orepo.order_t.c
ev, u, p = repo.event_t.c, repo.unit_t.c, repo.product_t.c
#: The only moves that take a sold unit back from its customer (domain/states.MOVES).
_BACK = (Action.RETURN.value, Action.RETURN_DAMAGED.value)


def _sales(
    conn: Connection, where: sa.ColumnElement[bool]
) -> list[tuple[int, str, str, datetime, int]]:
    """Fulfilled (not returned) order lines: product, serial, invoice number, issued at, store."""
    query = (
        sa.select(line.product_id, line.serial, inv.number, inv.issued_at, order.store_id)
        .select_from(
            orepo.line_t.join(orepo.invoice_t, inv.id == line.invoice_id).join(
                orepo.order_t, order.id == line.order_id
            )
        )
        .where(line.status == LineStatus.FULFILLED.value, line.serial.is_not(None), where)
        .order_by(line.product_id, line.serial, inv.issued_at, inv.id)
    )
    return [(pid, serial, number, at, sid) for pid, serial, number, at, sid in conn.execute(query)]


def _returns(
    conn: Connection, pairs: set[tuple[int, str]]
) -> dict[tuple[int, str], list[datetime]]:
    """When each (product, serial) was brought back by its customer."""
    found: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    serials = sorted({s for _pid, s in pairs})
    for start in range(0, len(serials), 900):
        query = sa.select(ev.product_id, ev.serial, ev.at).where(
            ev.serial.in_(serials[start : start + 900]), ev.action.in_(_BACK)
        )
        for pid, serial, at in conn.execute(query):
            if (pid, serial) in pairs:
                found[(pid, serial)].append(at)
    return found


def refuse_sold(
    conn: Connection, product_id: int, sku: str, serial: str, here: int, store: str
) -> None:
    """Refuse selling ``serial`` of the product at ``here`` (code ``store``), a store that does
    not track stock by serial, when its unit is gone or at another store, or the serial is
    on a live sale already (see the module docstring)."""
    unit = unit_sql.unit_by_serial(conn, product_id, serial)
    if unit is not None:
        state = UnitState(unit.state)
        where = repo.store_codes(conn).get(unit.store_id, "?") if unit.store_id != here else store
        if state is UnitState.SOLD:
            raise AlreadySold(
                f"{sku} {serial} is sold (at {where}): it cannot be sold again until it is returned"
            )
        if state not in LIVE:
            raise InvalidTransition(f"{sku} {serial} is {state.label} (at {where}): not for sale")
        if unit.store_id != here:
            raise NotInStock(
                f"{sku} {serial} is {state.label} at {where}, not at {store}: sell it at "
                f"{where}, or transfer it to {store} first"
            )
    sales = _sales(conn, sa.and_(line.serial == serial, line.product_id == product_id))
    if not sales:
        return
    _pid, _serial, number, issued, sid = sales[-1]
    if any(at >= issued for at in _returns(conn, {(product_id, serial)})[(product_id, serial)]):
        return
    sold_at = store if sid == here else repo.store_codes(conn).get(sid, "?")
    raise AlreadySold(
        f"{sku} {serial} was sold at {sold_at} on {number} and not returned: it cannot be sold "
        "again until it is returned"
    )


def _suspects(conn: Connection) -> set[tuple[int, str]]:
    """The (product, serial) pairs worth a look, found by SQL: on two fulfilled lines or more,
    or on one while the product's unit with that serial is live."""
    fulfilled = sa.and_(line.status == LineStatus.FULFILLED.value, line.serial.is_not(None))
    twice = (
        sa.select(line.product_id, line.serial)
        .where(fulfilled)
        .group_by(line.product_id, line.serial)
        .having(sa.func.count() > 1)
    )
    live = (
        sa.select(line.product_id, line.serial)
        .join(repo.unit_t, sa.and_(u.product_id == line.product_id, u.serial == line.serial))
        .where(fulfilled, u.state.in_(sorted(s.value for s in LIVE)))
    )
    return {(pid, serial) for query in (twice, live) for pid, serial in conn.execute(query)}


def sold_serials(
    conn: Connection, stores: dict[int, str], finding: Callable[..., Any]
) -> list[Any]:
    """The findings (made by ``finding(rule, store, sku, detail)``) of the two rules, for
    sales at a store that does not track stock by serial: at one that does, the ledger
    already refused a unit's second sale, and two sales of one unit on record are a chain's
    conflict (two tills selling it offline; the till's own copy of a sale central did not
    take), which the conflicts and ``not_taken`` rules answer."""
    untracked = {
        sid
        for sid in stores
        if not StoreSettings.from_stored(
            settings_sql.setting_values(conn, sid)
        ).serialized_inventory
    }
    if not untracked:
        return []
    suspects = _suspects(conn)
    if not suspects:
        return []
    by_pair: dict[tuple[int, str], list[tuple[str, datetime, int]]] = defaultdict(list)
    serials = sorted({s for _pid, s in suspects})
    live_units: dict[tuple[int, str], tuple[str, int]] = {}
    for start in range(0, len(serials), 900):
        chunk = serials[start : start + 900]
        for pid, serial, number, issued, sid in _sales(conn, line.serial.in_(chunk)):
            if (pid, serial) in suspects:
                by_pair[(pid, serial)].append((number, issued, sid))
        units = sa.select(u.product_id, u.serial, u.state, u.store_id).where(
            u.serial.in_(chunk), u.state.in_(sorted(s.value for s in LIVE))
        )
        for pid, serial, state, sid in conn.execute(units):
            live_units[(pid, serial)] = (state, sid)
    back = _returns(conn, set(by_pair))
    skus = {pid: sku for pid, sku in conn.execute(sa.select(p.id, p.sku))}
    found = []
    for (pid, serial), sales in sorted(by_pair.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        returned = back.get((pid, serial), [])
        for (first, at1, sid1), (second, at2, sid2) in pairwise(sales):
            if not untracked & {sid1, sid2}:
                continue
            if not any(at1 <= at <= at2 for at in returned):
                found.append(
                    finding(
                        "serial_sold_twice",
                        stores.get(sid2, "?"),
                        skus[pid],
                        f"unit {serial} is on two sales, {first} and {second}, with no return "
                        "between them",
                    )
                )
        number, issued, sid = sales[-1]
        state, unit_store = live_units.get((pid, serial), ("", sid))
        # Its unit still shown at the store that sold it is that store not tracking by
        # serial (no unit changes state there), not a second place for it.
        if sid in untracked and unit_store != sid and not any(at >= issued for at in returned):
            found.append(
                finding(
                    "serial_sold_while_live",
                    stores.get(sid, "?"),
                    skus[pid],
                    f"unit {serial} is sold on {number} (not returned) but "
                    f"{state.replace('_', ' ')} at {stores.get(unit_store, '?')}",
                )
            )
    return found
