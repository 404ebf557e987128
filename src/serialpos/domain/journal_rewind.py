"""What central and the till say of a rewound journal: a store terminal's new entry numbered
where central already holds another entry of that terminal (migration 0040).

A till numbers its journal 1, 2, 3… and its documents from counters of its own. Restored
from an older copy of its database, it numbers again from the copy's end: its next sale
takes the journal number, the order and the invoice numbers central already holds for the
till's later acts, and is refused (``number_taken``). Settled as refused, the till would put
the sale's units back in stock while the customer has them: the sale lost. Answered
``journal_rewound`` instead, the till keeps the entry pending (the entries after it settle
as central answers them) and says what happened and what a person does. Pure: no database.
"""

from __future__ import annotations

#: The verdict's code: the entry is not refused for good, the till keeps it pending.
CODE = "journal_rewound"

#: What a person does about it, said by central's verdict and by the till.
WHAT_TO_DO = (
    "keep this till's database as it is; set the till up again as a new terminal (a new "
    "token from an admin, then serialpos terminal init with a new --terminal and a new "
    "--config, its database beside it) and make the waiting sales again there (serialpos "
    "terminal pending lists them)"
)


def rewind_words(
    terminal: str, seq: int, other: str | None, last: int | None, refused: str, why: str
) -> str:
    """Why central did not take terminal ``terminal``'s new entry ``seq``: it holds entry
    ``seq`` under another id (``other``) and the terminal's entries up to ``last``, or (no
    ``other``: the entry that took them came before central kept journal numbers) the
    documents the entry numbers; the entry was refused ``refused`` (``why``), which the
    rewind explains."""
    upto = "" if last is None else f" up to {last}"
    held = (
        f"central holds entries of terminal {terminal}{upto}, and entry {seq} under another "
        f"id ({other})"
        if other is not None
        else f"central holds the documents entry {seq} numbers, made by an earlier entry of "
        f"terminal {terminal}"
    )
    return (
        f"journal rewound: {held}; this new entry {seq} numbers again what central "
        "took: this till's database was restored from an older copy (or another machine "
        f"runs as this terminal). It was refused ({refused}: {why}); nothing of it is "
        "applied at central, and it waits on this till, kept. "
        f"What to do: {WHAT_TO_DO}"
    )
