"""What each resolution of a conflict needs before anything is written, and so which
resolutions a conflict offers (issue 16).

``conflicts show`` said what a resolution would do where central then refused it: a till's
second return of one unit read "record_sale books it at central" (record_sale is refused for
any conflict that is no sale), a till's sale of a unit central wrote off meanwhile was refused
``record_sale`` as "every line named a unit sold elsewhere" (untrue) even once the unit was
added back. :func:`precheck` is what :func:`serialpos.services.conflicts.resolve` asks before
its transaction; :func:`offered` asks it for every resolution, with what the unit's state
at central allows (a ``return`` moves a sold unit back to stock, a ``write_off`` removes a
unit in stock at the conflict's store), so a conflict lists only the resolutions that can
go through, and the words that name one (services/conflict_sale.py) name one listed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from serialpos.domain.errors import BadRequest
from serialpos.services.conflict_closed_money import ClosedOrder, is_closed_money
from serialpos.services.conflict_closed_money import check as closed_money_check
from serialpos.services.second_refund import check as check_second_return
from serialpos.services.second_refund import second_return

Result = dict[str, Any]

#: How a manager resolves a conflict (services/conflicts.py ``RESOLUTIONS``, in its order).
RESOLUTIONS = ("accept", "return", "write_off", "record_sale", "refund")

#: (store code, state) of the conflict's unit at central now; None when it names none.
UnitNow = tuple[str, str] | None

#: The conflict numbered so (a follow-on's) as listed.
Lookup = Callable[[int], Mapping[str, Any]]


def precheck(
    current: Mapping[str, Any],
    action: str,
    *,
    unit: UnitNow,
    lookup: Lookup,
    followers: Callable[[], Sequence[Mapping[str, Any]]],
    order_status: ClosedOrder | None = None,
) -> None:
    """Refuse ``action`` on conflict ``current`` (open) with a :class:`BadRequest` saying
    what works instead, before anything is written. ``unit``: its unit at central now;
    ``lookup``: another conflict by number; ``followers``: the conflicts following it;
    ``order_status``: central's status of the order a till's money on a closed order names
    (services/conflict_closed_money.py), with its open lines' units for a till's fulfilment
    of it (services/conflict_closed_fulfil.py)."""
    from serialpos.services.conflict_closed_fulfil import check as closed_fulfil_check
    from serialpos.services.conflict_closed_fulfil import is_closed_fulfil
    from serialpos.services.conflicts import refuse_record_sale

    number = current.get("id")
    if action in ("record_sale", "refund") and is_closed_fulfil(current):
        # A till's fulfilment of an order central closed meanwhile: record_sale books it
        # after central's void, refund after its fulfilment
        # (services/conflict_closed_fulfil.py).
        status = None if order_status is None else order_status.status
        units = [] if order_status is None else list(order_status.units)
        closed_fulfil_check(current, action, status, units)
        return
    if action in ("return", "write_off") and current.get("follows") is not None:
        # An act on a sale central did not record (an exchange's return or new sale): the
        # unit it names (taken from that sale) may be another customer's at central, so a
        # return or write-off of it here would move the wrong unit.
        raise BadRequest(
            f"conflict {number} follows conflict {current['follows']} and moves no "
            "unit of its own: resolve it by record_sale (it is then recorded) or by accept"
        )
    if action in ("return", "write_off") and (
        current.get("serial") is None or current.get("sku") is None
    ):
        raise BadRequest(f"conflict {number} names no unit: resolve it by accept")
    op = ((current.get("entry") or {}).get("line") or {}).get("op")
    if action == "write_off" and op in ("order_return", "return"):
        # A till's return central could not take (the unit was taken back first, or is
        # still sold): the unit central holds is the one the first return brought back,
        # or the customer's; writing it off removes a real unit and settles nothing.
        booked = "refund (its refund booked at central) or " if second_return(current) else ""
        raise BadRequest(
            f"conflict {number} is a till's return of {current.get('serial')}, which "
            "central holds as the first event left it: write_off would remove that unit "
            f"and settle nothing; resolve it by {booked}accept (the till's refund stays in "
            "its books, listed apart as not taken on its X and Z reports); nothing was "
            "resolved"
        )
    if action == "record_sale" and is_closed_money(current):
        # A till's deposit on an order central voided, once central's order is fulfilled
        # and owes it: booked as taken (services/conflict_closed_deposit.py).
        from serialpos.services.conflict_closed_deposit import check_record

        check_record(current, order_status)
        return
    if action == "record_sale":
        from serialpos.services.conflict_sale import check_followed, rest_of_sale

        refuse_record_sale(current)
        follows = current.get("follows")
        check_followed(current, None if follows is None else lookup(int(follows)))
        rest_of_sale(current, unit)
    if action == "refund" and second_return(current):
        check_second_return(current)  # its refund booked at central (second_refund.py)
    elif action == "refund" and is_closed_money(current):
        # A till's deposit on, or void of, an order central closed meanwhile: refund books
        # the money its drawer moved (services/conflict_closed_money.py).
        closed_money_check(current, order_status)
    elif action == "refund":
        from serialpos.services.conflict_refund import check_followed as refund_followed
        from serialpos.services.conflict_refund import check_returned, refund_plan

        refund_plan(current)
        follows = current.get("follows")
        refund_followed(current, None if follows is None else lookup(int(follows)))
        check_returned(current, followers())


def state_allows(current: Mapping[str, Any], action: str, unit: UnitNow) -> bool:
    """Whether the unit's state at central lets ``action``'s event through: a ``return``
    takes back a sold unit (through its sale), a ``write_off`` removes a unit in stock at
    the conflict's store."""
    if action not in ("return", "write_off"):
        return True
    if unit is None:
        return False
    store, state = unit
    if action == "return":
        return state == "sold"
    return state == "in_stock" and store == current.get("store")


def offered(
    current: Mapping[str, Any],
    *,
    unit: UnitNow,
    lookup: Lookup,
    followers: Callable[[], Sequence[Mapping[str, Any]]],
    order_status: ClosedOrder | None = None,
) -> list[str]:
    """The resolutions that can go through for conflict ``current`` now, in
    :data:`RESOLUTIONS`' order; none once it is resolved. Central still decides at
    ``resolve`` (another manager may move the unit meanwhile)."""
    if current.get("status") != "open":
        return []
    out: list[str] = []
    for action in RESOLUTIONS:
        if not state_allows(current, action, unit):
            continue
        try:
            precheck(
                current,
                action,
                unit=unit,
                lookup=lookup,
                followers=followers,
                order_status=order_status,
            )
        except BadRequest:
            continue
        out.append(action)
    return out
