"""Whether central took a sale this till made (issue 16).

A till keeps its own copy of every order it made. When central records the sale's entry as
a conflict (another till sold the unit first) or refuses it, central holds no such sale:
the unit takes central's state here, but the till's order still reads fulfilled and paid.
The journal says which: the latest entry naming the order's (or invoice's) number settled
``conflict`` or ``refused`` (the serial card marks the sale NOT TAKEN by it).

A return of such a sale would pay a refund for a sale central never had and put a unit in
stock here that central has sold to someone else (central refuses the return,
``unknown_order``, and the till and central then disagree for good). So a return, or the
return half of an exchange, of a sale central did not take is refused before anything
moves. At central the journal is empty: nothing is refused there.
"""

from __future__ import annotations

import json

from sqlalchemy.engine import Connection

from serialpos.db import journal
from serialpos.domain.errors import DomainError
from serialpos.domain.text import clip


class NotTaken(DomainError):
    code = "not_taken"


def verdict_of(conn: Connection, number: str) -> str | None:
    """``"refused"``, ``"conflict #N"`` (or ``"conflict"``) when the latest journal entry
    naming document ``number`` was not taken by central; None when it was, or is still
    waiting, or no entry names it (central, a document made elsewhere)."""
    entry = journal.last_naming(conn, number)
    if entry is None or entry.state not in ("conflict", "refused"):
        return None
    if entry.state == "refused":
        return "refused"
    conflict = json.loads(entry.answer or "{}").get("conflict") or {}
    found = conflict.get("id")
    return f"conflict #{found}" if found is not None else "conflict"


def require_taken(conn: Connection, order: str) -> None:
    """Refuse to take back units of ``order`` when central did not take its sale."""
    verdict = verdict_of(conn, order)
    if verdict is None:
        return
    what = (
        f"see serialpos conflicts show {verdict.removeprefix('conflict #')}"
        if verdict.startswith("conflict #")
        else "see serialpos terminal refused"
    )
    raise NotTaken(
        f"order {clip(order)} was not taken by central ({verdict}): central holds no such "
        f"sale, so there is nothing to return here; the unit is as central has it ({what})"
    )
