"""Units leased to a store terminal (issue 16, item 5): taken at central while the terminal is
online, so its offline sales of them cannot conflict.

A terminal's token (bound to its terminal and store by the snapshot) leases units of its own
store for its own terminal only: a list of serials, or N units of a SKU picked from the
store's stock. A lease holds until it is released, until it expires (``minutes``, at most
three days: a terminal that never comes back does not keep units forever), or until the
holder moves the unit. Every other actor's move of a leased unit is refused by the ledger
(services/lease_guard.py). A manager's token not bound to a terminal may list and release
any terminal's leases (a till lost or broken), but leases for no one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql, lease_sql, repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Leased,
    NotInStock,
    PermissionDenied,
)
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services.context import Actor

#: How long a lease holds unless asked otherwise, and the most it may.
DEFAULT_MINUTES = 12 * 60
MAX_MINUTES = 3 * 24 * 60
#: Units one request may lease.
MAX_UNITS = 500


class NotATerminal(DomainError):
    code = "terminal_not_linked"


def _terminal_of(db: Database, actor: Actor) -> tuple[str, str] | None:
    """(terminal id, store) the token belongs to, or None for a token of no terminal."""
    return db.read(lambda conn: conflict_sql.link_of(conn, actor.terminal))


def _own_terminal(db: Database, actor: Actor, asked: str | None) -> tuple[str, str]:
    link = _terminal_of(db, actor)
    if link is None:
        raise NotATerminal(
            f"the token {actor.terminal} belongs to no store terminal: a lease is taken by "
            "the terminal that will sell the units, with its own token"
        )
    if asked is not None and asked != link[0]:
        raise PermissionDenied(
            f"this token belongs to terminal {link[0]} of store {link[1]}; it may not lease "
            f"or release for terminal {clip(asked)}"
        )
    return link


def _minutes(minutes: int | None) -> int:
    if minutes is None:
        return DEFAULT_MINUTES
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        raise BadRequest(f"'minutes' must be a whole number from 1 to {MAX_MINUTES}")
    return minutes


def _serial_list(serials: Sequence[str] | None) -> list[str] | None:
    if serials is None:
        return None
    if (
        not isinstance(serials, list | tuple)
        or not serials
        or len(serials) > MAX_UNITS
        or not all(isinstance(s, str) and 0 < len(s) <= 64 for s in serials)
    ):
        raise BadRequest(f"'serials' must be a list of 1 to {MAX_UNITS} serials (text)")
    return list(dict.fromkeys(serials))


def take(
    db: Database,
    actor: Actor,
    *,
    serials: Sequence[str] | None = None,
    sku: str | None = None,
    count: int | None = None,
    minutes: int | None = None,
    terminal: str | None = None,
) -> dict[str, Any]:
    """Lease units to the token's terminal: ``serials`` (all or none: each must be in stock at
    the store and held by no other terminal; one this terminal holds is renewed), or
    ``count`` units of ``sku`` in stock and free (as many as there are, up to ``count``).
    The answer lists the leases the terminal holds now and how many units were short."""
    actor.require(Permission.SELL)
    terminal_id, store = _own_terminal(db, actor, terminal)
    wanted = _serial_list(serials)
    if wanted is None:
        if not isinstance(sku, str) or not sku:
            raise BadRequest("give 'serials', or 'sku' and 'count'")
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_UNITS:
            raise BadRequest(f"'count' must be a whole number from 1 to {MAX_UNITS}")
    elif count is not None:
        raise BadRequest("give 'serials' or 'count', not both")
    span = timedelta(minutes=_minutes(minutes))

    def work(conn: Connection) -> dict[str, Any]:
        now = utcnow()
        lease_sql.clear_expired(conn, now)
        here = repo.store_id(db, conn, store)
        taken = (
            _take_serials(conn, here, store, terminal_id, actor.user, wanted, sku, now, span)
            if wanted is not None
            else _take_count(
                conn, here, terminal_id, actor.user, str(sku), int(count or 0), now, span
            )
        )
        held = lease_sql.leases(conn, now, terminal=terminal_id)
        asked = len(wanted) if wanted is not None else int(count or 0)
        return {
            "terminal": terminal_id,
            "store": store,
            "taken": taken,
            "short": asked - taken,
            "leases": [lease.to_json() for lease in held],
        }

    return db.write(work)


def _take_serials(
    conn: Connection,
    here: int,
    store: str,
    terminal: str,
    user: str,
    serials: list[str],
    sku: str | None,
    now: datetime,
    span: timedelta,
) -> int:
    found = lease_sql.units_in_stock(conn, here, serials=serials, sku=sku)
    by_serial: dict[str, list[tuple[repo.UnitRow, str]]] = {}
    for unit, serial, unit_sku in found:
        by_serial.setdefault(serial, []).append((unit, unit_sku))
    for serial in serials:
        units = by_serial.get(serial, [])
        if not units:
            raise NotInStock(f"serial {clip(serial)} is not known here: nothing was leased")
        if len(units) > 1:
            raise BadRequest(
                f"serial {clip(serial)} belongs to more than one product: name the 'sku'"
            )
        unit, unit_sku = units[0]
        if unit.store_id != here or unit.state != "in_stock" or unit.reserved_line is not None:
            raise NotInStock(
                f"serial {clip(serial)} of {unit_sku} is not free in stock at {store} "
                f"(it is {unit.state.replace('_', ' ')}): nothing was leased"
            )
        _lease_unit(conn, unit, here, terminal, user, serial, unit_sku, now, span)
    return len(serials)


def _take_count(
    conn: Connection,
    here: int,
    terminal: str,
    user: str,
    sku: str,
    count: int,
    now: datetime,
    span: timedelta,
) -> int:
    repo_product = conn.execute(repo.product_t.select().where(repo.product_t.c.sku == sku)).first()
    if repo_product is None:
        raise BadRequest(f"there is no product '{clip(sku)}'")
    held = {lease.serial for lease in lease_sql.leases(conn, now, sku=sku)}
    taken = 0
    for unit, serial, unit_sku in lease_sql.units_in_stock(conn, here, sku=sku):
        if taken == count:
            break
        if serial in held or unit.reserved_line is not None:
            continue
        if _lease_unit(conn, unit, here, terminal, user, serial, unit_sku, now, span, quiet=True):
            taken += 1
    return taken


def _lease_unit(
    conn: Connection,
    unit: repo.UnitRow,
    here: int,
    terminal: str,
    user: str,
    serial: str,
    sku: str,
    now: datetime,
    span: timedelta,
    *,
    quiet: bool = False,
) -> bool:
    """Lease one unit read as in stock; False (``quiet``) or a refusal when it is not free."""
    found = lease_sql.holder(conn, unit.id)
    if found is not None:
        lease_id, holder, expires_at = found
        if holder != terminal and expires_at > now:
            if quiet:
                return False
            raise Leased(
                f"serial {serial} of {sku} is leased to terminal {holder} until "
                f"{expires_at.isoformat(timespec='minutes')} UTC: nothing was leased"
            )
        if holder == terminal:
            lease_sql.renew(conn, lease_id, now + span)
            return True
        lease_sql.delete(conn, lease_id)
    if not lease_sql.hold_unit(conn, unit, here):
        if quiet:
            return False
        raise Conflict(
            f"serial {serial} of {sku} was changed by another terminal at the same moment: "
            "nothing was leased; try again"
        )
    lease_sql.add(
        conn,
        unit_id=unit.id,
        store_id=here,
        terminal=terminal,
        user=user,
        now=now,
        expires_at=now + span,
    )
    return True


def release(
    db: Database,
    actor: Actor,
    *,
    serials: Sequence[str] | None = None,
    sku: str | None = None,
    terminal: str | None = None,
) -> dict[str, Any]:
    """End leases: ``serials`` (each must be held, by the token's terminal when the token is
    a terminal's), or every lease of the terminal. A token of no terminal must be a
    manager's, and names ``terminal`` or ``serials``."""
    wanted = _serial_list(serials)
    link = _terminal_of(db, actor)
    if link is not None:
        owner: str | None = _own_terminal(db, actor, terminal)[0]
    else:
        actor.require(Permission.ADJUST)
        if terminal is None and wanted is None:
            raise BadRequest("name the 'terminal' whose leases end, or the 'serials'")
        owner = terminal

    def work(conn: Connection) -> dict[str, Any]:
        now = utcnow()
        found = lease_sql.leases(conn, now, terminal=owner, serials=wanted, sku=sku)
        if wanted is not None:
            held = {lease.serial for lease in found}
            missing = [s for s in wanted if s not in held]
            if missing:
                whose = f"terminal {owner}" if owner else "any terminal"
                raise BadRequest(
                    f"serial {clip(missing[0])} is not leased to {whose}: nothing was released"
                )
        released = lease_sql.delete_ids(conn, [lease.id for lease in found])
        return {"released": released, "serials": [lease.serial for lease in found]}

    return db.write(work)


def listed(db: Database, actor: Actor, terminal: str | None = None) -> list[dict[str, Any]]:
    """Leases in force: a terminal's token sees its own; a manager's any terminal's."""
    link = _terminal_of(db, actor)
    if link is not None:
        terminal = _own_terminal(db, actor, terminal)[0]
    else:
        actor.require(Permission.ADJUST)
    now = utcnow()
    return [
        lease.to_json() for lease in db.read(lambda c: lease_sql.leases(c, now, terminal=terminal))
    ]
