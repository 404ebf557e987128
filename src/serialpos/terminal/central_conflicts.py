"""The conflicts screen of a store terminal's console (issue 16): conflicts live at central,
so a manager at a till reads and resolves them there, through the terminal's token.

Listing asks central for the open (or all) conflicts of the terminal's store; resolving posts
the manager's resolution (``POST /v1/conflicts/{id}/resolve``, as the manager logged in at the
till, never with more rights than the token's user). Offline, a till still shows its own
entries' conflicts from its journal (terminal/status.py ``local_conflicts``) and says it is
offline; a resolution waits for the link, since the new event is central's to make.
"""

from __future__ import annotations

from typing import Any

from serialpos.config import ChainConfig
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.services.conflicts import UnknownConflict
from serialpos.terminal.client import CentralClient, CentralRefused, Offline
from serialpos.terminal.status import local_conflicts

#: Seconds the console waits for central before it says the till is offline.
CONSOLE_TIMEOUT = 5.0


def list_at_central(chain: ChainConfig, *, only_open: bool) -> list[dict[str, Any]]:
    """Central's conflicts of this terminal's store; raises ``Offline`` when it cannot be
    reached."""
    params = {"store": chain.store, **({"status": "open"} if only_open else {})}
    with CentralClient(chain.server, chain.token, timeout=CONSOLE_TIMEOUT) as client:
        found: list[dict[str, Any]] = client.get_json("/v1/conflicts", **params)["conflicts"]
    return found


def resolve_at_central(
    chain: ChainConfig, conflict_id: int, by: str, user: str, note: str | None = None
) -> dict[str, Any]:
    """Resolve ``conflict_id`` at central as ``user``; the conflict after."""
    body: dict[str, Any] = {"by": by, "user": user, **({"note": note} if note else {})}
    with CentralClient(chain.server, chain.token, timeout=CONSOLE_TIMEOUT) as client:
        done: dict[str, Any] = client.post_json(f"/v1/conflicts/{conflict_id}/resolve", body)
    return done


def own_conflicts(
    db: Database, chain: ChainConfig, *, status: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """The conflicts of this terminal's own entries (``serialpos conflicts list`` on a till),
    each with its status and resolution as central has them now, and ``None``; when central
    cannot be asked, as central answered the push (from the journal) and a note saying so.
    The journal alone kept saying ``open`` after a manager resolved it."""
    own = local_conflicts(db)
    note = None
    try:
        now = {c["id"]: c for c in list_at_central(chain, only_open=False)}
    except (Offline, CentralRefused) as exc:
        note = f"{exc.message}: each conflict as central answered this till's push"
    else:
        own = [
            {**c, "status": now[c["id"]]["status"], "resolution": now[c["id"]]["resolution"]}
            if c.get("id") in now
            else c
            for c in own
        ]
    if status is not None:
        if status not in ("open", "resolved"):
            raise BadRequest("status must be open or resolved")
        own = [c for c in own if c.get("status") == status]
    return own, note


def show_on_terminal(
    db: Database, chain: ChainConfig, conflict_id: int
) -> tuple[dict[str, Any], str | None]:
    """One conflict for ``serialpos conflicts show`` on a till: one of its own entries' (as
    :func:`own_conflicts` has it), else central's of the store (as the console's screen
    lists them)."""
    own, note = own_conflicts(db, chain)
    for found in own:
        if found.get("id") == conflict_id:
            return found, note
    if note is None:
        for found in list_at_central(chain, only_open=False):
            if found.get("id") == conflict_id:
                return found, None
    raise UnknownConflict(
        f"there is no conflict {conflict_id} of store {chain.store}"
        + (f" known here ({note})" if note else "")
    )
