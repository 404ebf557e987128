"""``serialpos terminal lease|leases|release``: units this terminal holds (issue 16, item 5).

Leases are taken and released at central, online only (services/leases.py); after each, the
terminal copies central's list of what it holds into its own database (``unit_lease``), so
``terminal status`` shows it offline. The copy is refreshed by these commands, not by the
sync: a lease a manager released at central, or one that expired, shows here until the next
``terminal leases`` (an expired one is not counted). The copy decides nothing locally: the
terminal is the only one selling on its own database; central's guard is what keeps other
tills off the units.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import lease_sql
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.terminal.client import CentralClient


def _keep(db: Database, chain: ChainConfig, rows: list[dict[str, Any]]) -> int:
    return db.write(lambda conn: lease_sql.replace_terminal(conn, chain.terminal, rows))


def refresh(db: Database, chain: ChainConfig, client: CentralClient) -> list[dict[str, Any]]:
    """Central's list of this terminal's leases, copied here."""
    rows: list[dict[str, Any]] = client.get_json("/v1/leases", terminal=chain.terminal)["leases"]
    _keep(db, chain, rows)
    return rows


def take(
    db: Database,
    chain: ChainConfig,
    client: CentralClient,
    items: list[str],
    *,
    count: int | None = None,
    minutes: int | None = None,
) -> dict[str, Any]:
    """Lease ``items``: serials, or with ``count`` one SKU (``items`` = [SKU])."""
    body: dict[str, Any] = {"terminal": chain.terminal}
    if count is not None:
        body |= {"sku": items[0], "count": count}
    else:
        body["serials"] = items
    if minutes is not None:
        body["minutes"] = minutes
    answer: dict[str, Any] = client.post_json("/v1/leases", body)
    _keep(db, chain, answer["leases"])
    return answer


def release(
    db: Database, chain: ChainConfig, client: CentralClient, serials: list[str]
) -> dict[str, Any]:
    """End these leases (every one of this terminal's when ``serials`` is empty)."""
    if serials:
        released = 0
        for serial in serials:
            answer = client.delete_json(
                f"/v1/leases/{quote(serial, safe='')}", terminal=chain.terminal
            )
            released += int(answer["released"])
    else:
        released = int(client.delete_json("/v1/leases", terminal=chain.terminal)["released"])
    held = refresh(db, chain, client)
    return {"released": released, "leases": held}


def held(db: Database, chain: ChainConfig) -> list[dict[str, Any]]:
    """This terminal's leases as last copied from central, those not expired."""

    def read(conn: Connection) -> list[dict[str, Any]]:
        return [x.to_json() for x in lease_sql.leases(conn, utcnow(), terminal=chain.terminal)]

    return db.read(read)
