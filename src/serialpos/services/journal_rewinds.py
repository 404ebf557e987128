"""A store terminal's journal rewound, told apart from an ordinary refusal (migration 0040,
``apply_outcome.journal_seq``; the words: domain/journal_rewind.py).

Central keeps each entry's journal number with its id (the claim every entry makes carries
it: no statement more on a push). An entry central refuses is a rewind only when its id is
new (a replay is never refused) and its number is held by another id of the same terminal:
the till numbered again what central took, as a till restored from an older copy of its
database does. Nothing else reads as one: an entry sent again after ``database_error`` (a
batch's fallback re-sends) holds no number at central, a forged unsealed line is refused
``entry_tampered`` before it is applied, and a refusal of an entry whose number nobody holds
is an ordinary refusal. A refusal ``number_taken`` is a rewind whatever central holds of the
journal numbers: a terminal's document numbers carry its own code, so central holds that
number from an entry of this terminal; the entries taken before migration 0040 have no
journal number, and a till restored across that upgrade lost its next sale. The check is
one prepared statement, run only for a refused entry, in the transaction that refused it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.apply_outcomes import outcome_c
from serialpos.db.prepared import Prepared
from serialpos.domain.journal_rewind import CODE, rewind_words
from serialpos.services.entry_checks import Entry

Result = dict[str, Any]

#: A new entry's document number (its terminal's own series: services/document_numbers.py
#: ``check_given``) central holds already: only this terminal numbered it, so the entry
#: numbers again what central took, whether or not central kept the journal number of the
#: entry that took it (an entry taken before migration 0040 has none).
NUMBER_TAKEN = "number_taken"

#: Verdicts that are no refusal of a new entry: applied elsewhere, sent again by the till,
#: or an id used before (whose entry is not new).
NOT_REFUSALS = frozenset({"sync_conflict", "database_error", "conflict", "id_reused", CODE})


def _held_statement() -> Prepared:
    """Another id of the terminal holding the entry's number, and the terminal's highest
    number central holds: two index reads (``ix_apply_outcome_journal_seq``), one round
    trip."""
    numbered = outcome_c.journal_seq.is_not(None)
    of_terminal = outcome_c.terminal == sa.bindparam("terminal", type_=outcome_c.terminal.type)
    other = (
        sa.select(outcome_c.id)
        .where(
            of_terminal,
            numbered,
            outcome_c.journal_seq == sa.bindparam("seq", type_=sa.BigInteger()),
            outcome_c.id != sa.bindparam("key", type_=outcome_c.id.type),
        )
        .limit(1)
        .scalar_subquery()
    )
    last = sa.select(sa.func.max(outcome_c.journal_seq)).where(of_terminal, numbered)
    return Prepared(sa.select(other.label("other"), last.scalar_subquery().label("last")))


_HELD = _held_statement()


def told(conn: Connection, entry: Entry, verdict: Result) -> Result:
    """``verdict``, the answer to ``entry`` (checked and applied in ``conn``'s open
    transaction), or when it refused a rewound entry, ``journal_rewound`` with the refusal
    beside it (``refused``: its ``error`` and ``message``)."""
    code = verdict.get("error")
    if verdict.get("ok") or verdict.get("replayed") or code in NOT_REFUSALS:
        return verdict
    row = _HELD.first(conn, {"terminal": entry.actor.terminal, "seq": entry.seq, "key": entry.key})
    other = None if row is None or row.other is None else str(row.other)
    if other is None and code != NUMBER_TAKEN:
        return verdict
    # How far central holds the terminal's numbers, said beside the entry holding this one;
    # not for a taken document alone (a batch has claimed its later entries' numbers by
    # then, one by one not: the answer would differ with how the entry was applied).
    last = None if other is None or row is None or row.last is None else int(row.last)
    why = str(verdict.get("message") or "")
    return {
        "ok": False,
        "error": CODE,
        "message": rewind_words(entry.terminal, entry.seq, other, last, str(code), why),
        "refused": {"error": code, "message": why},
        "held_by": other,
        "central_last_seq": last,
    }
