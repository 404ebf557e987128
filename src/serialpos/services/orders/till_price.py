"""A store terminal's sale priced as the till priced it (issue 16).

A till sells at the price its catalogue copy gives; central may have changed the price
before the till took the change. The customer paid what the till asked, so central records
the line at the till's price (``catalogue_price`` on the journal entry's line) and keeps the
difference on the line itself, where a price override is kept (migration 0018's columns):
``list_price`` is central's price, the reason says ``price_differs`` with both prices, who
sold it and when. The sales report and its export show the reason beside the line (a price
that differs is no money off: 0.00), the invoice prints "was" central's price, and a
manager finds every such line by its reason. (Until this module these differences went to
``user_audit``, the users' audit table, where no sales report looked.)

A line the till also gave a price override or a discount (its own reason) keeps both: the
terms are applied first, as the till applied them, against the till's shelf price (the
manager's approval, or none, was decided there against that price), then central's price
is kept as ``list_price`` and the reason becomes the override's followed by the
difference, ``scratched box; price_differs: 400.00 on the till, 450.00 at central`` (the
override's reason cut, with "…", only as far as needed to fit the column's 200
characters: the whole of it stays in the till's journal entry, which central keeps with
its outcome). One reason column, both reasons in it: the sales report and its export show
the line's reason as they always have, and a search for ``price_differs`` finds it.
"""

from __future__ import annotations

from decimal import Decimal

from serialpos.db.tables import utcnow
from serialpos.domain.discounts import MAX_REASON
from serialpos.domain.text import clip

#: The reason a line priced at the till's price carries (its start: both prices follow).
PRICE_DIFFERS = "price_differs"


def differs(till: Decimal | None, central: Decimal) -> bool:
    """Whether the till sold at another price than central's (no till price: it did not)."""
    return till is not None and till != central


def line_values(till: Decimal, central: Decimal, user: str) -> dict[str, object]:
    """The order line's columns for a unit sold at ``till`` where central says ``central``:
    priced at the till's, the difference kept on the line as an override's is."""
    return {
        "unit_price": till,
        "list_price": central,
        "discount_reason": f"{PRICE_DIFFERS}: sold at {till} on the till, {central} at central",
        "discount_by": user[:32],
        "discount_at": utcnow(),
    }


def joined_values(till: Decimal, central: Decimal, reason: str) -> dict[str, object]:
    """The columns of a line sold at the till's shelf price ``till`` with a price override
    or discount of its own (``reason``), where central says ``central``: central's price
    kept beside it and both reasons kept (the override's first, cut only to fit). Who gave
    the override, who approved it and when stay as the terms wrote them."""
    tail = f"; {PRICE_DIFFERS}: {till} on the till, {central} at central"
    room = MAX_REASON - len(tail)
    kept = reason if len(reason) <= room else clip(reason, room - 1)
    return {"list_price": central, "discount_reason": kept + tail}
