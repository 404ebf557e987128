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
from serialpos.terminal.client import CentralClient

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
