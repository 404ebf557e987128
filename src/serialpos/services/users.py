"""Users: add, list, log in by PIN, and resolve who acts on the command line.

Names are compared regardless of case (``Ada`` is ``ada``; the name is shown as first
written). A disabled user cannot log in nor act through ``--user`` or a token:
:func:`require_active` is the one check every entry point makes. Changes to users live in
:mod:`serialpos.services.user_admin`; the PIN lockout in :mod:`serialpos.services.login_locks`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.prepared import Prepared
from serialpos.db.tables import utcnow
from serialpos.db.user_tables import user_store_t
from serialpos.domain.errors import (
    BadPin,
    BadValue,
    LoginLocked,
    PermissionDenied,
    UnknownUser,
    UserDisabled,
)
from serialpos.domain.text import clip
from serialpos.domain.users import (
    Permission,
    Role,
    check_pin,
    check_user_name,
    hash_pin,
    name_key,
    verify_pin,
)
from serialpos.services import login_locks
from serialpos.services.context import Actor
from serialpos.services.settings import chain_settings_in


class UserRow(NamedTuple):
    """A user as stored (with the PIN hash: never leaves the services)."""

    id: int
    name: str
    role: str
    pin_hash: str
    active: bool


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: Role
    active: bool


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown, so that a wrong name costs the same time as
    a wrong PIN (the time taken must not tell whether a name exists)."""
    return hash_pin("0000")


def has_users(db: Database) -> bool:
    return db.read(lambda c: c.execute(sa.select(repo.user_t.c.id).limit(1)).first() is not None)


def add_user(db: Database, actor: Actor | None, name: str, role: str, pin: str) -> UserInfo:
    """Add a user. ``actor`` may be None only while the database has no users at all: the
    first user of a new database sets up the rest."""
    name = check_user_name(name)
    parsed_role = Role.parse(role)
    check_pin(pin)
    if actor is not None:
        actor.require(Permission.MANAGE_USERS)
    pin_hash = hash_pin(pin)  # slow on purpose: outside the transaction

    def work(conn: Connection) -> UserInfo:
        if actor is None and conn.execute(sa.select(repo.user_t.c.id).limit(1)).first():
            raise PermissionDenied(
                "the database already has users: name an admin with --user to add another"
            )
        u = repo.user_t.c
        taken = conn.execute(sa.select(u.name).where(u.name_key == name_key(name))).first()
        if taken is not None:
            same = "" if taken.name == name else f" (as {taken.name}: names ignore case)"
            raise BadValue(f"user {name} already exists{same}", code="duplicate_user")
        conn.execute(
            sa.insert(repo.user_t).values(
                name=name,
                name_key=name_key(name),
                role=parsed_role.value,
                pin_hash=pin_hash,
                active=True,
            )
        )
        who = actor or Actor("system", Role.ADMIN, "system")
        login_locks.audit(
            conn, utcnow(), who.user, who.terminal, name, "added", f"role {parsed_role.value}"
        )
        return UserInfo(name, parsed_role, True)

    return db.write(work)


def list_users(db: Database) -> list[UserInfo]:
    def work(conn: Connection) -> list[UserInfo]:
        u = repo.user_t.c
        rows = conn.execute(sa.select(u.name, u.role, u.active).order_by(u.name_key))
        return [UserInfo(n, Role(r), bool(a)) for n, r, a in rows]

    return db.read(work)


def find_user(conn: Connection, name: str) -> UserRow | None:
    """The user called ``name`` in any case, enabled or not."""
    row = _FIND_USER.first(conn, {"name_key": name_key(name)})
    return (
        None if row is None else UserRow(row.id, row.name, row.role, row.pin_hash, bool(row.active))
    )


_u = repo.user_t.c
#: Built once and run prepared: every push of a store terminal reads its cashier.
_FIND_USER = Prepared(
    sa.select(_u.id, _u.name, _u.role, _u.pin_hash, _u.active).where(
        _u.name_key == sa.bindparam("name_key")
    )
)


def _active(conn: Connection, name: str) -> UserRow:
    row = find_user(conn, name)
    if row is None:
        raise UnknownUser(f"there is no user '{clip(name.strip())}'")
    if not row.active:
        raise UserDisabled(f"user {row.name} is disabled; an admin can enable it again")
    return row


def require_active(db: Database | Connection, name: str, terminal: str = "api") -> Actor:
    """The actor for ``name`` if that user exists and is enabled, else :class:`UnknownUser` or
    :class:`UserDisabled` (one clear sentence each). Every way of acting (``--user``, a token,
    the console) goes through here or :func:`login`. Takes a database or an open connection."""
    if isinstance(db, Database):
        row = db.read(lambda conn: _active(conn, name))
    else:
        row = _active(db, name)
    return Actor(user=row.name, role=Role(row.role), terminal=terminal)


def actor_for(db: Database, name: str, terminal: str) -> Actor:
    """The actor named on the command line (an SSH login is the authentication there)."""
    return require_active(db, name, terminal)


def login(
    db: Database,
    name: str,
    pin: str,
    terminal: str,
    store: str | None = None,
    *,
    now: datetime | None = None,
) -> Actor:
    """Check a user's PIN at the console (and, when ``store`` is given, that the user may work
    there). The message never says whether the name or the PIN was wrong; too many wrong PINs
    for one name lock it (:mod:`login_locks`), whether the name exists or not."""
    at = now or utcnow()
    row = db.read(lambda conn: _login_row(conn, name, at))
    if not verify_pin(pin, _dummy_hash() if row is None else row.pin_hash) or row is None:
        locked = db.write(
            lambda conn: login_locks.record_failure(
                conn, name, terminal, at, chain_settings_in(conn)
            )
        )
        if locked is not None:
            raise LoginLocked(login_locks.locked_message(locked, at))
        raise BadPin("unknown user or wrong PIN")
    if not row.active:
        raise UserDisabled(f"user {row.name} is disabled; an admin can enable it again")

    def work(conn: Connection) -> None:
        if store is not None:
            allowed = stores_of(conn, row.id)
            if allowed and store not in allowed:
                raise PermissionDenied(
                    f"{row.name} may not log in at store {clip(store)}; "
                    f"only at {', '.join(allowed)}"
                )
        login_locks.clear(conn, row.name)
        login_locks.audit(
            conn,
            at,
            row.name,
            terminal,
            row.name,
            "logged_in",
            None if store is None else f"at store {store}",
        )

    db.write(work)
    return Actor(user=row.name, role=Role(row.role), terminal=terminal)


def _login_row(conn: Connection, name: str, at: datetime) -> UserRow | None:
    login_locks.refuse_if_locked(conn, name, at)
    return find_user(conn, name)


def stores_of(conn: Connection, user_id: int) -> list[str]:
    """The store codes a user may log in at; empty: every store."""
    rows = conn.execute(
        sa.select(repo.store_t.c.code)
        .join(user_store_t, user_store_t.c.store_id == repo.store_t.c.id)
        .where(user_store_t.c.user_id == user_id)
        .order_by(repo.store_t.c.code)
    )
    return [code for (code,) in rows]
