"""Central's authority over terminal entries, and the conflicts it records (issue 16).

A store terminal sells on while its link is down, then pushes its journal through the same
idempotent apply as any host (services/apply_ids.py), each line tagged with ``journal``
(``{"terminal", "seq"}``). Central applies each entry with the same guarded transitions as an
online sale. An entry no longer legal when it arrives (the unit was sold at another till
meanwhile, received elsewhere...) is not dropped and does not stop the entries after it: it is
**recorded as a conflict**, in the same transaction as its id, so a resend replays the same
answer. The unit keeps the state its first accepted event gave it; a manager resolves the
conflict by a new event (:func:`resolve`), never by editing one. Other refusals (a bad line, a
permission) are answered as usual and leave the id free.

Which refusals are conflicts is decided in services/conflict_codes.py, conflicts are listed
and shown by services/conflict_views.py, and who acts through a till's token is checked in
services/acting_at_till.py; their names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql
from serialpos.db.engine import Database
from serialpos.db.joined import JoinedDatabase
from serialpos.db.tables import utcnow
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.domain.sale_not_recorded import FOLLOW_ERRORS
from serialpos.domain.text import clip
from serialpos.services.acting_at_till import RESOLVE_ACT as RESOLVE_ACT
from serialpos.services.acting_at_till import acting_for as acting_for
from serialpos.services.acting_at_till import require_manager as require_manager
from serialpos.services.acting_at_till import resolver_for as resolver_for
from serialpos.services.acting_at_till import token_lacks_right as token_lacks_right
from serialpos.services.apply_ids import ApplyObject
from serialpos.services.conflict_checks import RESOLUTIONS as _RESOLUTIONS
from serialpos.services.conflict_checks import UnitNow
from serialpos.services.conflict_closed_fulfil import is_closed_fulfil
from serialpos.services.conflict_closed_money import is_closed_money
from serialpos.services.conflict_codes import CONFLICT_CODES as CONFLICT_CODES
from serialpos.services.conflict_codes import LASTING_CONFLICT_OPS as LASTING_CONFLICT_OPS
from serialpos.services.conflict_codes import OP_CONFLICT_CODES as OP_CONFLICT_CODES
from serialpos.services.conflict_codes import is_conflict as is_conflict
from serialpos.services.conflict_views import NAMED_DOCUMENT as NAMED_DOCUMENT
from serialpos.services.conflict_views import UnknownConflict as UnknownConflict
from serialpos.services.conflict_views import conflict_followed as conflict_followed
from serialpos.services.conflict_views import list_conflicts as list_conflicts
from serialpos.services.conflict_views import list_for as list_for
from serialpos.services.conflict_views import present as present
from serialpos.services.conflict_views import show as show
from serialpos.services.conflict_views import standing as standing
from serialpos.services.conflict_views import with_follows as with_follows
from serialpos.services.context import Actor
from serialpos.services.second_refund import book as book_second_refund
from serialpos.services.second_refund import second_return
from serialpos.services.terminal_links import NotLinked as NotLinked
from serialpos.services.terminal_links import OtherTerminal as OtherTerminal
from serialpos.services.terminal_links import WrongStore as WrongStore

Result = dict[str, Any]

#: How a manager resolves a conflict; each but ``accept`` is a new ledger event.
#: ``record_sale`` (a sale's conflict): the rest of the till's sale recorded at central.
#: ``refund`` (a sale that handed over nothing central can record): the till's sale
#: recorded without units, voided and its tenders refunded (services/conflict_refund.py);
#: a till's second return of one unit: its refund booked at central (services/second_refund.py);
#: for a till's deposit on, or void of, an order central closed meanwhile, the money its
#: drawer moved booked on central's order (services/conflict_closed_money.py). A till's
#: fulfilment of such an order: ``record_sale`` books the sale after central's void,
#: ``refund`` the money taken and refunded after its fulfilment
#: (services/conflict_closed_fulfil.py).
RESOLUTIONS = _RESOLUTIONS


class ConflictClosed(DomainError):
    code = "conflict_resolved"


class OtherEntrysConflict(DomainError):
    """A resolution named the journal entry it meant, and the number is another entry's
    conflict: central restored from an older backup numbers its conflicts afresh, so the
    number a till knew may name another sale now. Nothing is resolved."""

    code = "conflict_of_other_entry"


def resolve(
    db: Database,
    actor: Actor,
    conflict_id: int,
    action: str,
    note: str | None = None,
    apply_object: ApplyObject | None = None,
    entry: str | None = None,
) -> Result:
    """Close a conflict by a new event, in one transaction with the mark: ``accept`` (the
    first event stands, nothing moves), ``return`` (the unit comes back to stock at the
    conflict's store: the sale that stands is taken back as at the counter, a refund note
    issued and the customer refunded: :func:`return_line`), ``write_off`` (the unit is
    written off where it is in stock) or ``record_sale`` (a till's sale: the rest of it
    recorded, its conflicting lines left open and paid: services/conflict_sale.py) or
    ``refund`` (a till's sale that handed over nothing else: recorded without units, voided
    and its money refunded: services/conflict_refund.py; a till's money on an order central
    closed meanwhile: booked on that order, services/conflict_closed_money.py). A till's
    fulfilment of an order central closed meanwhile is booked by ``record_sale`` after
    central's void (the unit sold, the tenders taken) or ``refund`` after its fulfilment
    (the tenders taken and refunded): services/conflict_closed_fulfil.py.
    ``entry``, the journal entry the resolution is meant for (a till names its own):
    refused, nothing done, when ``conflict_id`` is another entry's conflict
    (:func:`check_entry`)."""
    require_manager(actor, RESOLVE_ACT)
    if action not in RESOLUTIONS:
        raise BadRequest(f"resolve by one of {', '.join(RESOLUTIONS)}, not {clip(action)}")
    if note is not None and len(note) > 200:
        raise BadRequest("the note is longer than 200 characters")
    current = show(db, conflict_id)  # with the resolutions it offers, named when refused
    if entry is not None:
        check_entry(db, current, entry)
    if current["status"] != "open":
        raise ConflictClosed(f"conflict {conflict_id} is already resolved")
    from serialpos.services.conflict_checks import precheck
    from serialpos.services.conflict_closed_money import closed_order_status

    unit, order_status = db.read(
        lambda conn: (unit_now(conn, current), closed_order_status(conn, current))
    )
    precheck(
        current,
        action,
        unit=unit,
        lookup=lambda n: show(db, n, offers=False),
        followers=lambda: [
            c for c in list_conflicts(db, offers=False) if c.get("follows") == conflict_id
        ],
        order_status=order_status,
    )
    rest: Result = {}
    held: dict[str, dict[str, int]] = {}
    closed_fulfil = is_closed_fulfil(current)
    closed_deposit = action == "record_sale" and is_closed_money(current)
    if action == "record_sale" and not closed_fulfil and not closed_deposit:
        from serialpos.services.conflict_sale import rest_of_sale
        from serialpos.services.open_line_credit import serials_of_sales

        rest = rest_of_sale(current, unit)
        held = serials_of_sales(current, lambda n: show(db, n, offers=False))

    def work(conn: Connection) -> Result:
        # Locked first: another manager's resolution of it at the same moment (another
        # serve worker) waits here and then finds it resolved, instead of recording the
        # till's order a second time and meeting its number (a unique violation, answered
        # database_error: "try again").
        if conflict_sql.lock_status(conn, conflict_id) != "open":
            raise ConflictClosed(f"conflict {conflict_id} is already resolved")
        verdict: Result = {"ok": True}
        if action != "accept":
            assert apply_object is not None
            joined = JoinedDatabase(db, conn)
            if closed_fulfil and action in ("record_sale", "refund"):
                # A till's fulfilment of an order central closed meanwhile: the sale
                # booked after central's void, the money refunded after its fulfilment.
                from serialpos.services import conflict_closed_fulfil

                verdict = (
                    conflict_closed_fulfil.record(joined, conn, current, actor)
                    if action == "record_sale"
                    else conflict_closed_fulfil.refund(conn, current, actor)
                )
            elif closed_deposit:
                # A till's deposit on an order central voided, once the order is fulfilled
                # and owes it: booked as taken (services/conflict_closed_deposit.py).
                from serialpos.services import conflict_closed_deposit

                verdict = conflict_closed_deposit.book(conn, current, actor)
            elif action == "record_sale":
                from serialpos.services import sale_dates
                from serialpos.services.conflict_sale import cashier, record
                from serialpos.services.open_line_credit import for_resolution

                # Dated as the till made the sale (journal.at) and made by its cashier, as
                # its push would have been; the manager is who resolved the conflict.
                seller = cashier(conn, rest, actor)
                # The change the till gave is given by the fulfilment, line left open or
                # not (services/orders/checkout.py): central keeps what the till kept.
                # A follow-on return may name the line record_sale left open and paid.
                credit = for_resolution(current.get("error") in FOLLOW_ERRORS, held)
                from serialpos.services.shifts import checked_at_terminal

                # The till's money, taken in its drawer (its shift rule checked there):
                # central's terminal needs no open shift for it.
                till = checked_at_terminal()
                with sale_dates.by_till(sale_dates.of_entry(rest)[0]), credit, till:
                    verdict = record(lambda line: apply_object(joined, seller, line), rest)
            elif action == "refund" and second_return(current):
                # A till's second return of one unit: its refund booked at central.
                verdict = book_second_refund(conn, db, current, actor)
            elif action == "refund" and is_closed_money(current):
                from serialpos.services.conflict_closed_money import settle

                verdict = settle(conn, current, actor)
            elif action == "refund":
                from serialpos.services.conflict_refund import refund_by

                verdict = refund_by(joined, conn, current, actor, apply_object)
            else:
                line = (
                    return_line(conn, current, note)
                    if action == "return"
                    else write_off_line(current, note)
                )
                verdict = apply_object(joined, actor, line)
            if joined.retryable is not None:
                raise joined.retryable
            if not verdict["ok"]:
                raise refusal(current, action, verdict)
        if not conflict_sql.resolve(
            conn,
            conflict_id,
            by=actor.user,
            resolution=action,
            note=note,
            when=utcnow(),
            entry_id=entry,
            stood=(current["first_event"] or {}).get("id"),
        ):
            raise ConflictClosed(f"conflict {conflict_id} is already resolved")
        return verdict

    try:
        verdict = db.write(work)
    except DomainError as refused:
        if (
            refused.code == "database_error"
            and show(db, conflict_id, offers=False)["status"] != "open"
        ):
            # Resolved meanwhile by a writer the lock did not order (a database
            # restored under us): say so, not "try again".
            raise ConflictClosed(f"conflict {conflict_id} is already resolved") from refused
        raise
    done = show(db, conflict_id)
    if "owes" in verdict:
        # A till's fulfilment booked on an order central voided, or its deposit on it once
        # fulfilled: what the customer owes on it now (services/conflict_closed_fulfil.py,
        # services/conflict_closed_deposit.py), said with the conflict.
        done["owes"] = {"order": verdict.get("order"), "amount": verdict["owes"]}
    return done


def unit_now(conn: Connection, current: Mapping[str, Any]) -> UnitNow:
    """(store code, state) of conflict ``current``'s unit at central now; None when it
    names none (a count's, a quantity's) or central holds no such unit."""
    serial, sku = current.get("serial"), current.get("sku")
    if not serial or not sku:
        return None
    for _serial, its_sku, store, state, _event in conflict_sql.unit_states(conn, [serial]):
        if its_sku == sku:
            return store, state
    return None


def refuse_record_sale(current: Mapping[str, Any]) -> None:
    """Refuse ``record_sale`` for a conflict that is no till's sale, naming only the
    resolutions that work for it: ``accept`` alone for one naming no unit (a count), as
    ``return`` and ``write_off`` are refused for it."""
    from serialpos.domain.sale_not_recorded import FOLLOW_ERRORS, SALE_OPS

    line = (current.get("entry") or {}).get("line") or {}
    if current.get("error") in FOLLOW_ERRORS or (
        line.get("op") in SALE_OPS and isinstance(line.get("lines"), list)
    ):
        return
    raise BadRequest(
        f"conflict {current.get('id')} is no sale of a till ({line.get('op', '?')}): "
        f"record_sale records a sale's other lines and tenders; resolve it by {ways(current)}"
    )


def ways(current: Mapping[str, Any]) -> str:
    """The resolutions conflict ``current`` offers, for a refusal's words ("accept, return
    or write_off"): those listed with it (``resolutions``), else those a conflict naming a
    unit may take."""
    # A till's money on a closed order may be booked by either (record_sale: a deposit on
    # an order fulfilled and owing it); a second return's refund by refund alone.
    sale_only: tuple[str, ...] = ("record_sale", "refund")
    if is_closed_money(current):
        sale_only = ()
    elif second_return(current):
        sale_only = ("record_sale",)
    offered = [str(a) for a in current.get("resolutions") or () if a not in sale_only]
    if not offered:
        offered = ["accept", "return", "write_off"] if current.get("serial") else ["accept"]
    return ", ".join(offered[:-1]) + (" or " if len(offered) > 1 else "") + offered[-1]


def return_line(conn: Connection, current: Result, note: str | None) -> Result:
    """The event of a ``return`` resolution. A unit sold on an order (a till's ``sell`` or
    ``order_create``, a host's sale) comes back through that sale, as a customer's return
    at the counter does (``order_return``: services/returns.py): the order line is returned,
    a refund note issued and the refund paid by the sale's tender, so reports, the serial's
    card and the invoice agree with the unit. A unit no sale holds comes back by the ledger's
    ``return`` alone."""
    from serialpos.services.returns import sale_of_unit

    sale = sale_of_unit(conn, str(current["sku"]), str(current["serial"]))
    if sale is not None:
        number, method = sale
        return {
            "op": "order_return",
            "order": number,
            "serials": [current["serial"]],
            "refund_method": method,
            "store": current["store"],
        }
    return {
        "op": "return",
        "reason": note or f"sync conflict {current['id']}",
        "store": current["store"],
        "sku": current["sku"],
        "serial": current["serial"],
        "document": f"CONFLICT-{current['id']}",
    }


def write_off_line(current: Result, note: str | None) -> Result:
    """The event of a ``write_off`` resolution: the unit removed where it is in stock."""
    return {
        "op": "adjust",
        "remove": [current["serial"]],
        "reason": note or f"sync conflict {current['id']}",
        "store": current["store"],
        "sku": current["sku"],
        "document": f"CONFLICT-{current['id']}",
    }


def refusal(current: Result, action: str, verdict: Result) -> DomainError:
    """Why the resolution's event could not be made. A sold unit cannot be written off:
    say that the standing event sold it and what to do instead. A return's refund needs a
    shift at central where the store requires one: say where to open it."""
    code, message = str(verdict["error"]), str(verdict["message"])
    if action == "return" and code == "shift_required":
        # The refund is paid at central, in the resolving terminal's shift; a store
        # terminal's shifts are its own (services/shifts.py), so opening one at the till
        # (what the sale's words say) never lets this resolution through.
        message = (
            f"{message.split(':')[0]}: resolving by return pays the customer's refund at "
            "central, in a shift there; open a shift at central's console (serialpos shift "
            "open) and resolve it there, or resolve by accept"
        )
    if action == "write_off" and code == "already_sold":
        first = current.get("first_event") or {}
        by = f" by {first['action']} (event {first['id']})" if first.get("id") else ""
        # Read whole in a handheld's message line (four rows of 38 columns).
        message = (
            f"{current['serial']} was sold{by}: only a unit in stock is written off; "
            "resolve by return first, or by accept"
        )
    return DomainError(message, code=code)


def check_entry(db: Database, current: Result, entry: str) -> None:
    """Refuse when conflict ``current`` is not the one of journal entry ``entry``, saying
    which conflict is that entry's at central, if any. A till keeps the number central
    answered its push with; central restored from an older backup numbers its conflicts
    afresh, and the number may name another till's sale now."""
    if current["entry"]["id"] == entry:
        return
    number = db.read(lambda conn: conflict_sql.conflict_of_entry(conn, entry))
    what = f"{current['sku'] or '-'} {current['serial'] or '-'} at {current['store']}"
    theirs = f"conflict {current['id']} is now {what}, another journal entry's"
    if number is not None:
        raise OtherEntrysConflict(
            f"{theirs}; the entry {clip(entry)} is conflict {number} here: resolve "
            f"{number} (central was restored from an older backup?); nothing was resolved"
        )
    raise OtherEntrysConflict(
        f"{theirs}; central holds no conflict of the entry {clip(entry)} (restored from an "
        "older backup?): run `serialpos terminal resend` at its till, which records it "
        "again; nothing was resolved"
    )
