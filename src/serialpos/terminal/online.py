"""A store terminal online: each entry is pushed the moment it is made, so the receipt can
say central accepted the sale. Central gets a short time to answer; without an answer the
sale is kept, the entry stays pending for the next sync (never sent as a different body,
never lost) and the rest of the run works offline without waiting again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from serialpos.config import ChainConfig
from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.terminal.client import CentralClient, CentralRefused, Offline
from serialpos.terminal.link import OFFLINE, ONLINE, REFUSED, read_state, record_link
from serialpos.terminal.sync import SyncReport, push

#: Seconds central has to answer an online sale before the till goes on offline.
ONLINE_TIMEOUT = 2.0


def _entry(db: Database, entry_id: str) -> journal.Entry | None:
    return db.read(lambda conn: journal.entry(conn, entry_id))


def pushed_at_once(
    db: Database, chain: ChainConfig, results: Iterator[dict[str, Any]], *, user: str = "apply"
) -> Iterator[dict[str, Any]]:
    """Each verdict with its entry's state at central added as ``central``: ``accepted``,
    ``conflict`` (with the conflict), ``refused`` or ``pending`` (no answer: offline). The
    link found is recorded (terminal/link.py): the store's offline rules follow it."""
    online = True
    with CentralClient(chain.server, chain.token, timeout=ONLINE_TIMEOUT) as client:
        for result in results:
            entry = result.get("entry")
            if entry is not None and online:
                try:
                    push(db, client, SyncReport(), store=chain.store)
                    record_link(
                        db, ONLINE, reason="central answered", terminal=chain.terminal, user=user
                    )
                except (Offline, CentralRefused) as exc:
                    online = False
                    result["central_message"] = exc.message
                    refused = exc if isinstance(exc, CentralRefused) else None
                    record_link(
                        db,
                        OFFLINE,
                        reason=exc.message,
                        refused=refused,
                        terminal=chain.terminal,
                        user=user,
                    )
            if entry is not None:
                made = _entry(db, str(entry))
                state = made.state if made is not None else "pending"
                result["central"] = state
                if made is not None and state != "accepted" and made.answer:
                    answer = json.loads(made.answer)
                    result["central_answer"] = answer.get("conflict") or answer
            yield result


@dataclass(frozen=True)
class SaleAnswer:
    """What central said about a sale made at the console: ``accepted``, ``conflict``,
    ``refused`` or ``pending`` (no answer in time, or the link is down), in words."""

    state: str
    message: str


def confirm_sale(db: Database, chain: ChainConfig, invoice: str, *, user: str) -> SaleAnswer:
    """Push the journal at once so the receipt can say central took the sale; at most
    :data:`ONLINE_TIMEOUT` seconds. A till found offline by its last round does not wait
    again: the sale is kept and the sync worker sends it (never twice, never lost)."""
    link = read_state(db)
    if link.link == OFFLINE:
        return SaleAnswer("pending", "offline: kept, sent when central answers")
    if link.link == REFUSED:  # central answered but refused this till: not sent till fixed
        return SaleAnswer("pending", f"central refused this till ({link.message}): kept")
    try:
        with CentralClient(chain.server, chain.token, timeout=ONLINE_TIMEOUT) as client:
            push(db, client, SyncReport(), store=chain.store)
        record_link(db, ONLINE, reason="central answered", terminal=chain.terminal, user=user)
    except Offline as exc:
        record_link(db, OFFLINE, reason=exc.message, terminal=chain.terminal, user=user)
        return SaleAnswer("pending", f"central did not answer ({exc.message}): kept, sent later")
    except CentralRefused as exc:
        record_link(
            db, OFFLINE, reason=exc.message, refused=exc, terminal=chain.terminal, user=user
        )
        return SaleAnswer("pending", f"central refused this till ({exc.message}): kept")
    made = db.read(lambda conn: journal.last_naming(conn, invoice))
    if made is None or made.state == "pending":
        return SaleAnswer("pending", "central has not answered yet: kept, sent later")
    if made.state == "accepted":
        return SaleAnswer("accepted", "central accepted")
    answer = json.loads(made.answer or "{}")
    said = str(answer.get("message") or answer.get("error") or made.state)
    if made.state == "conflict":
        return SaleAnswer("conflict", f"CONFLICT at central: {said}")
    return SaleAnswer("refused", f"REFUSED at central: {said}")
