"""A store terminal online: each entry is pushed the moment it is made, so the receipt can
say central accepted the sale. Central gets a short time to answer; without an answer the
sale is kept, the entry stays pending for the next sync (never sent as a different body,
never lost) and the rest of the run works offline without waiting again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from serialpos.config import ChainConfig
from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.terminal.client import CentralClient, CentralRefused, Offline
from serialpos.terminal.link import OFFLINE, ONLINE, record_link
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
    who = {"terminal": chain.terminal, "user": user}
    with CentralClient(chain.server, chain.token, timeout=ONLINE_TIMEOUT) as client:
        for result in results:
            entry = result.get("entry")
            if entry is not None and online:
                try:
                    push(db, client, SyncReport())
                    record_link(db, ONLINE, reason="central answered", **who)
                except (Offline, CentralRefused) as exc:
                    online = False
                    result["central_message"] = exc.message
                    record_link(db, OFFLINE, reason=exc.message, **who)
            if entry is not None:
                made = _entry(db, str(entry))
                state = made.state if made is not None else "pending"
                result["central"] = state
                if made is not None and state != "accepted" and made.answer:
                    answer = json.loads(made.answer)
                    result["central_answer"] = answer.get("conflict") or answer
            yield result
