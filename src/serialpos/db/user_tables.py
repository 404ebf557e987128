"""Tables of user administration: the audit of changes to users, the stores a user may log in
at (none: all), and the PIN lockout counters (keyed by the typed name, so that a name that does
not exist locks exactly like one that does)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from serialpos.db.tables import utcnow


class UserAudit(SQLModel, table=True):
    """Who changed which user, when, and how; also failed logins, lockouts and unlocks."""

    __tablename__ = "user_audit"
    __table_args__ = (sa.Index("ix_user_audit_user_name", "user_name", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    actor: str = Field(max_length=32)
    terminal: str = Field(max_length=64)
    user_name: str = Field(max_length=64)
    action: str = Field(max_length=24)
    detail: str | None = Field(default=None, max_length=200)


class UserStore(SQLModel, table=True):
    __tablename__ = "user_store"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    store_id: int = Field(foreign_key="store.id", primary_key=True)


class LoginLock(SQLModel, table=True):
    """Wrong PINs counted since ``window_start``; a lock holds until ``locked_until``."""

    __tablename__ = "login_lock"

    name_key: str = Field(primary_key=True, max_length=64)
    failures: int = Field(default=0)
    window_start: datetime = Field(sa_type=sa.DateTime())
    locked_until: datetime | None = Field(default=None, sa_type=sa.DateTime())


user_audit_t = UserAudit.__table__  # type: ignore[attr-defined]
user_store_t = UserStore.__table__  # type: ignore[attr-defined]
login_lock_t = LoginLock.__table__  # type: ignore[attr-defined]
