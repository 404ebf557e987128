"""The conflicts a ``serialpos sync`` round made, named on stderr (new-user walk, round two).

A round's report counts its conflicts (``"conflicts": 1``) and names its refusals, but a
conflict was said nowhere else: the person running the sync learnt that a sale needs a
manager only by reading the count. Each new conflict is named in one line: its number at
central, the unit (serial, SKU, store), the till's entry and what happened (central's
message), and where to resolve it. Read from what sync already keeps: the journal's entries
settled as conflicts with central's answer (terminal/status.py ``local_conflicts``), before
and after the round, so sync itself is unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from serialpos.db.engine import Database


def conflict_line(c: dict[str, Any]) -> str:
    """One conflict for stderr: ``#3 serial CC-1 sku PH1 at S1: sell #1 (by mia): serial
    CC-1 is already sold; see `serialpos conflicts show 3```."""
    entry = c.get("entry") or {}
    op = (entry.get("line") or {}).get("op", "?")
    number = c.get("id")
    by = f" (by {c['user']})" if c.get("user") else ""
    message = c.get("message") or c.get("error") or "not applied"
    show = f"; see `serialpos conflicts show {number}`" if number is not None else ""
    return (
        f"#{number if number is not None else '?'} serial {c.get('serial') or '-'} sku "
        f"{c.get('sku') or '-'} at {c.get('store') or '-'}: {op} #{entry.get('seq', '?')}"
        f"{by}: {message}{show}"
    )


class ConflictsSeen:
    """The journal entries of this till already settled as conflicts; :meth:`new` names the
    ones a round added (read again only after a round that counted any)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.known = {self._key(c) for c in self._read()}

    def _read(self) -> list[dict[str, Any]]:
        from serialpos.terminal.status import local_conflicts

        return local_conflicts(self.db)

    @staticmethod
    def _key(c: dict[str, Any]) -> str:
        return str((c.get("entry") or {}).get("id"))

    def new(self, counted: int) -> list[str]:
        """The lines of the conflicts a round made (``counted``: the entries it settled as
        conflicts or accepted, as a count's refused decisions are conflicts of an accepted
        entry; read again only when it is not 0)."""
        if not counted:
            return []
        found = [c for c in self._read() if self._key(c) not in self.known]
        self.known |= {self._key(c) for c in found}
        return [conflict_line(c) for c in found]
