"""The conflicts screen of a store terminal's console (issue 16): conflicts live at central,
so a manager at a till reads and resolves them there, through the terminal's token.

Listing asks central for the open (or all) conflicts of the terminal's store; resolving posts
the manager's resolution (``POST /v1/conflicts/{id}/resolve``, as the manager logged in at the
till, never with more rights than the token's user). Offline, a till still shows its own
entries' conflicts from its journal (terminal/status.py ``local_conflicts``) and says it is
offline; a resolution waits for the link, since the new event is central's to make.

**A conflict is its journal entry's.** Central's number is not the conflict's identity: a
central restored from an older backup lost the conflicts recorded after it and numbers the
next ones afresh, so the number a till kept from its push may name another till's sale there.
So the till matches central's conflicts to its own by the entry id (every conflict belongs to
exactly one entry, minted on the till), shows central's number now, names its entry when it
resolves one (central refuses a number that is another entry's: services/conflicts.py
``check_entry``), and ``terminal resend`` has central record its lost conflicts again
(:func:`record_again`), taking the numbers central gives them.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.services.conflict_views import UnknownConflict
from serialpos.terminal import count_conflicts
from serialpos.terminal.client import ROUTE_MISSING, CentralClient, CentralRefused, Offline
from serialpos.terminal.status import local_conflicts

#: Seconds the console waits for central before it says the till is offline.
CONSOLE_TIMEOUT = 5.0
#: Journal entries named in one ``GET /v1/conflicts`` (central takes at most 100).
ENTRIES_A_REQUEST = 100


def list_at_central(chain: ChainConfig, *, only_open: bool) -> list[dict[str, Any]]:
    """Central's conflicts of this terminal's store; raises ``Offline`` when it cannot be
    reached."""
    params = {"store": chain.store, **({"status": "open"} if only_open else {})}
    with CentralClient.of_till(chain, timeout=CONSOLE_TIMEOUT) as client:
        found: list[dict[str, Any]] = client.get_json("/v1/conflicts", **params)["conflicts"]
    return found


def resolve_at_central(
    chain: ChainConfig,
    conflict_id: int,
    by: str,
    user: str,
    note: str | None = None,
    entry: str | None = None,
) -> dict[str, Any]:
    """Resolve ``conflict_id`` at central as ``user``; the conflict after. ``entry``: the
    journal entry meant; central refuses (``conflict_of_other_entry``) when the number is
    another entry's conflict there."""
    body: dict[str, Any] = {"by": by, "user": user, **({"note": note} if note else {})}
    if entry is not None:
        body["entry"] = entry
    with CentralClient.of_till(chain, timeout=CONSOLE_TIMEOUT) as client:
        done: dict[str, Any] = client.post_json(f"/v1/conflicts/{conflict_id}/resolve", body)
    return done


def remember(db: Database, now: list[dict[str, Any]]) -> int:
    """Keep central's status and resolution of this till's own conflicts, as central gives
    them now (``now``: what central listed, or the one it resolved), in each entry's stored
    answer: offline, the till's list is read from its journal, and it used to show a
    conflict a manager had resolved at this very till as still open. Matched by entry,
    never by number. How many entries changed."""
    by_entry = {e: c for c in now if (e := entry_of(c)) is not None}
    if not by_entry:
        return 0

    def work(conn: Connection) -> int:
        changed = 0
        for entry in journal.entries(conn, "conflict"):
            central = by_entry.get(entry.id)
            if central is None:
                continue
            answer = json.loads(entry.answer or "{}")
            kept = dict(answer.get("conflict") or {})
            fresh = {k: central.get(k) for k in ("id", "status", "resolution")}
            if all(kept.get(k) == v for k, v in fresh.items()):
                continue
            answer["conflict"] = kept | fresh
            text = json.dumps(answer, ensure_ascii=False)
            changed += journal.answer_conflict_again(conn, entry.id, text)
        return changed + count_conflicts.remember(conn, by_entry)

    return db.write(work)


def follow_conflicts(db: Database, client: CentralClient, store: str) -> int:
    """At a sync: while this till has conflicts central had not resolved when it last said,
    ask central for its store's conflicts and keep their status and resolution
    (:func:`remember`), so a sale a manager recorded at central (``record_sale``) counts as
    taken here too (services/not_taken.py). Nothing is asked when there are none (the
    common case). How many entries changed."""
    waiting = [
        e for c in local_conflicts(db) if c.get("status") != "resolved" and (e := entry_of(c))
    ]
    if not waiting:
        return 0
    # Only this till's unresolved ones, in pieces: the store's whole list (resolved ones
    # included, each with its offers worked out) grew with every conflict ever recorded and
    # timed a sync out.
    found: list[dict[str, Any]] = []
    try:
        for start in range(0, len(waiting), ENTRIES_A_REQUEST):
            piece = waiting[start : start + ENTRIES_A_REQUEST]
            found += client.get_json("/v1/conflicts", store=store, entry=piece)["conflicts"]
    except CentralRefused as exc:
        if exc.code != "bad_request":
            raise
        # A central older than ``entry`` refuses it as an unknown parameter: its store's
        # whole list, matched by entry all the same.
        found = client.get_json("/v1/conflicts", store=store)["conflicts"]
    return remember(db, found)


def store_conflicts(
    db: Database, chain: ChainConfig, *, status: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """The conflicts of this terminal's store (``serialpos conflicts list`` on a till): as
    central has them now, exactly what ``GET /v1/conflicts`` gives the till's token (its own
    store's only: api/sync_routes.py), and ``None``; when central cannot be asked, this
    till's own entries' conflicts as central answered its push (from the journal) and a note
    saying so. The journal alone kept saying ``open`` after a manager resolved one."""
    note = None
    own = local_conflicts(db)
    try:
        now = list_at_central(chain, only_open=False)
    except (Offline, CentralRefused) as exc:
        note = f"{exc.message}: this till's own conflicts, each as central answered its push"
        found = own
    else:
        remember(db, now)
        # This till's own keep what it knows of them (who made it here, the quantities put
        # back), with central's number, status and resolution now: matched by their entry,
        # never by the number (a restored central numbers its conflicts afresh).
        mine = {entry_of(c): c for c in own}
        found = [
            {
                **mine[entry_of(c)],
                "id": c["id"],
                "status": c["status"],
                "resolution": c["resolution"],
                "first_event": c["first_event"],  # what stands at central now
                "follows": c.get("follows", mine[entry_of(c)].get("follows")),
                # What money a return moved, as central's own ``show`` says it.
                **({"return_money": c["return_money"]} if "return_money" in c else {}),
            }
            if entry_of(c) in mine
            else c
            for c in now
        ]
        lost = len(set(mine) - {entry_of(c) for c in now})
        if lost:
            note = (
                f"central holds no conflict of {lost} of this till's entries it answered as "
                "conflicts (restored from an older backup?): `serialpos terminal resend` "
                "has it record them again"
            )
    if status is not None:
        if status not in ("open", "resolved"):
            raise BadRequest("status must be open or resolved")
        found = [c for c in found if c.get("status") == status]
    return found, note


def show_on_terminal(
    db: Database, chain: ChainConfig, conflict_id: int
) -> tuple[dict[str, Any], str | None]:
    """One conflict for ``serialpos conflicts show`` on a till: one of its store's, as
    :func:`store_conflicts` has it."""
    listed, note = store_conflicts(db, chain)
    for found in listed:
        if found.get("id") == conflict_id:
            return found, note
    raise UnknownConflict(
        f"there is no conflict {conflict_id} of store {chain.store}"
        + (f" known here ({note})" if note else "")
    )


def entry_of(conflict: dict[str, Any]) -> str | None:
    """The id of the journal entry a conflict belongs to (its identity)."""
    entry = conflict.get("entry")
    return str(entry["id"]) if isinstance(entry, dict) and entry.get("id") else None


def own_entry(db: Database, conflict_id: int) -> str | None:
    """The journal entry of this till that it shows as conflict ``conflict_id`` (the number
    central last answered it with, as its serial card and its offline list say), for a
    resolution to name; None when no entry of this till is shown so (another till's
    conflict, or central's own)."""
    found = [e for c in local_conflicts(db) if c.get("id") == conflict_id and (e := entry_of(c))]
    if len(found) > 1:
        raise DomainError(
            f"this till holds {len(found)} entries as conflict {conflict_id} (central was "
            "restored from an older backup): run `serialpos terminal resend`, then "
            "`serialpos conflicts list` for central's numbers now",
            code="conflict_of_other_entry",
        )
    return found[0] if found else None


#: Entries sent in one request (central takes 100 at most: services/lost_conflicts.py).
RECORD_RUN = 100


def record_again(db: Database, client: CentralClient) -> int | None:
    """Have central record again this till's conflicts it lost in a restore from an older
    backup (``POST /v1/conflicts``: services/lost_conflicts.py; recorded, never applied),
    and keep its answers: each entry then shows the number central gives it now. One central
    still holds is answered as it was. How many were recorded again; None when central is
    too old to (said by ``terminal resend``)."""
    items: list[tuple[str, dict[str, Any]]] = []
    for entry in db.read(lambda conn: journal.entries(conn, "conflict")):
        first = json.loads(entry.answer or "{}").get("conflict") or {}
        if first.get("error") and first.get("message") is not None:
            item = {"line": entry.line, "error": first["error"], "message": first["message"]}
            items.append((entry.id, item))
    again = 0
    for at in range(0, len(items), RECORD_RUN):
        run = items[at : at + RECORD_RUN]
        try:
            answer = client.post_json("/v1/conflicts", {"entries": [i for _e, i in run]})
        except CentralRefused as exc:
            if exc.code in ROUTE_MISSING:
                return None
            raise
        kept = [
            (entry_id, verdict)
            for (entry_id, _item), verdict in zip(run, answer["verdicts"], strict=True)
            if verdict.get("error") == "sync_conflict" and verdict.get("conflict")
        ]

        def keep(conn: Connection, kept: list[tuple[str, dict[str, Any]]] = kept) -> None:
            for entry_id, verdict in kept:
                text = json.dumps(verdict, ensure_ascii=False)
                journal.answer_conflict_again(conn, entry_id, text)

        db.write(keep)
        again += sum(1 for _e, v in kept if v.get("recorded_again"))
    return again
