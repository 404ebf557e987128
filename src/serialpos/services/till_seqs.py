"""How far each store terminal has sent its journal, kept at central (migration 0040,
``terminal_link.last_seq``): a gap named in the verdict of the entry that shows it, a rewind
refused with the entry kept at the till (domain/till_seq.py).

A till numbers its entries and sends them in that order; central kept each by its id only,
so it could not say "terminal T01 sent up to entry N". A central restored from an older
backup (the till says so before it pushes and keeps its journal: ``central_behind``; should
it push all the same, the gap is named here), a till whose journal lost entries, or a till
restored from an older copy of its database (it numbers again what central took: its sales
were refused ``number_taken`` and put back on the till, lost) went unseen.

The number moves on over the entries central answered for good (applied, replayed, recorded
as a conflict, refused), never past one the till sends again (``conflict``,
``database_error``: after later ones it may have settled, and it must not read as a rewind
then). A refused entry whose answer was lost and that the till sends again once central took
later ones reads as a rewind (central keeps nothing of a refusal): it waits at the till.
Read once per transaction of entries, its link's row locked on PostgreSQL: one till's
pushes follow each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import apply_outcomes, till_seq_sql
from serialpos.domain.errors import DomainError
from serialpos.domain.till_seq import gap_words, rewind_words

#: (terminal id, entry seq, verdict), in the order applied.
Taken = tuple[str, int, dict[str, Any]]
#: Verdicts the till sends again (terminal/push.py ``RETRY_CODES``), or keeps pending with
#: every entry after them (a rewind, a token of another terminal or of none).
SENT_AGAIN = frozenset(
    {"database_error", "conflict", "journal_rewound", "other_terminal", "terminal_not_linked"}
)


class JournalRewound(DomainError):
    """A new entry numbered at or below the last one central took from its till."""

    code = "journal_rewound"


def _last(conn: Connection, api_terminal: str) -> int | None:
    """The last number, read (locked) once per transaction and kept in ``conn.info``."""
    transaction = conn.get_transaction()
    memo: dict[str, tuple[object, int | None]] = conn.info.setdefault("till_last_seq", {})
    found = memo.get(api_terminal)
    if found is None or found[0] is not transaction:
        found = memo[api_terminal] = (transaction, till_seq_sql.last_seq(conn, api_terminal))
    return found[1]


def check(conn: Connection, api_terminal: str, terminal: str, seq: int, key: str) -> None:
    """Refuse (:class:`JournalRewound`) entry ``key`` numbered ``seq`` when central took the
    till's entries past it and does not hold this one (a replay goes through)."""
    last = _last(conn, api_terminal)
    if last is None or seq > last or apply_outcomes.find(conn, [key]):
        return
    raise JournalRewound(rewind_words(terminal, last, seq))


def follow(conn: Connection, api_terminal: str, taken: Iterable[Taken]) -> None:
    """Name a gap in the verdicts of ``taken`` and move the last number on, in ``conn``'s
    transaction."""
    last = _last(conn, api_terminal)
    top = last
    for terminal, seq, verdict in taken:
        if verdict.get("error") in SENT_AGAIN:
            break  # sent again later: the number stays before it
        # A refusal kept nothing, but the till settles it and never sends it again: it
        # counts as reached, so the entry after it is no gap.
        kept = verdict.get("ok") or verdict.get("error") == "sync_conflict"
        if kept and not verdict.get("replayed") and (words := gap_words(terminal, top, seq)):
            verdict["warnings"] = [*_warnings(verdict), words]
        top = seq if top is None else max(top, seq)
    if top is not None and top != last:
        till_seq_sql.move_last_seq(conn, api_terminal, top)
        conn.info["till_last_seq"][api_terminal] = (conn.get_transaction(), top)


def _warnings(verdict: Mapping[str, Any]) -> list[Any]:
    found = verdict.get("warnings")
    return list(found) if isinstance(found, list) else []
