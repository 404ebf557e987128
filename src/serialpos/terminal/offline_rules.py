"""What a store may forbid its terminals while their link to central is down (issue 16):
selling on only after a manager's PIN (store setting ``offline_requires_manager_pin``),
and selling nothing priced above a limit (chain setting ``offline_price_limit``). Both are
off by default.

Offline is the link as last found (terminal/link.py: a sync round, the console's worker or
``apply --push`` that got no answer), **or a till that has not heard from central for
longer than** :data:`~serialpos.terminal.link.HEARD_WITHIN` (a till that only runs ``apply``
without ``--push`` and never syncs: nothing it sells is checked by central, and it cannot
find the link down). A manager's PIN given while offline (:func:`allow_offline`) holds
until the link comes back (or central is heard again); it is audited on the terminal.

The link as last found can be minutes old: a sale made after the link dropped and before
anything noticed would escape both rules. So before a sale a rule would refuse offline, a
till that counts its link up asks central first (terminal/link_probe.py): no answer, and
the link is recorded down before the sale is checked. A ``heard_at`` after the till's clock
(the clock was set back since) says nothing of how long central has been quiet: it counts
as quiet, never as heard a moment ago.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import DomainError, PermissionDenied, UnknownProduct
from serialpos.domain.users import Permission
from serialpos.services import login_locks, products, users
from serialpos.services.settings import get_chain_settings, get_settings
from serialpos.terminal.link import HEARD_AT, HEARD_WITHIN, OFFLINE, ONLINE

#: Lines that sell to a customer.
SALES = frozenset({"sell", "order_create"})


class OfflineNeedsManager(DomainError):
    code = "offline_needs_manager"


class OverOfflineLimit(DomainError):
    code = "offline_price_limit"


#: The key :func:`would_refuse_offline` checks a sale with: a stretch offline starting now,
#: for which no manager's PIN can have been given yet.
_FROM_NOW = "\0from now"


def offline_since(conn: Connection) -> str | None:
    """None when the link counts as up; else a key naming this stretch offline (a PIN
    given for it holds until the key changes): the moment the link was found down, or,
    for a till central has not answered for :data:`HEARD_WITHIN` seconds, ``quiet since``
    the last answer (a new answer ends it). An answer recorded after the till's clock now
    (the clock was set back since) counts as quiet too: how long ago it was is unknown."""
    link = journal.get_state(conn, "link")
    if link == OFFLINE:
        return journal.get_state(conn, "link_since") or ""
    heard = journal.get_state(conn, HEARD_AT)
    if link == ONLINE and heard is None:
        heard = journal.get_state(conn, "link_since")  # a till from before heard_at
    if heard is None:
        return None  # never heard (a till from before heard_at, not yet synced)
    ago = utcnow() - datetime.fromisoformat(heard)
    if timedelta(0) <= ago <= timedelta(seconds=HEARD_WITHIN):
        return None
    return f"quiet since {heard}"


def _why(since: str) -> str:
    if since.startswith("quiet since "):
        heard = since.removeprefix("quiet since ")
        if datetime.fromisoformat(heard) > utcnow():
            return (
                f"central's last answer is recorded at {heard}, after this till's clock "
                "now (the clock was changed?), so how long central has been quiet is "
                "unknown: run 'serialpos sync'"
            )
        return (
            f"central has not answered this till since {heard} "
            f"(no sync for over {HEARD_WITHIN // 60} minutes: run 'serialpos sync')"
        )
    return "the link to central is down"


def check_sale(db: Database, data: Mapping[str, Any]) -> None:
    """Refuse a sale line the store's settings forbid while the link is down."""
    if data.get("op") not in SALES:
        return
    since, allowed = db.read(
        lambda conn: (offline_since(conn), journal.get_state(conn, "offline_allowed_since"))
    )
    if since is None:
        return
    refusal = _refusal(db, data, since, allowed)
    if refusal is not None:
        raise refusal


def would_refuse_offline(db: Database, data: Mapping[str, Any]) -> bool:
    """Whether :func:`check_sale` would refuse this sale line were the link found down now
    (a manager's PIN given for the stretch offline the till is in, if any, still holds)."""
    if data.get("op") not in SALES:
        return False
    since, allowed = db.read(
        lambda conn: (offline_since(conn), journal.get_state(conn, "offline_allowed_since"))
    )
    return _refusal(db, data, _FROM_NOW if since is None else since, allowed) is not None


def _refusal(
    db: Database, data: Mapping[str, Any], since: str, allowed: str | None
) -> DomainError | None:
    """The refusal of a sale line offline in the stretch ``since``, or None."""
    store = data.get("store")
    if not isinstance(store, str):
        return None  # the line is refused for that by the apply itself
    if get_settings(db, store).offline_requires_manager_pin and allowed != since:
        return OfflineNeedsManager(
            f"{_why(since)}, and store {store} sells offline only after a "
            "manager's PIN: 'serialpos --user MANAGER terminal allow-offline' (or the "
            "console's manager-PIN dialog)"
        )
    limit = get_chain_settings(db).offline_price_limit
    if not limit:
        return None
    for sku in _skus(data):
        try:
            price = products.get_product(db, sku).price
        except UnknownProduct:
            continue  # refused for that by the apply itself, with its own words
        if Decimal(price) > limit:
            return OverOfflineLimit(
                f"{_why(since)}: {sku} costs {price}, above the offline "
                f"limit of {limit}; sell it when central answers again"
            )
    return None


def _skus(data: Mapping[str, Any]) -> list[str]:
    """The products the line sells (a line removed before the order reached central, sent
    for its number only, sells nothing)."""
    if isinstance(data.get("sku"), str):
        return [data["sku"]]
    lines = data.get("lines")
    if isinstance(lines, list):
        return [
            x["sku"]
            for x in lines
            if isinstance(x, dict)
            and isinstance(x.get("sku"), str)
            and x.get("status") != "removed"
        ]
    return []


def allow_offline(db: Database, manager: str, pin: str, terminal: str) -> bool:
    """A manager's PIN lets this terminal sell on until the link is back. False when the
    link is not down (nothing to allow)."""
    actor = users.login(db, manager, pin, terminal)
    try:
        actor.require(Permission.ADJUST)  # what a manager may do and a cashier may not
    except PermissionDenied:
        raise PermissionDenied(
            f"{actor.user} is not a manager: a manager's PIN is needed"
        ) from None

    def work(conn: Connection) -> bool:
        since = offline_since(conn)
        if since is None:
            return False
        journal.set_state(conn, "offline_allowed_since", since)
        login_locks.audit(
            conn, utcnow(), actor.user, terminal, actor.user, "offline_allowed", "PIN given"
        )
        return True

    return db.write(work)
