"""PIN lockout: wrong PINs are counted per typed name (existing or not, so that a lock never
tells whether a name exists), and too many within the window lock that name for a while.

The counter lives in ``login_lock``; every failure, lock and unlock is also a ``user_audit``
row. Numbers come from the chain settings (:class:`~serialpos.domain.chain_settings`).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.user_tables import login_lock_t, user_audit_t
from serialpos.domain.chain_settings import ChainSettings
from serialpos.domain.errors import LoginLocked
from serialpos.domain.users import name_key


def audit(
    conn: Connection,
    at: datetime,
    actor: str,
    terminal: str,
    user: str,
    action: str,
    detail: str | None = None,
) -> None:
    """One row of the user audit: who (``actor``) did what (``action``) to ``user``."""
    conn.execute(
        sa.insert(user_audit_t).values(
            at=at,
            actor=actor[:32],
            terminal=terminal[:64],
            user_name=user[:64],
            action=action,
            detail=None if detail is None else detail[:200],
        )
    )


def locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return (
        f"sign-in for this name is locked for {minutes} more {unit} after too many wrong "
        "PINs; a manager can unlock it"
    )


def refuse_if_locked(conn: Connection, name: str, now: datetime) -> None:
    row = conn.execute(
        sa.select(login_lock_t.c.locked_until).where(login_lock_t.c.name_key == name_key(name)[:64])
    ).first()
    if row is not None and row.locked_until is not None and row.locked_until > now:
        raise LoginLocked(locked_message(row.locked_until, now))


def record_failure(
    conn: Connection, name: str, terminal: str, now: datetime, rules: ChainSettings
) -> datetime | None:
    """Count one wrong PIN for ``name``; returns the end of the lock when this one locks it."""
    key = name_key(name)[:64]
    lock = login_lock_t.c
    row = conn.execute(
        sa.select(lock.failures, lock.window_start, lock.locked_until).where(lock.name_key == key)
    ).first()
    window = timedelta(minutes=rules.login_window_minutes)
    if row is None:
        failures, start = 1, now
        conn.execute(sa.insert(login_lock_t).values(name_key=key, failures=1, window_start=now))
    else:
        fresh = row.window_start + window <= now or row.locked_until is not None
        failures, start = (1, now) if fresh else (row.failures + 1, row.window_start)
    until = (
        now + timedelta(minutes=rules.lockout_minutes) if failures >= rules.login_attempts else None
    )
    if row is not None or until is not None:
        conn.execute(
            sa.update(login_lock_t)
            .where(lock.name_key == key)
            .values(failures=0 if until else failures, window_start=start, locked_until=until)
        )
    shown = name.strip()
    audit(
        conn,
        now,
        shown,
        terminal,
        shown,
        "login_failed",
        f"wrong PIN {failures} of {rules.login_attempts} in {rules.login_window_minutes} minutes",
    )
    if until is not None:
        audit(
            conn,
            now,
            "system",
            terminal,
            shown,
            "locked",
            f"locked until {until:%Y-%m-%d %H:%M} UTC after {failures} wrong PINs",
        )
    return until


def clear(conn: Connection, name: str) -> bool:
    """Forget the wrong PINs and any lock for ``name``; True when it was locked."""
    key = name_key(name)[:64]
    row = conn.execute(
        sa.select(login_lock_t.c.locked_until).where(login_lock_t.c.name_key == key)
    ).first()
    conn.execute(sa.delete(login_lock_t).where(login_lock_t.c.name_key == key))
    return row is not None and row.locked_until is not None


def locked_until(conn: Connection, name: str, now: datetime) -> datetime | None:
    row = conn.execute(
        sa.select(login_lock_t.c.locked_until).where(login_lock_t.c.name_key == name_key(name)[:64])
    ).first()
    if row is None or row.locked_until is None or row.locked_until <= now:
        return None
    return row.locked_until  # type: ignore[no-any-return]
