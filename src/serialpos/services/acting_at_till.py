"""Who acts through a store terminal's token, and who may resolve conflicts (issue 16).

A till's token belongs to one user; the person logged in at the till (the till checked the
PIN) acts through it, never with more rights than the token's user. Central checks it for
each push (services/entries.py) and each resolution sent from a till (``POST
/v1/conflicts/{id}/resolve``), and its refusals name what lacks the right (the person or the
till's token) and what to do instead, short enough for a handheld's message line.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from serialpos.db.engine import Database
from serialpos.domain.errors import PermissionDenied
from serialpos.domain.users import ROLE_PERMISSIONS, Permission
from serialpos.services.context import Actor

#: The act named by the refusals of a resolution.
RESOLVE_ACT = "resolve sync conflicts"


def require_manager(actor: Actor, act: str) -> None:
    """Resolving a conflict moves stock (or decides it stays moved): a manager's act, as
    adjusting stock is. The refusal names ``act``, not the stock adjustment behind it."""
    if Permission.ADJUST not in ROLE_PERMISSIONS[actor.role]:
        allowed = [r.value for r in ROLE_PERMISSIONS if Permission.ADJUST in ROLE_PERMISSIONS[r]]
        raise PermissionDenied(
            f"{actor.user} ({actor.role.value}) may not {act}; that needs the role "
            f"{' or '.join(allowed)}"
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
