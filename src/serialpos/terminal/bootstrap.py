"""``serialpos terminal init``: a new store terminal, from central's snapshot.

Asks central for the store's snapshot (which also binds the token to this terminal), loads
it into a new local SQLite database, and writes the terminal's config (``[database]`` the
local file, ``[terminal]`` and ``[chain]``). Each unit is loaded with one event saying where
it came from (action ``snapshot``; ``expect`` on its ASN line for a unit an open ASN
announced), so the local ledger folds to the local state and ``db check`` holds from the
start. The store's open documents (ASNs, transfers in transit to it, open counts) are loaded
with their ids, so they are received or counted offline as at central.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import journal, migrate, mirror_sql, repo, snapshot_sql
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import BadRequest
from serialpos.domain.states import UnitState, on_hand_delta
from serialpos.services import customer_sync
from serialpos.services.customer_sync import next_since
from serialpos.terminal import feed_memory
from serialpos.terminal.client import CentralClient
from serialpos.terminal.customers import CUSTOMERS_SINCE


def new_terminal_id(store: str) -> str:
    return f"{store}-{uuid.uuid4().hex[:8]}"


def _toml(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def config_text(*, server: str, token: str, store: str, terminal: str, db_path: Path) -> str:
    return (
        "# Written by `serialpos terminal init`: a store terminal of a chain.\n"
        f"[database]\nurl = {_toml(f'sqlite:///{db_path}')}\n\n"
        f"[terminal]\nid = {_toml(terminal)}\nstore = {_toml(store)}\n\n"
        f"[chain]\nserver = {_toml(server)}\ntoken = {_toml(token)}\n"
        f"store = {_toml(store)}\nterminal = {_toml(terminal)}\n"
    )


def load(db: Database, snap: dict[str, Any]) -> int:
    """Load a snapshot into an empty, migrated database; the number of units loaded."""
    store = snap["store"]

    def work(conn: Connection) -> int:
        if not snapshot_sql.is_empty(conn):
            raise BadRequest(
                "the terminal database already holds data: give a new --db "
                "file (or delete this one) to start the terminal again"
            )
        for name, table in snapshot_sql.WHOLE_TABLES.items():
            snapshot_sql.insert_rows(conn, table, snap[name])
        for name, table in snapshot_sql.DOCUMENT_TABLES.items():
            snapshot_sql.insert_rows(conn, table, snap.get(name) or [])  # older central: none
        here = mirror_sql.store_ids(conn)[store]
        now = utcnow()
        on_hand: dict[int, int] = {}
        for unit in snap["units"]:
            unit_id = mirror_sql.put_unit(
                conn,
                None,
                product_id=unit["product_id"],
                serial=unit["serial"],
                state=unit["state"],
                store_id=here,
                now=now,
            )
            delta = on_hand_delta(None, UnitState(unit["state"]))
            on_hand[unit["product_id"]] = on_hand.get(unit["product_id"], 0) + delta
            event = _event(
                now,
                here,
                unit["product_id"],
                unit_id=unit_id,
                serial=unit["serial"],
                to_state=unit["state"],
                quantity=delta,
            )
            if unit.get("asn") is not None:
                # announced by an open ASN: its expect event is how the ASN lists it
                event |= {
                    "action": "expect",
                    "document_type": "asn",
                    "document_id": unit["asn"],
                    "document_line": unit.get("asn_line"),
                }
            elif unit.get("order") is not None:
                # reserved by an order of central's, which the terminal does not hold: its
                # event names the order, so `db check` says where it is held
                event |= {
                    "document_type": "order",
                    "document_id": unit["order"],
                    "document_line": None
                    if unit.get("order_line") is None
                    else str(unit["order_line"]),
                }
            repo.add_events(conn, [event])
        quantities = {level["product_id"]: int(level["quantity"]) for level in snap["stock"]}
        for pid in sorted(set(quantities) | set(on_hand)):
            # Central's quantity is the truth; an event for what the units do not explain
            # (products without serials) keeps the local events adding up to it.
            rest = quantities.get(pid, 0) - on_hand.get(pid, 0)
            if rest:
                repo.add_events(conn, [_event(now, here, pid, quantity=rest)])
            repo.bump_stock(conn, pid, here, quantities.get(pid, 0))
        journal.set_state(conn, "feed_after", str(int(snap["feed_after"])))
        if "feed_event" in snap:  # older central: none, and no point to fall back to
            feed_memory.remember_snapshot(conn, snap["feed_event"], store)
        journal.set_state(conn, "central_terminal", str(snap["central_terminal"]))
        # central answered: the offline rules count the link's age from here (terminal/link.py)
        journal.set_state(conn, "heard_at", now.isoformat(timespec="seconds"))
        if snap.get("customers_until"):  # older central: none
            customer_sync.take_in(conn, snap["customers"])
            journal.set_state(conn, CUSTOMERS_SINCE, next_since(snap["customers_until"]))
        return len(snap["units"])

    return db.write(work)


def _event(
    now: object,
    store_id: int,
    product_id: int,
    *,
    unit_id: int | None = None,
    serial: str | None = None,
    to_state: str | None = None,
    quantity: int = 0,
) -> dict[str, object]:
    return {
        "at": now,
        "action": "snapshot",
        "user_name": "system",
        "terminal": "central",
        "store_id": store_id,
        "product_id": product_id,
        "unit_id": unit_id,
        "serial": serial,
        "from_state": None,
        "to_state": to_state,
        "quantity": quantity,
        "document_type": None,
        "document_id": None,
        "document_line": None,
        "reason": "taken from central's snapshot",
    }


def init(
    *,
    server: str,
    token: str,
    store: str,
    terminal: str | None,
    config_path: Path,
    db_path: Path,
    client: CentralClient | None = None,
) -> tuple[str, int]:
    """Bootstrap the terminal; (its id, units loaded). Nothing is written locally unless the
    snapshot arrived whole."""
    if config_path.exists():
        raise BadRequest(
            f"{config_path} already exists: this terminal is set up (delete it to start again)"
        )
    terminal_id = terminal or new_terminal_id(store)
    own = client is None
    client = client or CentralClient(server, token, terminal=terminal_id, store=store)
    try:
        snap = client.get_json("/v1/snapshot", store=store, terminal=terminal_id)
    finally:
        if own:
            client.close()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{db_path}")
    try:
        migrate.upgrade(db)
        units = load(db, snap)
    finally:
        db.dispose()
    config_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = config_path.with_suffix(".tmp")
    # The token is a password: the file is readable by its owner only, from the start.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(
            config_text(
                server=server,
                token=token,
                store=store,
                terminal=terminal_id,
                db_path=db_path.resolve(),
            )
        )
    tmp.replace(config_path)
    return terminal_id, units
