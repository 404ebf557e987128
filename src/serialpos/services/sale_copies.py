"""A store terminal's copies of its store's sales made elsewhere, left out of its reports
(issue 16).

A till copies a sale of its store made at another till or at central's counter when it pulls
the sale's event (terminal/order_copies.py), so a customer may return it there. The copy's
invoice is the other till's sale, not this till's: its sales reports count only what it
issued itself, as central's report of the same till's sales does. A refund note this till
issued on a copy (the return it took) is its own and counted.

The copy is marked on its order (``terminal`` starts with :data:`COPY_MARK`, followed by the
terminal that made it at central), and the documents this till issued carry its code
(services/document_numbers.py): a copy's invoice is an invoice of a marked order whose number
lacks it. The code depends on the store only when the terminal's id starts with the store's
code, so the codes this till may have used are worked out from its id and the stores whose
code begins it (one small read).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.services import document_numbers, journal_sink

#: How a copy's order names the terminal that made it (``copy:S1-a1b2c3d4``).
COPY_MARK = "copy:"


def own_codes(db: Database, conn: Connection) -> tuple[str, ...]:
    """The codes this store terminal's document numbers may carry; empty elsewhere (central:
    no order is a copy there, and its reports stay as they were)."""
    terminal = journal_sink.terminal_of(db)
    if terminal is None:
        return ()
    prefixes = sorted({terminal[:i] for i, ch in enumerate(terminal) if ch == "-" and i})
    s = repo.store_t.c
    stores = (
        [str(c) for c in conn.execute(sa.select(s.code).where(s.code.in_(prefixes))).scalars()]
        if prefixes
        else []
    )
    codes = {document_numbers.terminal_tag(terminal, store) for store in stores}
    codes.add(document_numbers.terminal_tag(terminal, ""))
    return tuple(sorted(codes))


def not_copied(codes: tuple[str, ...]) -> list[sa.ColumnElement[bool]]:
    """The condition that leaves the copies' documents out of a query over invoices joined
    to their orders (none on central)."""
    if not codes:
        return []
    invoice_c, order_c = orepo.invoice_t.c, orepo.order_t.c
    issued_here = [invoice_c.number.like(f"%-{code}-%") for code in codes]
    return [sa.or_(sa.not_(order_c.terminal.startswith(COPY_MARK)), *issued_here)]
