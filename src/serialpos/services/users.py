"""Users: add, list, log in by PIN, and resolve who acts on the command line."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadPin, BadValue, PermissionDenied, UnknownUser
from serialpos.domain.text import clip
from serialpos.domain.users import (
    Permission,
    Role,
    check_pin,
    check_user_name,
    hash_pin,
    verify_pin,
)
from serialpos.services.context import Actor


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: Role
    active: bool


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
        taken = conn.execute(sa.select(repo.user_t.c.id).where(repo.user_t.c.name == name))
        if taken.first() is not None:
            raise BadValue(f"user {name} already exists", code="duplicate_user")
        conn.execute(sa.insert(repo.user_t).values(name=name, role=parsed_role.value,
                                                   pin_hash=pin_hash, active=True))
        return UserInfo(name, parsed_role, True)

    return db.write(work)


def list_users(db: Database) -> list[UserInfo]:
    def work(conn: Connection) -> list[UserInfo]:
        u = repo.user_t.c
        rows = conn.execute(sa.select(u.name, u.role, u.active).order_by(u.name))
        return [UserInfo(n, Role(r), bool(a)) for n, r, a in rows]

    return db.read(work)


def _find(conn: Connection, name: str) -> sa.Row[tuple[str, str, str, bool]]:
    u = repo.user_t.c
    row = conn.execute(
        sa.select(u.name, u.role, u.pin_hash, u.active).where(u.name == name.strip())
    ).first()
    if row is None or not row.active:
        raise UnknownUser(f"there is no user '{clip(name.strip())}'")
    return row


def actor_for(db: Database, name: str, terminal: str) -> Actor:
    """The actor named on the command line (an SSH login is the authentication there)."""
    row = db.read(lambda conn: _find(conn, name))
    return Actor(user=row.name, role=Role(row.role), terminal=terminal)


def login(db: Database, name: str, pin: str, terminal: str) -> Actor:
    """Check a user's PIN at the console. The message does not say which of the two was wrong."""
    try:
        row = db.read(lambda conn: _find(conn, name))
    except UnknownUser:
        raise BadPin("unknown user or wrong PIN") from None
    if not verify_pin(pin, row.pin_hash):
        raise BadPin("unknown user or wrong PIN")
    return Actor(user=row.name, role=Role(row.role), terminal=terminal)
