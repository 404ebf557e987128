"""A store terminal online: each entry is pushed the moment it is made, so the receipt can
say central accepted the sale. Central gets a short time to answer; without an answer the
sale is kept, the entry stays pending for the next sync (never sent as a different body,
never lost) and the rest of the run works offline without waiting again.

A push first makes sure central is not behind this till (restored from an older backup:
terminal/central_behind.py, one small read of the feed): pushed onto it, a sale of a unit
whose receipt central lost came back a conflict and the unit was written off here. The
console asks before each sale's push, ``apply --push`` before the first of its run. When it
is behind, the sale is kept pending exactly as offline (the receipt is printed), the link is
recorded refused, and the words say to run ``serialpos terminal resend``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from serialpos.config import ChainConfig
from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.terminal.central_behind import CentralBehind, not_behind_before_push
from serialpos.terminal.client import CentralClient, CentralRefused, Offline
from serialpos.terminal.link import OFFLINE, ONLINE, REFUSED, read_state, record_link
from serialpos.terminal.sync import SyncReport, push

#: Seconds central has to answer an online sale before the till goes on offline.
ONLINE_TIMEOUT = 2.0


#: The sale's words when central is behind this till (restored from an older backup).
BEHIND_WORDS = (
    "central is behind this till (restored from an older backup?): sale kept here, not "
    "sent; run `serialpos terminal resend` once central is back for good"
)


def _entry(db: Database, entry_id: str) -> journal.Entry | None:
    return db.read(lambda conn: journal.entry(conn, entry_id))


def pushed_at_once(
    db: Database, chain: ChainConfig, results: Iterator[dict[str, Any]], *, user: str = "apply"
) -> Iterator[dict[str, Any]]:
    """Each verdict with its entry's state at central added as ``central``: ``accepted``,
    ``conflict`` (with the conflict), ``refused`` or ``pending`` (no answer: offline). The
    link found is recorded (terminal/link.py): the store's offline rules follow it."""
    online, checked = True, False
    with CentralClient.of_till(chain, timeout=ONLINE_TIMEOUT) as client:
        for result in results:
            entry = result.get("entry")
            if entry is not None and online:
                try:
                    if not checked:  # once per run: a restore is not done in its seconds
                        not_behind_before_push(db, client, store=chain.store)
                        checked = True
                    push(db, client, SyncReport(), store=chain.store)
                    record_link(
                        db, ONLINE, reason="central answered", terminal=chain.terminal, user=user
                    )
                except (Offline, CentralRefused, CentralBehind) as exc:
                    online = False
                    result["central_message"] = exc.message
                    refused = None if isinstance(exc, Offline) else exc
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
    if link.link == REFUSED and link.refusal and link.refusal["code"] == CentralBehind.code:
        return SaleAnswer("pending", BEHIND_WORDS)  # a person decides: not sent till then
    if link.link == REFUSED:  # central answered but refused this till: not sent till fixed
        return SaleAnswer("pending", f"central refused this till ({link.message}): kept")
    try:
        with CentralClient.of_till(chain, timeout=ONLINE_TIMEOUT) as client:
            not_behind_before_push(db, client, store=chain.store)
            push(db, client, SyncReport(), store=chain.store)
        record_link(db, ONLINE, reason="central answered", terminal=chain.terminal, user=user)
    except Offline as exc:
        record_link(db, OFFLINE, reason=exc.message, terminal=chain.terminal, user=user)
        return SaleAnswer("pending", f"central did not answer ({exc.message}): kept, sent later")
    except CentralBehind as exc:
        record_link(
            db, OFFLINE, reason=exc.message, refused=exc, terminal=chain.terminal, user=user
        )
        return SaleAnswer("pending", BEHIND_WORDS)
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
