"""Sales whose open lines are owed to the customer, not left open mid-sale (issue 16, the
verify walk).

Home warns of a sale left open on this terminal by a session that ended mid-sale
(services/orders/left_open.py): its units stay reserved and its money on it until someone
finishes or voids it. A till's sale central recorded by ``record_sale`` is open too, and
is no such thing: it was paid and invoiced at the counter, and central left the line whose
unit another till sold first **open and paid**, its serial cleared (services/conflict_sale.py);
the till takes those rows at its next sync (terminal/recorded_sales.py), as it takes central's
state of a follow-on act settled otherwise (terminal/settled_follow_ons.py). Home then said
"sale … left open here by cashier … F9 Pay or F7 Void ends it": a manager voiding it would
refund a customer who went home with the rest of the sale.

So a sale is **owed**, and Home leaves it unsaid, when nothing of it waits at the counter:
paid in full, invoiced (a line was handed over), and no open line holds a unit. What it owes
(another unit, or the line's money back) is a manager's to settle, on the order itself. A
session that ended mid-sale always leaves one of those undone: something due, nothing handed
over, or a unit reserved on an open line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from serialpos.domain.orders import LineStatus

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.services.orders.left_open import LeftOpen
    from serialpos.services.orders.views import OrderView


def owed(view: OrderView) -> bool:
    """Whether ``view``'s open lines are owed to a customer who paid and took the rest (see
    the module's rule), rather than a sale still being rung up."""
    open_lines = [ln for ln in view.lines if ln.status is LineStatus.OPEN]
    return bool(view.invoices) and view.totals.due <= 0 and all(not ln.serial for ln in open_lines)


def left_open_here(db: Database, store: str, terminal: str) -> list[LeftOpen]:
    """The sales left open at ``store`` by ``terminal`` mid-sale, oldest first: those of
    services/orders/left_open.py less the owed ones (one read of each order found: none in
    the common case)."""
    from serialpos.services.orders import get_order
    from serialpos.services.orders.left_open import left_open

    return [
        found for found in left_open(db, store, terminal) if not owed(get_order(db, found.order))
    ]
