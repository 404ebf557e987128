"""Money a till moved on its order that central closed meanwhile, for people (issue 16).

A till's deposit (``order_pay``) on an order central voided (booked by ``refund``, or by
``record_sale`` once central's order is fulfilled and owes it), or its void
(``order_void``, its refunds paid out of the till's drawer) of an order central fulfilled,
is a conflict ``order_closed``; so is its fulfilment (``order_fulfil``) of an order central
fulfilled or voided, booked by ``record_sale`` (after central's void) or ``refund`` (after
its fulfilment). ``conflicts show`` and the console's conflict detail said only central's
refusal; what the till's drawer moved, and where it is booked after the resolution, is said
here (a ``money:`` line, as a till's return says its
refund: domain/conflict_words.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: The till's entries on an order whose ``order_closed`` conflict ``refund`` settles
#: (services/conflict_closed_money.py).
CLOSED_MONEY_OPS = frozenset({"order_pay", "order_void"})


def entry_line(c: Mapping[str, Any]) -> Mapping[str, Any]:
    """Conflict ``c``'s entry line ({} when it has none)."""
    line = (c.get("entry") or {}).get("line") or {}
    return line if isinstance(line, Mapping) else {}


def is_closed_money(c: Mapping[str, Any]) -> bool:
    """Whether conflict ``c`` is money a till moved on an order central closed."""
    return c.get("error") == "order_closed" and entry_line(c).get("op") in CLOSED_MONEY_OPS


def _amounts(given: object) -> str:
    items = given if isinstance(given, Sequence) and not isinstance(given, str) else []
    said = [
        f"{str(i.get('amount', '?')).lstrip('-')} by {i.get('method', '?')}"
        for i in items
        if isinstance(i, Mapping)
    ]
    return " and ".join(said)


def is_closed_fulfil(c: Mapping[str, Any]) -> bool:
    """Whether conflict ``c`` is a till's fulfilment of an order central closed meanwhile
    (services/conflict_closed_fulfil.py)."""
    return c.get("error") == "order_closed" and entry_line(c).get("op") == "order_fulfil"


#: What each resolution of a till's fulfilment on a closed order books at central.
FULFIL_BOOKED = {
    "record_sale": (
        "the unit sold and the till's tenders taken on the order, which owes the deposit "
        "central refunded on its void"
    ),
    "refund": (
        "the till's tenders taken and refunded there, the refund paid out of the till's "
        "drawer; central's sale and its unit stand"
    ),
}


def _fulfil_words(c: Mapping[str, Any]) -> str | None:
    """The ``money:`` line of a till's fulfilment of an order central fulfilled or voided
    meanwhile (its customer took the unit and paid into the till's drawer, and central's
    order is closed): where each resolution offered books it (``record_sale`` after
    central's void, ``refund`` after its fulfilment); None for any other conflict."""
    line = entry_line(c)
    if not is_closed_fulfil(c):
        return None
    order = line.get("order", "its order")
    took = _amounts(line.get("payments")) or "nothing more"
    change = str(line.get("change_due") or "0.00")
    given = "" if change in ("0", "0.00") else f", {change} change given"
    kept = (
        f"in the till's books only (its copy of {order} stays fulfilled, unlike central's, "
        "the sale not taken)"
    )
    resolution = c.get("resolution")
    done = resolution.get("action") if isinstance(resolution, Mapping) else None
    offered = [a for a in FULFIL_BOOKED if a in (c.get("resolutions") or ())]
    if done in FULFIL_BOOKED:
        where = f"booked at central by {done}: {FULFIL_BOOKED[done]}"
    elif done:
        where = f"not at central ({done}): {kept}"
    elif offered:
        books = "; ".join(f"{a} books it at central ({FULFIL_BOOKED[a]})" for a in offered)
        where = f"{books}; accept leaves it {kept}"
    else:
        where = (
            f"no resolution books it at central; accept leaves it {kept}: settle it with "
            "the customer"
        )
    return (
        f"money: the till's fulfilment of {order} took {took} (in its drawer{given}) and handed "
        f"its unit over after central closed it; {where}"
    )


def fulfil_question(c: Mapping[str, Any], by: str) -> str:
    """What ``by`` (``record_sale`` or ``refund``) of closed-fulfil conflict ``c`` does,
    for the question asked before it."""
    line = entry_line(c)
    order = line.get("order", "its order")
    if by == "record_sale":
        return (
            f"Central records the till's sale of {order}: the unit sold, the till's "
            f"{_amounts(line.get('payments')) or 'tenders'} taken; the order then owes the "
            "deposit central refunded."
        )
    till = c.get("terminal") or "the till"
    return (
        f"Central books the till's {_amounts(line.get('payments')) or 'tenders'} on {order} "
        f"as taken and refunded (central's sale stands): pay the customer back from {till}'s "
        "drawer."
    )


#: What the console says after each resolution of such a conflict.
FULFIL_DONE = {
    "record_sale": "the till's sale booked at central",
    "refund": "the till's money booked at central and refunded",
}


def closed_money_words(c: Mapping[str, Any]) -> str | None:
    """``money: the till took 300.00 by cash on ORDER … ; refund books it …``; None for any
    other conflict."""
    fulfil = _fulfil_words(c)
    if fulfil is not None:
        return fulfil
    if not is_closed_money(c):
        return None
    line = entry_line(c)
    order = line.get("order", "its order")
    deposit = line.get("op") == "order_pay"
    if deposit:
        paid = f"the till took {_amounts(line.get('payments')) or 'a deposit'} on {order} "
        paid += "(in its drawer) after central closed it"
        booked = "taken and refunded there, the refund paid out of the till's drawer"
        kept = f"its copy of {order} keeps the deposit on a closed order"
    else:
        amounts = _amounts(line.get("refunds"))
        paid = (
            f"the till's void of {order} paid {amounts} back out of its drawer"
            if amounts
            else f"the till voided {order} (an older till: its entry names no amount)"
        )
        booked = "the refund paid, the order owing it"
        kept = f"its copy of {order} stays voided, unlike central's"
    resolution = c.get("resolution")
    done = resolution.get("action") if isinstance(resolution, Mapping) else None
    offered = c.get("resolutions")
    if done == "record_sale" or (
        deposit and not done and isinstance(offered, Sequence) and "record_sale" in offered
    ):
        # A deposit on an order central holds fulfilled and owing it (its till's
        # fulfilment booked there): taken on the order (services/conflict_closed_deposit.py).
        taken = f"taken on {order}, which owes that much less; nothing paid back"
        if done:
            return f"money: {paid}; booked at central by record_sale: {taken}"
        return (
            f"money: {paid}; record_sale books it at central ({taken}); refund would pay "
            f"back money the sale needs; accept leaves it in the till's books only ({kept})"
        )
    if done == "refund":
        where = f"booked at central by refund: {booked}"
    elif done:
        where = f"not at central ({done}): in the till's books only, {kept}"
    elif c.get("resolutions") is None or "refund" in c["resolutions"]:
        # Listed without ``resolutions`` (a till's copy read offline): central decides.
        where = (
            f"refund books it at central ({booked}); accept leaves it in the till's books "
            f"only ({kept})"
        )
    else:
        where = (
            "no resolution books it at central; accept leaves it in the till's books only "
            f"({kept}): settle it with the customer"
        )
    return f"money: {paid}; {where}"


def refund_question(c: Mapping[str, Any]) -> str:
    """What ``refund`` of closed-money conflict ``c`` does, for the question asked before
    it (the console's F9: a sale's words, "recorded without the unit, voided", were untrue
    for it)."""
    line = entry_line(c)
    order = line.get("order", "its order")
    if line.get("op") == "order_pay":
        amounts = _amounts(line.get("payments")) or "the deposit"
        till = c.get("terminal") or "the till"
        return (
            f"Central books the till's {amounts} on {order} as taken and refunded: pay the "
            f"customer back from {till}'s drawer."
        )
    amounts = _amounts(line.get("refunds")) or "the refund"
    return (
        f"Central books the {amounts} the till's void paid back on {order}, which stays "
        "fulfilled and owes it."
    )


#: What the console says after ``refund`` of such a conflict.
REFUND_DONE = "the till's money on the closed order booked at central"


def deposit_question(c: Mapping[str, Any]) -> str:
    """What ``record_sale`` of a till's deposit on an order central holds fulfilled and
    owing it does (services/conflict_closed_deposit.py), for the question asked before
    it."""
    line = entry_line(c)
    amounts = _amounts(line.get("payments")) or "the deposit"
    return (
        f"Central books the till's {amounts} on {line.get('order', 'its order')} as taken "
        "(it stays in the till's drawer): the order owes that much less."
    )


#: What the console says after ``record_sale`` of a till's deposit.
DEPOSIT_DONE = "the till's deposit booked at central"
