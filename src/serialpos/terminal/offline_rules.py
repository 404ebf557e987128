"""What a store may forbid its terminals while their link to central is down (issue 16):
selling on only after a manager's PIN (store setting ``offline_requires_manager_pin``),
and selling nothing priced above a limit (chain setting ``offline_price_limit``). Both are
off by default.

Offline is the link as last found (terminal/link.py: a sync round, the console's worker or
``apply --push`` that got no answer), never a guess. A manager's PIN given while offline
(:func:`allow_offline`) holds until the link comes back; it is audited on the terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import DomainError, PermissionDenied
from serialpos.domain.users import Permission
from serialpos.services import login_locks, products, users
from serialpos.services.settings import get_chain_settings, get_settings
from serialpos.terminal.link import OFFLINE

#: Lines that sell to a customer.
SALES = frozenset({"sell", "order_create"})


class OfflineNeedsManager(DomainError):
    code = "offline_needs_manager"


class OverOfflineLimit(DomainError):
    code = "offline_price_limit"


def _offline_since(conn: Connection) -> str | None:
    if journal.get_state(conn, "link") != OFFLINE:
        return None
    return journal.get_state(conn, "link_since") or ""


def check_sale(db: Database, data: Mapping[str, Any]) -> None:
    """Refuse a sale line the store's settings forbid while the link is down."""
    if data.get("op") not in SALES:
        return
    since, allowed = db.read(
        lambda conn: (_offline_since(conn), journal.get_state(conn, "offline_allowed_since"))
    )
    if since is None:
        return
    store = data.get("store")
    if not isinstance(store, str):
        return  # the line is refused for that by the apply itself
    if get_settings(db, store).offline_requires_manager_pin and allowed != since:
        raise OfflineNeedsManager(
            f"the link to central is down, and store {store} sells offline only after a "
            "manager's PIN: 'serialpos --user MANAGER terminal allow-offline' (or the "
            "console's manager-PIN dialog)"
        )
    limit = get_chain_settings(db).offline_price_limit
    if not limit:
        return
    for sku in _skus(data):
        price = products.get_product(db, sku).price
        if Decimal(price) > limit:
            raise OverOfflineLimit(
                f"the link to central is down: {sku} costs {price}, above the offline "
                f"limit of {limit}; sell it when central answers again"
            )


def _skus(data: Mapping[str, Any]) -> list[str]:
    if isinstance(data.get("sku"), str):
        return [data["sku"]]
    lines = data.get("lines")
    if isinstance(lines, list):
        return [x["sku"] for x in lines if isinstance(x, dict) and isinstance(x.get("sku"), str)]
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
        since = _offline_since(conn)
        if since is None:
            return False
        journal.set_state(conn, "offline_allowed_since", since)
        login_locks.audit(
            conn, utcnow(), actor.user, terminal, actor.user, "offline_allowed", "PIN given"
        )
        return True

    return db.write(work)
