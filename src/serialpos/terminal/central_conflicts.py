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
        # This till's own keep what it knows of them (who made it here, the quantities put
        # back), with central's status and resolution now.
        mine = {c.get("id"): c for c in own}
        found = [
            {**mine[c["id"]], "status": c["status"], "resolution": c["resolution"]}
            if c.get("id") in mine
            else c
            for c in now
        ]
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
