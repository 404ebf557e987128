"""What central says of a store terminal's journal numbers (migration 0040): an entry past
the last one it took by more than one (a gap: entries that did not reach it), or a new entry
at or below it (a rewind: the till's database restored from an older copy, numbering again
what central took).

A gap is said and the entry taken as any other: the entries missing are the till's to send
(or were refused there unsent), and refusing this one would lose a sale the customer walked
out with. A rewind is refused with the journal kept at the till: applied, it would take
numbers (its orders', invoices') central holds for the till's later acts, be refused
``number_taken`` and its units put back on the till, the sale lost. Pure: no database.
"""

from __future__ import annotations


def gap_words(terminal: str, last: int | None, seq: int) -> str | None:
    """The warning for terminal ``terminal``'s entry ``seq`` when central had taken entries
    up to ``last`` (None: none known, nothing to say); None unless entries are skipped."""
    if last is None or seq <= last + 1:
        return None
    missing = str(last + 1) if seq == last + 2 else f"{last + 1}-{seq - 1}"
    return (
        f"central has entries of terminal {terminal} up to {last}; this is entry {seq}: "
        f"entr{'y' if seq == last + 2 else 'ies'} {missing} did not reach central (refused "
        "unsent at the till as changed after they were made, or lost; if central was "
        "restored from an older backup, run serialpos terminal resend at the till); this "
        "entry is not refused for it, nothing is lost"
    )


def rewind_words(terminal: str, last: int, seq: int) -> str:
    """Why central refuses terminal ``terminal``'s new entry ``seq`` when it took its
    entries up to ``last`` (``seq`` <= ``last``), and what to do."""
    return (
        f"central has entries of terminal {terminal} up to {last}; this new entry is "
        f"numbered {seq}, a number central took for another entry of it (rewound): this "
        "till's database was restored from an older copy (or another machine runs as this "
        f"terminal), and its acts since the copy (entries {seq}-{last}) are at central. "
        "Nothing applied: this entry and the ones after it wait on this till, kept. Set "
        "the till up again as a new terminal (serialpos terminal init with a new --terminal "
        "and --data) and make the waiting sales again there (serialpos terminal status "
        "counts them)"
    )
