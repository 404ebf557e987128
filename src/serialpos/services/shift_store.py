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

The first fix read the terminal's open shift by a query of its own after each cash tender
that found no shift here, and was reverted for that round trip on the sale path. Now the
payment's insert answers it too (one more scalar subquery in the same statement).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.domain.errors import DomainError
from serialpos.domain.orders import PaymentMethod
from serialpos.domain.text import clip
from serialpos.services.shifts import applying_terminal_entry


class ShiftAtOtherStore(DomainError):
    code = "shift_other_store"


def refuse_cash_elsewhere(
    conn: Connection, store_id: int, terminal: str, method: str, elsewhere: int | None
) -> None:
    """Refuse cash at ``store_id`` from ``terminal`` whose open shift is at the store
    ``elsewhere`` (read by the payment's own insert: db/sale_invoice_sql.py
    ``shift_elsewhere``, so a tender costs no round trip more; the store codes are read
    only to word the refusal). The caller's transaction, and the payment, are undone."""
    if elsewhere is None or method != PaymentMethod.CASH.value or applying_terminal_entry():
        return
    codes = repo.store_codes(conn)
    here, there = codes.get(store_id, "?"), codes.get(elsewhere, "?")
    raise ShiftAtOtherStore(
        f"terminal {clip(terminal)} has a shift open at {there}: cash for {here} would go in "
        f"or out of {there}'s drawer and be counted in no shift of {here}; take it at a till "
        f"of {here}, or by another tender"
    )
