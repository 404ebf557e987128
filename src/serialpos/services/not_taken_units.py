"""``db check`` on a store terminal: a unit in stock on a fulfilled line of a sale central did
not take (rule ``not_taken_sale_in_stock``, a note).

A till's sale central never took (its entry refused: changed after it was made and refused
unsent, ``entry_tampered``; or refused at central) has its units put back as central holds
them (terminal/central_state.py, terminal/tampered_units.py): in stock. The till keeps the
order as it made it — the receipt was printed, the money is in its drawer, listed apart on
the X and Z reports as not taken (services/not_taken.py) — so its line still reads
fulfilled while the unit it names stands in stock. Nothing said so: ``db check`` showed only
the changed entry, and the serial card read "in stock" beside "order … line 1 (fulfilled)".
This rule names each such unit, with its order, line and central's verdict, for a manager:
make the sale again if it stands (the customer has the unit), or take the unit back from the
customer. A note, not a violation: the till's books say what happened at its counter, and the
unit's state is central's. A returned line (its status ``returned``) is no sale any more and
is never named; a copy of another till's sale is named by no entry of this till, never
named either. Central's journal is empty: nothing to find there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal, repo
from serialpos.db import order_repo as orepo
from serialpos.domain.orders import LineStatus
from serialpos.domain.states import UnitState
from serialpos.services import not_taken

RULE = "not_taken_sale_in_stock"


def not_taken_in_stock(
    conn: Connection, stores: dict[int, str], finding: Callable[..., Any]
) -> list[Any]:
    """The notes (made by ``finding(rule, store, sku, detail, violation=False)``)."""
    if journal.get_state(conn, "central_terminal") is None or not journal.not_taken_lines(conn):
        return []  # central, or a till whose entries central all took: one index read
    u, p, o, ln = repo.unit_t.c, repo.product_t.c, orepo.order_t.c, orepo.line_t.c
    inv = orepo.invoice_t.c
    q = (
        sa.select(u.serial, u.store_id, p.sku, o.number, ln.number.label("line"), inv.number)
        .select_from(orepo.line_t)
        .join(orepo.order_t, o.id == ln.order_id)
        .join(repo.unit_t, sa.and_(u.product_id == ln.product_id, u.serial == ln.serial))
        .join(repo.product_t, p.id == u.product_id)
        .outerjoin(orepo.invoice_t, inv.id == ln.invoice_id)
        .where(ln.status == LineStatus.FULFILLED, u.state == UnitState.IN_STOCK)
        .order_by(o.number, ln.number)
    )
    out = []
    for serial, store_id, sku, order, line, invoice in conn.execute(q):
        verdict = not_taken.verdict_of(conn, invoice or order) or not_taken.verdict_of(conn, order)
        if verdict is None:
            continue
        out.append(
            finding(
                RULE,
                stores.get(store_id, "?"),
                sku,
                f"serial {serial} is in stock here, but order {order} line {line} "
                f"(fulfilled) sold it, a sale central did not take ({verdict}): make the "
                "sale again if it stands, or take the unit back from the customer",
                violation=False,
            )
        )
    return out
