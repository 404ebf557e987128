"""A bare ledger ``return`` of a unit sold on an order is refused (``sold_on_order``).

Every ``sell`` and every counter sale is an order with an invoice and a payment. The bare
ledger move put such a unit back in stock but left the sale in the books: no refund note,
the invoice still in the sales report, the order line still sold, and the order's own
return (``order_return``) then refused it as "not sold": money in no book. So the line is
refused, naming the order, and the customer's return is taken by ``order_return`` (a
refund note, the refund paid, the line returned: services/returns.py).

Decision (trust walk): routing the bare line through the order's return instead made a
store terminal's journaled return book a refund note on whatever sale central held for the
unit, another till's customer's after a conflict, numbered like the till's own note (the
revert of 9a7ee8b). Refusing is the rule that cannot book money wrong. A unit no order
holds (sold before sales were orders) and a quantity (no unit names its sale) still come
back by the ledger alone, as documented. A till's entry refused this way is a conflict
(services/conflict_codes.py), never dropped: a manager resolves it by ``return``, which
books the return through the order (services/conflicts.py ``return_line``), or ``accept``.

The check runs inside the move's transaction, after the move (services/ledger.py
``check``): a sale committed between a separate read and the move cannot slip by.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.engine import Connection

from serialpos.domain.errors import DomainError
from serialpos.domain.text import clip
from serialpos.services.returns import sale_of_unit


class SoldOnOrder(DomainError):
    """The unit was sold on an order: its return is that order's (``order_return``)."""

    code = "sold_on_order"


def refuse_sold_on_order(sku: str, serials: Sequence[str]) -> Callable[[Connection], None]:
    """The check a bare ``return`` of ``serials`` of ``sku`` runs in its transaction:
    refused, naming the order, when a fulfilled order line holds one of them."""

    def check(conn: Connection) -> None:
        for serial in serials:
            sale = sale_of_unit(conn, sku, serial)
            if sale is not None:
                raise SoldOnOrder(
                    f"{clip(serial)} was sold on order {sale[0]}: take it back with "
                    f"order_return on order {sale[0]} (it issues the refund note and "
                    "refunds the customer); a bare return leaves the sale in the books"
                )

    return check
