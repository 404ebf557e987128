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

A token's terminal is bound to one store and terminal id when the terminal is initialised
(services/snapshot.py): entries naming another terminal or another store are refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql
from serialpos.db.engine import Database
from serialpos.db.joined import JoinedDatabase
from serialpos.db.tables import utcnow
from serialpos.domain.document_not_recorded import not_recorded as document_not_recorded
from serialpos.domain.errors import BadRequest, DomainError, PermissionDenied
from serialpos.domain.sale_not_recorded import FOLLOW_ERRORS, not_recorded
from serialpos.domain.text import clip
from serialpos.domain.users import ROLE_PERMISSIONS, Permission
from serialpos.services.apply_ids import ApplyObject
from serialpos.services.context import Actor

Result = dict[str, Any]

#: Refusals that mean "the unit moved since the terminal last knew it": recorded as conflicts.
CONFLICT_CODES = frozenset(
    {"already_sold", "not_in_stock", "invalid_state", "duplicate_serial", "reserved", "leased"}
)
#: Operations whose ``conflict`` refusal lasts: an ASN is received once, so an ASN receipt
#: refused ``conflict`` (the ASN was received meanwhile, by another till of the store or at
#: central) is refused the same however often it is sent. Elsewhere ``conflict`` is a race
#: with another terminal at the same moment (the terminal sends the entry again).
LASTING_CONFLICT_OPS = frozenset({"asn_receive"})
#: Refusals that are conflicts for one operation only: a line a till took back that is no
#: longer sold at central (the same unit returned first at another till of the store, or
#: at central: ``not_returnable`` named by its line's number, ``not_on_order`` by its
#: serial) is the double return of one unit, kept for a manager. The till checked the line
#: was sold on its copy of the order before it took the unit back.
OP_CONFLICT_CODES = frozenset(
    {("order_return", "not_returnable"), ("order_return", "not_on_order")}
)


def is_conflict(data: Mapping[str, Any], refusal: Mapping[str, Any]) -> bool:
    """Whether a refused entry is a conflict (kept for a manager) rather than a refusal:
    the unit moved since the terminal last knew it, or the document it worked on was
    finished elsewhere meanwhile ("received elsewhere", issue 16)."""
    code, op = refusal.get("error"), data.get("op")
    return (
        code in CONFLICT_CODES
        or (code == "conflict" and op in LASTING_CONFLICT_OPS)
        or (op, code) in OP_CONFLICT_CODES
    )


#: How a manager resolves a conflict; each but ``accept`` is a new ledger event.
#: ``record_sale`` (a sale's conflict): the rest of the till's sale recorded at central.
#: ``refund`` (a sale that handed over nothing central can record): the till's sale
#: recorded without units, voided and its tenders refunded (services/conflict_refund.py).
RESOLUTIONS = ("accept", "return", "write_off", "record_sale", "refund")
#: The act named by the refusals of a resolution.
RESOLVE_ACT = "resolve sync conflicts"


class NotLinked(DomainError):
    code = "terminal_not_linked"


class WrongStore(DomainError):
    code = "wrong_store"


class OtherTerminal(DomainError):
    """The token belongs to another terminal than the entry's: a till set up with the
    wrong token. The token is wrong, not the entry (the terminal keeps it pending)."""

    code = "other_terminal"


class UnknownConflict(DomainError):
    code = "unknown_conflict"


class ConflictClosed(DomainError):
    code = "conflict_resolved"


class OtherEntrysConflict(DomainError):
    """A resolution named the journal entry it meant, and the number is another entry's
    conflict: central restored from an older backup numbers its conflicts afresh, so the
    number a till knew may name another sale now. Nothing is resolved."""

    code = "conflict_of_other_entry"


def present(row: Mapping[str, Any]) -> Result:
    """One conflict as JSON: who, what, and the two events (the one that stands, and the
    terminal's entry that could not be applied)."""
    first = None
    if row.get("ev_id") is not None:
        first = {
            "id": row["ev_id"],
            "action": row["ev_action"],
            "at": row["ev_at"].isoformat(timespec="seconds") + "Z",
            "user": row["ev_user_name"],
            "terminal": row["ev_terminal"],
            "serial": row["ev_serial"],
            "from": row["ev_from_state"],
            "to": row["ev_to_state"],
            "document": row["ev_document_id"],
        }

    def when(value: Any) -> str | None:
        return None if value is None else value.isoformat(timespec="seconds") + "Z"

    line = json.loads(row["entry_line"])

    return {
        "id": row["id"],
        "serial": row["serial"],
        "sku": row["sku"],
        "store": row["store"],
        "status": row["status"],
        "error": row["error"],
        "message": row["message"],
        "terminal": row["terminal"],
        "created_at": when(row["created_at"]),
        "first_event": first,
        "entry": {
            "id": row["entry_id"],
            "seq": row["entry_seq"],
            "line": line,
        },
        # A sale's entry, or a stockroom document's, is applied whole or not at all: what
        # central did not record.
        "not_recorded": not_recorded(line, row["serial"], row["error"])
        or document_not_recorded(line, row["serial"], row["error"]),
        # The conflict whose unrecorded document this entry names (null for the others):
        # worked out when listed, so it names that conflict's number now.
        "follows": row.get("follows"),
        "resolution": None
        if row["resolution"] is None
        else {
            "action": row["resolution"],
            "by": row["resolved_by"],
            "at": when(row["resolved_at"]),
            "note": row["note"],
        },
    }


#: The keys of an entry that name a document an earlier entry of the till made.
NAMED_DOCUMENT = ("order", "exchange_of")


def conflict_followed(conn: Connection, terminal: str, data: Mapping[str, Any]) -> int | None:
    """The conflict of ``terminal``'s entry that made the order or refund note ``data``
    names (``order``, ``exchange_of``), if central holds one: the conflict an entry refused
    for naming it follows (services/entries.py ``follows_conflict``)."""
    for key in NAMED_DOCUMENT:
        number = data.get(key)
        if isinstance(number, str) and number:
            found = conflict_sql.conflict_making(conn, terminal, number)
            if found is not None:
                return found
    return None


def with_follows(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` each with ``follows``: for a conflict of a follow-on act (its entry named a
    document central did not hold, FOLLOW_ERRORS), the conflict of the entry that made it,
    as the push answered it; None for the others (one read per follow-on conflict only)."""
    for row in rows:
        row["follows"] = None
        if row.get("error") not in FOLLOW_ERRORS or not row.get("terminal"):
            continue
        try:
            line = json.loads(row["entry_line"])
        except ValueError:
            continue
        if isinstance(line, dict):
            found = conflict_followed(conn, str(row["terminal"]), line)
            row["follows"] = found if found != row["id"] else None
    return rows


def list_conflicts(
    db: Database, *, status: str | None = None, store: str | None = None
) -> list[Result]:
    if status is not None and status not in ("open", "resolved"):
        raise BadRequest("status must be open or resolved")
    return [
        present(r)
        for r in db.read(
            lambda conn: with_follows(
                conn, standing(conn, conflict_sql.conflicts(conn, status=status, store=store))
            )
        )
    ]


def standing(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with the event that stands now for each open conflict: the unit's newest
    event at central, which gave it the state the entry could not be applied to. The one
    recorded can be stale: a conflict recorded again after central was restored from an
    older backup (services/lost_conflicts.py) names the unit's newest event then, and the
    sale that stands may reach central again only after it, when its till resends. A
    resolved conflict keeps the one that stood when it was resolved (:func:`resolve`)."""
    for row in rows:
        if row["status"] != "open" or row["sku"] is None or row["serial"] is None:
            continue
        now = conflict_sql.last_unit_event(conn, row["sku"], row["serial"])
        if now is not None and now != row["ev_id"]:
            row |= conflict_sql.event_as_listed(conn, now)
            row["first_event_id"] = now
    return rows


def list_for(
    db: Database, actor: Actor, *, status: str | None = None, asked: str | None = None
) -> list[Result]:
    """``GET /v1/conflicts`` for ``actor``'s token. A store terminal's token, whatever the
    role of its user (a cashier's till too), lists its own store's conflicts, asked or not
    (another store's is refused), as it reads its own store's feed: its till shows them, and
    only a manager may resolve one. Any other token needs a manager's rights, and lists
    every store's or the one asked for."""
    from serialpos.services import terminal_links
    from serialpos.services.feed import store_of_reader

    if db.read(lambda conn: terminal_links.link_in(conn, db, actor.terminal)) is None:
        require_manager(actor, "list sync conflicts")
    store = store_of_reader(db, actor, asked)
    return list_conflicts(db, status=status, store=store)


def show(db: Database, conflict_id: int) -> Result:
    rows = db.read(
        lambda conn: with_follows(
            conn, standing(conn, conflict_sql.conflicts(conn, conflict_id=conflict_id))
        )
    )
    if not rows:
        raise UnknownConflict(f"there is no conflict {conflict_id}")
    found = present(rows[0])
    from serialpos.services.return_money import of_return

    money = db.read(lambda conn: of_return(conn, found["entry"]["line"]))
    return {**found, "return_money": money} if money else found


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
    and its money refunded: services/conflict_refund.py).
    ``entry``, the journal entry the resolution is meant for (a till names its own):
    refused, nothing done, when ``conflict_id`` is another entry's conflict
    (:func:`check_entry`)."""
    require_manager(actor, RESOLVE_ACT)
    if action not in RESOLUTIONS:
        raise BadRequest(f"resolve by one of {', '.join(RESOLUTIONS)}, not {clip(action)}")
    if note is not None and len(note) > 200:
        raise BadRequest("the note is longer than 200 characters")
    current = show(db, conflict_id)
    if entry is not None:
        check_entry(db, current, entry)
    if current["status"] != "open":
        raise ConflictClosed(f"conflict {conflict_id} is already resolved")
    if action in ("return", "write_off") and current.get("follows") is not None:
        # An act on a sale central did not record (an exchange's return or new sale): the
        # unit it names (taken from that sale) may be another customer's at central, so a
        # return or write-off of it here would move the wrong unit.
        raise BadRequest(
            f"conflict {conflict_id} follows conflict {current['follows']} and moves no "
            "unit of its own: resolve it by record_sale (it is then recorded) or by accept"
        )
    if action in ("return", "write_off") and (current["serial"] is None or current["sku"] is None):
        raise BadRequest(f"conflict {conflict_id} names no unit: resolve it by accept")
    if action == "record_sale":
        refuse_record_sale(current)
    rest: Result = {}
    held: dict[str, dict[str, int]] = {}
    if action == "record_sale":
        from serialpos.services.conflict_sale import check_followed, rest_of_sale

        follows = current.get("follows")
        check_followed(current, None if follows is None else show(db, int(follows)))
        rest = rest_of_sale(current)
        from serialpos.services.open_line_credit import serials_of_sales

        held = serials_of_sales(current, lambda n: show(db, n))
    if action == "refund":
        from serialpos.services.conflict_refund import refund_plan

        refund_plan(current)  # refused here, before anything is written

    def work(conn: Connection) -> Result:
        verdict: Result = {"ok": True}
        if action != "accept":
            assert apply_object is not None
            joined = JoinedDatabase(db, conn)
            if action == "record_sale":
                from serialpos.services import sale_dates
                from serialpos.services.conflict_sale import cashier, handed_over_whole, record
                from serialpos.services.open_line_credit import for_resolution
                from serialpos.services.orders.change_at_till import given_at_till

                # Dated as the till made the sale (journal.at) and made by its cashier, as
                # its push would have been; the manager is who resolved the conflict.
                seller = cashier(conn, rest, actor)
                whole = given_at_till(handed_over_whole(current))
                # A follow-on return may name the line record_sale left open and paid.
                credit = for_resolution(current.get("error") in FOLLOW_ERRORS, held)
                from serialpos.services.shifts import checked_at_terminal

                # The till's money, taken in its drawer (its shift rule checked there):
                # central's terminal needs no open shift for it.
                till = checked_at_terminal()
                with sale_dates.by_till(sale_dates.of_entry(rest)[0]), whole, credit, till:
                    verdict = record(lambda line: apply_object(joined, seller, line), rest)
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

    db.write(work)
    return show(db, conflict_id)


def refuse_record_sale(current: Result) -> None:
    """Refuse ``record_sale`` for a conflict that is no till's sale, naming only the
    resolutions that work for it: ``accept`` alone for one naming no unit (a count), as
    ``return`` and ``write_off`` are refused for it."""
    from serialpos.domain.sale_not_recorded import FOLLOW_ERRORS, SALE_OPS

    line = (current.get("entry") or {}).get("line") or {}
    if current.get("error") in FOLLOW_ERRORS or (
        line.get("op") in SALE_OPS and isinstance(line.get("lines"), list)
    ):
        return
    ways = "accept, return or write_off" if current.get("serial") else "accept"
    raise BadRequest(
        f"conflict {current.get('id')} is no sale of a till ({line.get('op', '?')}): "
        f"record_sale records a sale's other lines and tenders; resolve it by {ways}"
    )


def require_manager(actor: Actor, act: str) -> None:
    """Resolving a conflict moves stock (or decides it stays moved): a manager's act, as
    adjusting stock is. The refusal names ``act``, not the stock adjustment behind it."""
    if Permission.ADJUST not in ROLE_PERMISSIONS[actor.role]:
        allowed = [r.value for r in ROLE_PERMISSIONS if Permission.ADJUST in ROLE_PERMISSIONS[r]]
        raise PermissionDenied(
            f"{actor.user} ({actor.role.value}) may not {act}; that needs the role "
            f"{' or '.join(allowed)}"
        )


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
    say that the standing event sold it and what to do instead."""
    code, message = str(verdict["error"]), str(verdict["message"])
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


def acting_for(
    db: Database | Connection,
    token: Actor,
    user: str | None,
    terminal: str | None = None,
    act: str | None = None,
) -> Actor:
    """Who acts through a store terminal's ``token``: ``user``, the person logged in at its
    till (the till checked the PIN), with that user's role here, but never with more rights
    than the token's user; the token's own user without ``user``. Recorded under
    ``terminal`` (default: the token's). ``db`` may be an open connection: read in its
    transaction (a terminal's push reads its cashiers in the one that applies it). ``act``
    names what is being done, for the refusal (:func:`token_lacks_right`)."""
    from serialpos.services import users

    acting = users.require_active(db, user or token.user, terminal or token.terminal)
    if not ROLE_PERMISSIONS[acting.role] <= ROLE_PERMISSIONS[token.role]:
        raise PermissionDenied(token_lacks_right(token, acting, act))
    return acting


def resolver_for(db: Database, token: Actor, user: str | None) -> Actor:
    """Who resolves a conflict through a store terminal's ``token`` (``POST
    /v1/conflicts/{id}/resolve``): the person is checked first, so a cashier is told the
    act needs a manager (:func:`require_manager`); a manager at a till whose token is a
    cashier's is told it is the token that lacks the right, and what to do instead."""
    from serialpos.services import users

    require_manager(users.require_active(db, user or token.user, token.terminal), RESOLVE_ACT)
    return acting_for(db, token, user, act="resolve conflicts")


def token_lacks_right(token: Actor, acting: Actor, act: str | None) -> str:
    """The refusal when the person at a till may do more than its token's user: it names the
    till's token (set up with a user of a lesser role) as what lacks the right, not the
    person, and says what to do: the same at central, or give the till a token of that
    role. With ``act`` (a resolution at the console) it is short enough to be read whole
    on a 40x16 handheld's message line."""
    role = acting.role.value
    article = "an" if role[:1] in "aeiou" else "a"
    instead = f"do it at central, or give the till {article} {role}'s token"
    held = f"this till's token ({token.user}, {token.role.value})"
    if act:
        return f"{held} may not {act}; {acting.user} may: {instead}"
    return (
        f"{held} may not act for {acting.user} ({role}): the till's token lacks the right, "
        f"not {acting.user}; {instead}"
    )
