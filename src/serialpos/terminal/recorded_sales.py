"""A till takes central's state of its sale once a manager recorded it (issue 16).

A till's offline sale that met a unit sold at another till first is a conflict; a manager
may resolve it by ``record_sale`` (services/conflict_sale.py): central records the sale as
the till made it, with the line that named the other customer's unit **left open and paid**,
its serial cleared, and its invoice covering the lines handed over. The till learns of the
resolution (terminal/central_conflicts.py ``remember``, at a sync or when the manager
resolves at this till) and counts the sale as taken (services/not_taken.py); but its own
copy of the order still had the line fulfilled with the serial, so its receipt reprint, its
serial card and its returns said the unit was this customer's while central said the other
till's customer has it: the till and central disagreed for good.

So at each sync round, for each conflict of this till's resolved by ``record_sale`` whose
sale it has not taken yet, the till asks central for its rows of the sale's order and of the
order that sold the unit at central (``GET /v1/snapshot?part=orders``) and, in one local
transaction: takes central's rows over its own order (db/order_align_sql.py: the line open,
no serial, the invoice as central has it; the payments keep this till's shift), takes a copy
of the other till's order (db/order_copy_sql.py, as the pull does for a sale made elsewhere:
the unit's card names it, and a return of the unit here goes through it), writes a local
``central_state`` event naming that order (the unit's state was central's already: the pull
follows central's feed; the event says on its card whose sale it is), and marks the entry's
answer (:data:`TAKEN`) so it is done once. A sale resolved by ``refund`` (voided at central
and its tenders refunded: services/conflict_refund.py) is taken the same way, and then its
invoice central never issued goes and the refund is paid out of this till's open shift
(db/refund_sql.py). A second return of one unit resolved by ``refund`` (its refund booked
at central: services/second_refund.py) is taken the same way, without either: its refund
was paid here when the till took the unit back, and keeps that shift. Money the till moved
on its order central closed meanwhile (a deposit on an order central voided, a void of one
central fulfilled), booked at central by ``refund`` (services/conflict_closed_money.py) or,
a deposit on an order central holds fulfilled and owing it, by ``record_sale``
(services/conflict_closed_deposit.py: the deposit taken there, nothing paid back here), is
taken the same way, its payments matched by kind, method and amount
(db/closed_order_sql.py). A till's fulfilment of an order central closed meanwhile, booked
at central by ``record_sale`` (after central's void: the sale recorded) or ``refund`` (after
central's fulfilment: its tenders taken and refunded, the refund paid out of this till's
open shift; services/conflict_closed_fulfil.py), is taken the same way; after ``refund`` the
invoice this till issued for it stays, not counted in its sales (services/not_taken.py):
central's invoice is the sale. Nothing is asked when no such conflict waits (the common case: one
read of the journal's conflicts). A central too old to send orders leaves the entry
unmarked: the next round tries again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import (
    closed_order_sql,
    journal,
    mirror_sql,
    order_align_sql,
    order_copy_sql,
    refund_sql,
)
from serialpos.db.engine import Database
from serialpos.db.shift_tables import open_shift_id
from serialpos.db.tables import utcnow
from serialpos.services import conflict_closed_fulfil as closed_fulfil
from serialpos.services.conflict_closed_money import CLOSED_MONEY_OPS
from serialpos.services.orders.views import DOCUMENT_TYPE
from serialpos.services.sale_copies import COPY_MARK
from serialpos.services.second_refund import second_return
from serialpos.terminal.client import CentralClient, CentralRefused
from serialpos.terminal.mirror import move_unit
from serialpos.terminal.order_copies import central_rows

log = logging.getLogger(__name__)

#: The key of an entry's stored answer saying the till took central's rows of its sale.
TAKEN = "taken_from_central"
#: The local ledger's action of the event naming the sale that stands at central.
ACTION = "central_state"
#: The resolutions that recorded the till's sale at central: ``record_sale`` (the rest of
#: it), ``refund`` (voided and refunded: services/conflict_refund.py).
RECORDING = frozenset({"record_sale", "refund"})


@dataclass(frozen=True)
class Recorded:
    """One conflict of this till's a manager resolved by ``record_sale``, not taken yet."""

    entry: str
    answer: dict[str, Any]
    orders: tuple[str, ...]  # this till's orders the entry names (made, or followed)
    serial: str | None  # the unit sold elsewhere
    sku: str | None
    standing: dict[str, Any]  # central's event that sold it (the conflict's first event)
    conflict: Any
    action: str = "record_sale"  # the resolution (one of RECORDING)
    #: A second return of one unit whose refund ``refund`` booked at central
    #: (services/second_refund.py): its refund was paid here already, in its shift.
    second_return: bool = False
    line: dict[str, Any] | None = None  # the entry's line (its op, its money)

    @property
    def closed_money(self) -> bool:
        """Money the till moved on its order central closed meanwhile, booked at central
        by ``refund`` (services/conflict_closed_money.py) or, a deposit on an order central
        holds fulfilled and owing it, by ``record_sale`` (services/conflict_closed_deposit.py),
        or its fulfilment of such an order booked by ``record_sale`` or ``refund``
        (services/conflict_closed_fulfil.py): taken by db/closed_order_sql.py."""
        op = (self.line or {}).get("op")
        return op in CLOSED_MONEY_OPS or op == "order_fulfil"

    @property
    def refunded_here(self) -> bool:
        """Whether central booked a refund this till's drawer pays: of a deposit it took, or
        of the balance its fulfilment took, on an order central closed meanwhile."""
        op = (self.line or {}).get("op")
        return self.closed_money and self.action == "refund" and op != "order_void"


def _orders_of(line: dict[str, Any]) -> tuple[str, ...]:
    """The orders an entry names: the one it made (``numbers.order``), the one it acts on
    (``order``: a follow-on return of it)."""
    given = line.get("numbers")
    numbers: dict[str, Any] = given if isinstance(given, dict) else {}
    found = [numbers.get("order"), line.get("order")]
    return tuple(dict.fromkeys(n for n in found if isinstance(n, str) and n))


def due(conn: Connection) -> list[Recorded]:
    """This till's conflicts resolved by ``record_sale`` or ``refund`` whose orders it has
    not taken."""
    out: list[Recorded] = []
    for entry in journal.entries(conn, "conflict"):
        answer = json.loads(entry.answer or "{}")
        conflict = answer.get("conflict") or {}
        resolution = conflict.get("resolution") or {}
        if answer.get(TAKEN) or not isinstance(resolution, dict):
            continue
        if resolution.get("action") not in RECORDING:
            continue
        line = json.loads(entry.line)
        first = conflict.get("first_event") if isinstance(conflict.get("first_event"), dict) else {}
        out.append(
            Recorded(
                entry.id,
                answer,
                _orders_of(line),
                conflict.get("serial"),
                conflict.get("sku"),
                first or {},
                conflict.get("id"),
                str(resolution.get("action")),
                second_return=second_return(
                    {"error": conflict.get("error"), "entry": {"line": line}}
                ),
                line=line if conflict.get("error") == "order_closed" else None,
            )
        )
    return out


def take_recorded(db: Database, client: CentralClient, chain: ChainConfig) -> int:
    """Take central's rows of this till's sales a manager recorded (module doc); how many
    entries were taken."""
    waiting = db.read(due)
    taken = 0
    for found in waiting:
        if found.action == "refund" and not found.second_return and _refund_waits(db, chain, found):
            continue  # taken in the next shift opened here (below)
        standing = found.standing.get("document")
        numbers = sorted({*found.orders, *([standing] if isinstance(standing, str) else [])})
        if not numbers:  # names no order: nothing to take
            db.write(_marker(found))
            continue
        try:
            copy = central_rows(client, chain, numbers)
        except CentralRefused as exc:  # an older central: tried again at the next round
            log.warning("central sent no rows of %s: %s", ", ".join(numbers), exc.message)
            return taken

        def work(conn: Connection, found: Recorded = found, copy: dict[str, Any] = copy) -> None:
            if _taken(conn, found.entry):
                return  # taken meanwhile (a resolution at this till, a sync round): once
            for number in found.orders:
                if found.closed_money:
                    _take_closed(conn, copy, number, found, chain)
                    continue
                order_align_sql.align_order(conn, copy, number)
                if found.action == "refund" and not found.second_return:
                    refund_sql.take_refund(conn, copy, number, chain.store, chain.terminal)
            copied = order_copy_sql.take_orders(conn, copy, COPY_MARK)
            _name_standing_sale(conn, found, copied, chain.store)
            _mark(conn, found)

        db.write(work)
        taken += 1
    return taken


def _name_standing_sale(conn: Connection, found: Recorded, copied: list[str], store: str) -> None:
    """A local event on the unit sold elsewhere naming central's sale of it (the order just
    copied), in the state the unit has here (central's: the pull followed its feed)."""
    number = found.standing.get("document")
    if found.serial is None or found.sku is None or number not in copied:
        return
    product_id = mirror_sql.product_ids(conn).get(found.sku)
    stores = mirror_sql.store_ids(conn)
    unit = None if product_id is None else mirror_sql.unit(conn, product_id, found.serial)
    if unit is None or store not in stores:
        return
    values: dict[str, object] = {
        "at": utcnow(),
        "action": ACTION,
        "user_name": str(found.standing.get("user") or "central")[:32],
        "terminal": str(found.standing.get("terminal") or "central")[:64],
        "store_id": stores[store],
        "product_id": product_id,
        "unit_id": None,
        "serial": found.serial,
        "from_state": None,
        "to_state": unit.state,
        "quantity": 0,
        "document_type": DOCUMENT_TYPE,
        "document_id": str(number)[:64],
        "document_line": None,
        "reason": f"conflict {found.conflict} resolved by {found.action}: sold on {number}"[:200],
    }
    move_unit(conn, unit, values, state=unit.state, unit_store=unit.store_id)


def _take_closed(
    conn: Connection, copy: dict[str, Any], number: str, found: Recorded, chain: ChainConfig
) -> None:
    """Central's rows of the order this till moved money on after central closed it: a
    deposit's refund booked there is paid out of this drawer (its open shift), a void's
    refunds were paid here already (db/closed_order_sql.py)."""
    line = found.line or {}
    paid: list[object] = []
    if found.refunded_here and line.get("op") == "order_fulfil":
        # What the drawer kept of its fulfilment: its tenders less the change it gave.
        paid = [{"method": m, "amount": str(a)} for m, a in closed_fulfil.kept(line)]
    elif found.refunded_here:
        paid = list(line.get("payments") or ())
    here = [closed_order_sql.refund_key(item) for item in paid]
    shift = open_shift_id(conn, chain.store, chain.terminal)
    closed_order_sql.take_closed(
        conn, copy, number, refund_here=[k for k in here if k is not None], shift_id=shift
    )


def _refund_waits(db: Database, chain: ChainConfig, found: Recorded | None = None) -> bool:
    """Whether a sale refunded by a manager at central waits for a shift here: the refund is
    paid out of this till's drawer, and where the store sells only in an open shift a refund
    at the counter is refused without one (services/shifts.py). The sync cannot refuse, so
    it is taken at the first round with a shift open, in that shift, never in none. A
    till's void booked at central by ``refund`` paid its refunds here already: no wait."""
    from serialpos.services.shifts import ShiftRequired, check_refund_drawer

    if found is not None and found.closed_money and not found.refunded_here:
        return False

    try:
        check_refund_drawer(db, chain.store, chain.terminal)
    except ShiftRequired:
        return True
    return False


def _taken(conn: Connection, entry_id: str) -> bool:
    """Whether entry ``entry_id``'s sale was taken already, read in the writing transaction:
    a sync round and a resolution at this till (terminal/resolved_here.py) may both find it
    due, and only the first takes it."""
    found = journal.entry(conn, entry_id)
    return found is not None and bool(json.loads(found.answer or "{}").get(TAKEN))


def _marker(found: Recorded) -> Callable[[Connection], None]:
    def work(conn: Connection) -> None:
        _mark(conn, found)

    return work


def _mark(conn: Connection, found: Recorded) -> None:
    answer = {**found.answer, TAKEN: True}
    journal.answer_conflict_again(conn, found.entry, json.dumps(answer, ensure_ascii=False))
