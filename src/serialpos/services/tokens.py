"""API tokens for ``serialpos serve``: created for a user, shown once, kept as a hash.

A token is 256 random bits, so a plain sha256 of it is enough to keep (a slow hash protects
guessable secrets such as PINs; nothing guesses 256 bits), and it lets every request find its
token with one indexed read. Nothing is cached: a revoked or expired token, or a user taken
off (``app_user.active`` false), is refused on the very next request. A request whose work is
one transaction (a store terminal's push, its pull of the feed) reads its token inside that
transaction (:class:`Bearer`) instead of in one of its own.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.integration_tables import ApiToken
from serialpos.db.prepared import Prepared
from serialpos.db.tables import utcnow
from serialpos.domain.errors import BadValue, DomainError, UnknownUser
from serialpos.domain.text import clip, has_control_chars
from serialpos.domain.users import Permission, Role, name_key
from serialpos.services.context import Actor

token_t: sa.Table = ApiToken.__table__  # type: ignore[attr-defined]
token_c, user_c = token_t.c, repo.user_t.c

PREFIX = "spt_"
#: The start of the terminal a token's actor acts at: ``api:<token name>``.
TERMINAL_PREFIX = "api:"
MAX_NAME = 64


class Unauthorized(DomainError):
    """No token, or one that is unknown, expired, revoked, or whose user may no longer act."""

    code = "unauthorized"


@dataclass(frozen=True)
class TokenInfo:
    name: str
    user: str
    role: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= utcnow():
            return "expired"
        return "active"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or has_control_chars(name) or " " in name:
        raise BadValue(
            f"token name '{clip(name)}' must be 1-{MAX_NAME} characters with no "
            "spaces or control characters"
        )
    return name


def create_token(
    db: Database,
    actor: Actor,
    user: str,
    name: str | None = None,
    expires: date | None = None,
    today: date | None = None,
) -> tuple[str, TokenInfo]:
    """A new token acting as ``user``; valid through the end of ``expires`` (UTC), or until
    revoked. Returns the token (shown once, never stored) and its record."""
    actor.require(Permission.MANAGE_USERS)
    if expires is not None and expires < (today or datetime.now(UTC).date()):
        raise BadValue(f"--expires {expires} is in the past")
    token_name = (
        _check_name(name) if name is not None else f"{user.strip()[:32]}-{secrets.token_hex(4)}"
    )
    secret = PREFIX + secrets.token_urlsafe(32)
    expires_at = None if expires is None else datetime.combine(expires + timedelta(days=1), time())

    def work(conn: Connection) -> TokenInfo:
        row = conn.execute(
            sa.select(user_c.id, user_c.name, user_c.role, user_c.active).where(
                user_c.name_key == name_key(user)
            )
        ).first()  # any case
        if row is None or not row.active:
            raise UnknownUser(f"there is no user '{clip(user.strip())}'")
        if (
            conn.execute(sa.select(token_c.id).where(token_c.name == token_name)).first()
            is not None
        ):
            raise BadValue(f"a token named {token_name} already exists", code="duplicate_token")
        now = utcnow()
        conn.execute(
            token_t.insert().values(
                name=token_name,
                user_id=row.id,
                secret_sha256=_digest(secret),
                created_by=actor.user,
                created_at=now,
                expires_at=expires_at,
            )
        )
        return TokenInfo(token_name, row.name, row.role, actor.user, now, expires_at, None)

    return secret, db.write(work)


_LIST = (
    sa.select(
        token_c.name,
        user_c.name.label("user"),
        user_c.role,
        token_c.created_by,
        token_c.created_at,
        token_c.expires_at,
        token_c.revoked_at,
    )
    .join(repo.user_t, user_c.id == token_c.user_id)
    .order_by(token_c.name)
)


def list_tokens(db: Database, actor: Actor) -> list[TokenInfo]:
    actor.require(Permission.MANAGE_USERS)
    return db.read(lambda conn: [TokenInfo(*row) for row in conn.execute(_LIST)])


def revoke_token(db: Database, actor: Actor, name: str) -> TokenInfo:
    """Revoke a token by name: refused from the next request on. Revoking twice is no error."""
    actor.require(Permission.MANAGE_USERS)

    def work(conn: Connection) -> TokenInfo:
        conn.execute(
            token_t.update()
            .where(token_c.name == name.strip(), token_c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        row = conn.execute(_LIST.where(token_c.name == name.strip())).first()
        if row is None:
            raise BadValue(f"there is no token named '{clip(name.strip())}'", code="unknown_token")
        return TokenInfo(*row)

    return db.write(work)


_AUTH = (
    sa.select(
        token_c.name,
        token_c.expires_at,
        token_c.revoked_at,
        user_c.name.label("user"),
        user_c.role,
        user_c.active,
    )
    .join(repo.user_t, user_c.id == token_c.user_id)
    .where(token_c.secret_sha256 == sa.bindparam("digest"))
)
#: Run prepared: every request of a store terminal (each push, each pull) reads its token.
_AUTH_RUN = Prepared(_AUTH)


def user_may_act(active: bool) -> bool:
    """The hook that says whether a token's user may still act: today the user's ``active``
    flag (the console refuses an inactive user the same way)."""
    return bool(active)


def authenticate(db: Database, token: str) -> Actor:
    """The actor a bearer token acts as, its terminal being ``api:<token name>``."""
    _check_form(token)
    return db.read(lambda conn: authenticate_in(conn, token))


def _check_form(token: str) -> None:
    if not token.startswith(PREFIX) or len(token) > 200:
        raise Unauthorized("the token is not a serialpos token")


def authenticate_in(conn: Connection, token: str) -> Actor:
    """:func:`authenticate` inside an open transaction."""
    _check_form(token)
    row = _AUTH_RUN.first(conn, {"digest": _digest(token)})
    if row is None:
        raise Unauthorized("the token is unknown")
    if row.revoked_at is not None:
        raise Unauthorized(f"token {row.name} was revoked", code="token_revoked")
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise Unauthorized(f"token {row.name} has expired", code="token_expired")
    if not user_may_act(row.active):
        raise Unauthorized(f"user {row.user} may no longer act", code="user_disabled")
    return Actor(user=row.user, role=Role(row.role), terminal=f"{TERMINAL_PREFIX}{row.name}"[:64])


class Bearer:
    """A request's bearer token, checked once per request: inside the first transaction
    that needs its actor (:meth:`actor_in`), so a store terminal's push or pull pays no
    transaction of its own for the check, or alone (:meth:`actor`). Never kept beyond the
    request: the next request reads the token again, so a revoked token is refused at once.
    """

    def __init__(self, db: Database, token: str) -> None:
        _check_form(token)  # a malformed token costs no database read
        self.db = db
        self.token = token
        self._actor: Actor | None = None

    def actor_in(self, conn: Connection) -> Actor:
        """The token's actor, read in ``conn``'s transaction the first time."""
        if self._actor is None:
            self._actor = authenticate_in(conn, self.token)
        return self._actor

    def actor(self) -> Actor:
        """The token's actor, read in a transaction of its own the first time."""
        if self._actor is None:
            self._actor = authenticate(self.db, self.token)
        return self._actor


def actor_in(conn: Connection, who: Actor | Bearer) -> Actor:
    """``who`` itself when it is an actor already; a bearer's actor, checked in ``conn``."""
    return who if isinstance(who, Actor) else who.actor_in(conn)
