"""Checking the seals of a store terminal's journal (domain/entry_seal.py): before a push
sends its entries (terminal/push.py) and in ``db check`` on the till.

An entry is found changed when its line no longer matches its own hash (its payload was
edited: another serial, another price), when it carries no seal though it was made after
seals began (``sync_state.sealed_from``: the seal taken off), or when it sits on a broken
link (its ``prev`` is not the hash of the entry before it: one of the two was rewritten with
a fresh hash, and which one cannot be told, so both are named).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from serialpos.db import journal
from serialpos.domain import entry_seal

#: The rule ``db check`` reports a changed entry under.
RULE = "journal_entry_sealed"


@dataclass(frozen=True)
class Changed:
    """A journal entry found changed after it was made."""

    seq: int
    id: str
    state: str
    why: str

    def words(self) -> str:
        return f"journal entry {self.seq} ({self.id}, {self.state}) {self.why}"


def sealed_from(conn: Connection) -> int:
    """The first entry made with a seal (migration 0031; 1 on a terminal set up since)."""
    return int(journal.get_state(conn, "sealed_from") or 1)


def _judge(rows: Sequence[tuple[int, str, str, str]], first_sealed: int) -> dict[int, Changed]:
    """The changed entries among ``rows`` (consecutive, in order), by number. The first row
    is judged only as the link before the second when the caller read one more before."""
    found: dict[int, Changed] = {}
    seals = {seq: entry_seal.read(line) for seq, _i, _s, line in rows}
    by_seq = {row[0]: row for row in rows}

    def mark(seq: int, why: str) -> None:
        if seq in by_seq and seq not in found:
            _s, entry_id, state, _l = by_seq[seq]
            found[seq] = Changed(seq, entry_id, state, why)

    for seq, _id, _state, _line in rows:
        if seq < first_sealed:
            continue
        sealed = seals[seq]
        if not sealed.present:
            mark(seq, "carries no seal though it was made after seals began: it was rewritten")
            continue
        if not sealed.intact:
            mark(seq, "does not match its seal: its line was changed after it was made")
        before = seals.get(seq - 1)
        if seq == first_sealed:
            expected: str | None = entry_seal.GENESIS
        elif before is not None and before.present:
            expected = before.hash
        else:
            continue  # the entry before was not read (or is itself named above)
        if sealed.prev != expected:
            why = (
                f"is not linked to entry {seq - 1} before it: one of the two was rewritten "
                "with a new seal"
            )
            mark(seq, why)
            mark(seq - 1, f"is not linked to entry {seq} after it: one of the two was rewritten")
    return found


def changed_among(conn: Connection, entries: Sequence[journal.Entry]) -> dict[str, Changed]:
    """Which of ``entries`` (a push's pending entries, in order) were changed, by id: each
    is read with the entries around it, for the links."""
    if not entries:
        return {}
    first, last = entries[0].seq, entries[-1].seq
    rows = journal.lines_between(conn, first - 1, last + 1)
    wanted = {e.id for e in entries}
    return {c.id: c for c in _judge(rows, sealed_from(conn)).values() if c.id in wanted}


def changed_entries(conn: Connection) -> list[Changed]:
    """Every changed entry of the journal (``db check`` on a till; none at central)."""
    top = journal.next_seq(conn) - 1
    if top < 1:
        return []
    found = _judge(journal.lines_between(conn, 1, top), sealed_from(conn))
    return [found[seq] for seq in sorted(found)]
