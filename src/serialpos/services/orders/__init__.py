"""Sale orders at the counter: open, add items (one line per serial-tracked unit), record
serials (reserving the unit), pay, fulfil (selling the units and issuing the invoice), park,
resume, void.

Every call is one transaction. The order row is locked (PostgreSQL ``FOR UPDATE``; SQLite
serialises writers) so two terminals working one order never interleave; units are claimed
through the ledger (conditional updates), so two orders racing for one unit cannot both win.

Decisions:
- A line's ``number`` is its number on the order, given when it is added and never reused
  (removing line 2 leaves lines 1 and 3); ledger events carry it as the document line.
- Payment at fulfilment: a ``sale`` is paid in full (the whole order total) before anything
  is fulfilled; a special order or lay-by may be fulfilled in parts, each time the payments
  must cover every line fulfilled so far (so the last part needs the whole total). Money
  paid beyond the order total at the final fulfilment is handed back as change (a negative
  ``change`` payment); before that it stays on the order as a deposit.
- Totals count open and fulfilled lines; returned lines are out of the totals and their
  refunds are negative payments, so ``paid`` is what the customer has net.
- An exploded package is a line of its own (its price, no serial) with its components'
  lines under it (``package_line``), priced 0, each following its own serial mode; removing
  or fulfilling the package takes its components along. Only the components move stock.
- A serial the ledger does not know (serialized inventory on) is refused (``unknown_unit``)
  unless a manager or admin overrides with user and PIN: the unit is then added to stock
  (an ``adjust_add`` event by the manager, reason naming them) and reserved.

The package is split by job: ``views`` (read models and refusals), ``reading`` (finding and
listing orders), ``work`` (one order's transaction), ``header`` (open, customer, sale type, park,
resume, void), ``lines`` (adding, quantities, removing), ``serials`` (a line's serial and its
unit), ``checkout`` (payments, fulfilment, invoice), ``host`` (whole orders from a host) and
``amend`` (an open order made equal to a store terminal's copy of it, ``order_amend``).
Code in serialpos imports from those modules; the names below are re-exported for scripts
written against the single module this used to be.
"""

from __future__ import annotations

from serialpos.services.orders.checkout import add_payment, fulfil, issue_invoice, take_payment
from serialpos.services.orders.header import (
    open_order,
    park,
    resume,
    set_customer,
    set_sale_type,
    void,
)
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.lines import NewOrder, add_item, add_scan, remove_line, set_quantity
from serialpos.services.orders.reading import (
    get_order,
    line_mode,
    list_orders,
    pending_serial_lines,
)
from serialpos.services.orders.serials import set_serial
from serialpos.services.orders.views import (
    DOCUMENT_TYPE,
    MAX_LINES,
    ZERO,
    AddResult,
    Customer,
    FulfilResult,
    OrderClosed,
    OrderLineView,
    OrderSummary,
    OrderView,
    PaymentTaken,
    PaymentView,
    PendingLine,
    UnknownOrder,
)

__all__ = [
    "DOCUMENT_TYPE",
    "MAX_LINES",
    "ZERO",
    "AddResult",
    "Customer",
    "FulfilResult",
    "NewLine",
    "NewOrder",
    "OrderClosed",
    "OrderLineView",
    "OrderSummary",
    "OrderView",
    "PaymentTaken",
    "PaymentView",
    "PendingLine",
    "UnknownOrder",
    "add_item",
    "add_payment",
    "add_scan",
    "create_order",
    "fulfil",
    "get_order",
    "issue_invoice",
    "line_mode",
    "list_orders",
    "open_order",
    "park",
    "pending_serial_lines",
    "remove_line",
    "resume",
    "set_customer",
    "set_quantity",
    "set_sale_type",
    "set_serial",
    "take_payment",
    "void",
]
