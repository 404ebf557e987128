"""Changing users: enable, disable, PIN, role, stores, unlock; and showing one user with the
audit of every change made to them (who, when, what).

Admins manage users; managers (and admins) may lift a PIN lockout. The last enabled admin can
be neither disabled nor given another role, so a chain can never lock itself out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.db.user_tables import user_audit_t, user_store_t
from serialpos.domain.errors import BadValue, UnknownUser
from serialpos.domain.text import clip
from serialpos.domain.users import Permission, Role, check_pin, hash_pin
from serialpos.services import login_locks
from serialpos.services.context import Actor
from serialpos.services.users import UserInfo, UserRow, find_user, stores_of


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    terminal: str
    action: str
    detail: str | None


@dataclass(frozen=True)
class UserDetail:
    name: str
    role: Role
    active: bool
    #: Store codes the user may log in at; empty: every store.
    stores: tuple[str, ...]
    #: When the PIN lockout ends, if the user's sign-in is locked now.
    locked_until: datetime | None
    audit: tuple[AuditEntry, ...]


def _user(conn: Connection, name: str) -> UserRow:
    row = find_user(conn, name)
    if row is None:
        raise UnknownUser(f"there is no user '{clip(name.strip())}'")
    return row


def _refuse_last_admin(conn: Connection, user_id: int, what: str) -> None:
    u = repo.user_t.c
    others = conn.execute(
        sa.select(sa.func.count())
        .select_from(repo.user_t)
        .where(u.role == Role.ADMIN.value, u.active.is_(True), u.id != user_id)
    ).scalar_one()
    if not others:
        raise BadValue(
            f"cannot {what} the last enabled admin: make another admin first", code="last_admin"
        )


def set_active(db: Database, actor: Actor, name: str, active: bool) -> UserInfo:
    """Enable or disable a user; a disabled user can no longer log in or act."""
    actor.require(Permission.MANAGE_USERS)

    def work(conn: Connection) -> UserInfo:
        row = _user(conn, name)
        if not active and row.active and row.role == Role.ADMIN.value:
            _refuse_last_admin(conn, row.id, "disable")
        if bool(row.active) != active:
            conn.execute(
                sa.update(repo.user_t).where(repo.user_t.c.id == row.id).values(active=active)
            )
            login_locks.audit(
                conn,
                utcnow(),
                actor.user,
                actor.terminal,
                row.name,
                "enabled" if active else "disabled",
            )
        return UserInfo(row.name, Role(row.role), active)

    return db.write(work)


def set_pin(db: Database, actor: Actor, name: str, pin: str) -> None:
    """A new PIN for a user (a forgotten PIN); lifts any lockout. The PIN is never audited."""
    actor.require(Permission.MANAGE_USERS)
    check_pin(pin)
    pin_hash = hash_pin(pin)

    def work(conn: Connection) -> None:
        row = _user(conn, name)
        conn.execute(
            sa.update(repo.user_t).where(repo.user_t.c.id == row.id).values(pin_hash=pin_hash)
        )
        login_locks.clear(conn, row.name)
        login_locks.audit(conn, utcnow(), actor.user, actor.terminal, row.name, "pin_set")

    db.write(work)


def set_role(db: Database, actor: Actor, name: str, role: str) -> UserInfo:
    actor.require(Permission.MANAGE_USERS)
    parsed = Role.parse(role)

    def work(conn: Connection) -> UserInfo:
        row = _user(conn, name)
        if row.role == Role.ADMIN.value and parsed is not Role.ADMIN and row.active:
            _refuse_last_admin(conn, row.id, "change the role of")
        if row.role != parsed.value:
            conn.execute(
                sa.update(repo.user_t).where(repo.user_t.c.id == row.id).values(role=parsed.value)
            )
            login_locks.audit(
                conn,
                utcnow(),
                actor.user,
                actor.terminal,
                row.name,
                "role_set",
                f"{row.role} -> {parsed.value}",
            )
        return UserInfo(row.name, parsed, bool(row.active))

    return db.write(work)


def set_stores(db: Database, actor: Actor, name: str, codes: Sequence[str]) -> tuple[str, ...]:
    """The stores a user may log in at; no codes: every store."""
    actor.require(Permission.MANAGE_USERS)
    wanted = sorted({c.strip() for c in codes if c.strip()})

    def work(conn: Connection) -> tuple[str, ...]:
        row = _user(conn, name)
        ids = [repo.store_id(db, conn, code) for code in wanted]  # unknown code: refused
        before = stores_of(conn, row.id)
        if before == wanted:
            return tuple(wanted)
        conn.execute(sa.delete(user_store_t).where(user_store_t.c.user_id == row.id))
        for store_id in ids:
            conn.execute(sa.insert(user_store_t).values(user_id=row.id, store_id=store_id))
        login_locks.audit(
            conn,
            utcnow(),
            actor.user,
            actor.terminal,
            row.name,
            "stores_set",
            f"{_stores_text(before)} -> {_stores_text(wanted)}",
        )
        return tuple(wanted)

    return db.write(work)


def _stores_text(codes: Sequence[str]) -> str:
    return ", ".join(codes) if codes else "all stores"


def unlock(db: Database, actor: Actor, name: str) -> bool:
    """Lift a PIN lockout (managers and admins); True when the user was locked."""
    actor.require(Permission.UNLOCK_USERS)

    def work(conn: Connection) -> bool:
        row = _user(conn, name)
        was_locked = login_locks.clear(conn, row.name)
        if was_locked:
            login_locks.audit(conn, utcnow(), actor.user, actor.terminal, row.name, "unlocked")
        return was_locked

    return db.write(work)


def show_user(db: Database, name: str, *, audit_limit: int = 50) -> UserDetail:
    """One user, with the newest ``audit_limit`` audit rows first."""

    def work(conn: Connection) -> UserDetail:
        row = _user(conn, name)
        a = user_audit_t.c
        rows = conn.execute(
            sa.select(a.at, a.actor, a.terminal, a.action, a.detail)
            .where(sa.func.lower(a.user_name) == row.name.lower())
            .order_by(a.at.desc(), a.id.desc())
            .limit(audit_limit)
        )
        entries = tuple(AuditEntry(r.at, r.actor, r.terminal, r.action, r.detail) for r in rows)
        return UserDetail(
            row.name,
            Role(row.role),
            bool(row.active),
            tuple(stores_of(conn, row.id)),
            login_locks.locked_until(conn, row.name, utcnow()),
            entries,
        )

    return db.read(work)
