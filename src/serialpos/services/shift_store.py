"""Cash at another store than the one the terminal's drawer is open at: refused.

The walk: with till1's shift open at S01, an ``apply`` refund and a sale paid cash for S02
from till1 landed in no shift (a payment is tied to the terminal's open shift *at the order's
store*, services/shifts.py ``shift_for_payment``), so S01's drawer no longer matched its X
report: the notes went in or out of it and no shift counted them.

Decision: refuse, rather than record the cash against the S01 shift. A shift is one drawer
at one store; its X and Z reports are that store's takings. Counting an S02 sale's cash in
S01's shift would make the drawer match but put one store's money in another's books (the
S02 sale in S02's sales report, its cash in S01's cash-up), and a refund of an S02 sale from
S01's drawer the same. So cash moved by a terminal with a shift open at another store is
refused (``shift_other_store``) naming both stores: take it at a till of that store, or by
another tender (card and other tenders are in no drawer, and are taken as before). A
terminal with no shift open anywhere takes cash as before (no drawer to match, unless the
store requires a shift). A store terminal's journal entry central applies is recorded as
the till did it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.shift_tables import shift_t
from serialpos.domain.errors import DomainError
from serialpos.domain.orders import PaymentMethod
from serialpos.domain.text import clip
from serialpos.services.shifts import applying_terminal_entry


class ShiftAtOtherStore(DomainError):
    code = "shift_other_store"


def refuse_cash_elsewhere(conn: Connection, store_id: int, terminal: str, method: str) -> None:
    """Refuse cash at ``store_id`` from ``terminal`` whose open shift is at another store
    (called when the payment found no shift of the terminal at this store)."""
    if method != PaymentMethod.CASH.value or applying_terminal_entry():
        return
    found = conn.execute(
        sa.select(shift_t.c.store_id, shift_t.c.number).where(
            shift_t.c.terminal == terminal, shift_t.c.closed_at.is_(None)
        )
    ).first()
    if found is None or found.store_id == store_id:
        return
    codes = repo.store_codes(conn)
    here, there = codes.get(store_id, "?"), codes.get(found.store_id, "?")
    raise ShiftAtOtherStore(
        f"terminal {clip(terminal)} has shift {found.number} open at {there}: cash for {here} "
        f"would go in or out of {there}'s drawer and be counted in no shift of {here}; take "
        f"it at a till of {here}, or by another tender"
    )
