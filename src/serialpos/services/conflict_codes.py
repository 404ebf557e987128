"""Which refusals of a store terminal's entry are conflicts (issue 16).

A store terminal sells on while its link is down, then pushes its journal. An entry no longer
legal when it arrives at central (the unit was sold at another till meanwhile, received
elsewhere...) is recorded as a conflict and kept for a manager (services/conflicts.py), never
dropped; any other refusal (a bad line, a permission) is answered as usual and leaves the
entry's id free. The push (services/entries.py), a sale's entry (services/entry_sells.py) and
a till's resend of lost conflicts (services/lost_conflicts.py) all decide it here, so they
agree on what is a conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Refusals that mean "the unit moved since the terminal last knew it": recorded as conflicts.
CONFLICT_CODES = frozenset(
    {"already_sold", "not_in_stock", "invalid_state", "duplicate_serial", "reserved", "leased"}
)
#: Operations whose ``conflict`` refusal lasts: an ASN is received once, so an ASN receipt
#: refused ``conflict`` (the ASN was received meanwhile, by another till of the store or at
#: central) is refused the same however often it is sent. Elsewhere ``conflict`` is a race
#: with another terminal at the same moment (the terminal sends the entry again).
LASTING_CONFLICT_OPS = frozenset({"asn_receive"})
#: Refusals that are conflicts for one operation only: a line a till took back that is no
#: longer sold at central (the same unit returned first at another till of the store, or
#: at central: ``not_returnable`` named by its line's number, ``not_on_order`` by its
#: serial) is the double return of one unit, kept for a manager. The till checked the line
#: was sold on its copy of the order before it took the unit back.
#: A till's bare ``return`` of a unit central holds sold on an order (``sold_on_order``,
#: services/sold_on_order.py: journaled before the rule, or by a till without the order's
#: copy) is kept too: the till took the unit back; a manager resolves it by ``return``
#: (through the order: a refund note) or ``accept``.
OP_CONFLICT_CODES = frozenset(
    {
        ("order_return", "not_returnable"),
        ("order_return", "not_on_order"),
        ("return", "sold_on_order"),
        # A till fulfilled lines holding other serials than central's now
        # (services/handed_over.py): the customer took the till's units.
        ("order_fulfil", "serial_changed"),
        # Money a till took or gave back on its order that central closed meanwhile (a
        # deposit on an order central voided, a void's refund of one central fulfilled):
        # the money moved in the till's drawer, so a manager settles it, never no book.
        ("order_pay", "order_closed"),
        ("order_void", "order_closed"),
        # A till's fulfilment (the balance taken into its drawer, the unit handed over) of
        # an order central fulfilled or voided meanwhile: refused, it was in no book at
        # central and no manager was asked.
        ("order_fulfil", "order_closed"),
        # A till's transfer receipt asking more of a quantity than is still in transit on
        # the transfer: central (or another till) received it meanwhile. The goods arrived
        # at the till whatever central says, so a manager sees it; the till redoes the rest.
        ("transfer_in", "not_in_transit"),
    }
)


def is_conflict(data: Mapping[str, Any], refusal: Mapping[str, Any]) -> bool:
    """Whether a refused entry is a conflict (kept for a manager) rather than a refusal:
    the unit moved since the terminal last knew it, or the document it worked on was
    finished elsewhere meanwhile ("received elsewhere", issue 16)."""
    code, op = refusal.get("error"), data.get("op")
    return (
        code in CONFLICT_CODES
        or (code == "conflict" and op in LASTING_CONFLICT_OPS)
        or (op, code) in OP_CONFLICT_CODES
    )
