"""Which resolution keys the Conflicts screen shows for a conflict, and why a key it does not
offer is not tried (issue 16).

Central lists with each conflict the resolutions that go through for it now
(``resolutions``: services/conflict_checks.py ``offered``); ``conflicts show`` named only
those, while the screen showed F5-F9 for every conflict and sent whichever was pressed, to
be refused by central. The screen now shows the keys of the highlighted conflict's list and
answers a key not in it with the reason, sending nothing. A conflict listed without
``resolutions`` (a central older than the list, or a till's own conflict read offline)
shows every key, as before: central still decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from serialpos.domain.closed_money import is_closed_fulfil, is_closed_money
from serialpos.domain.text import visible

#: Each resolution's key and the footer's word for it, in central's order.
RESOLUTION_KEYS: tuple[tuple[str, str, str], ...] = (
    ("accept", "F5", "Accept"),
    ("return", "F6", "Return"),
    ("write_off", "F7", "Write off"),
    ("record_sale", "F8", "Record sale"),
    ("refund", "F9", "Refund"),
)


#: A till's ``order_return`` refused so is a second return of one unit, whose refund
#: ``refund`` books at central (services/second_refund.py).
SECOND_RETURN = frozenset({"not_returnable", "not_on_order"})


def offered(c: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The resolutions conflict ``c`` offers, in key order: its ``resolutions`` when listed,
    every one when central did not say (or nothing is highlighted)."""
    every = tuple(by for by, _key, _word in RESOLUTION_KEYS)
    listed = None if c is None else c.get("resolutions")
    if not isinstance(listed, Sequence) or isinstance(listed, str):
        return every
    return tuple(by for by in every if by in listed)


def key_hints(c: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """The footer's (key, word) pairs for the resolutions ``c`` offers."""
    shown = offered(c)
    return tuple((key, word) for by, key, word in RESOLUTION_KEYS if by in shown)


def _named(by: str) -> str:
    return next(f"{key} {word}" for b, key, word in RESOLUTION_KEYS if b == by)


def not_offered(c: Mapping[str, Any], by: str) -> str | None:
    """None when ``c`` offers ``by``; else why not and the keys that work, in one line (the
    key is answered, nothing is sent)."""
    shown = offered(c)
    if by in shown:
        return None
    number = f"#{c.get('id')}"
    line = (c.get("entry") or {}).get("line") or {}
    op = visible(str(line.get("op") or "?"))
    if c.get("status") != "open":
        why = "it is resolved already"
    elif by in ("return", "write_off") and c.get("follows") is not None:
        why = f"it follows conflict #{c.get('follows')} and moves no unit of its own"
    elif by in ("return", "write_off") and not c.get("serial"):
        why = "it names no unit"
    elif by == "return":
        why = "its unit is not sold at central now (a return takes a sold unit back)"
    elif by == "write_off" and op in ("order_return", "return"):
        why = "it is a till's return: the unit central holds is the one it took back"
    elif by == "write_off":
        why = f"its unit is not in stock at {visible(str(c.get('store') or '-'))} at central now"
    elif by == "record_sale" and is_closed_fulfil(c):
        # services/conflict_closed_fulfil.py: the till's sale is booked after central's void.
        why = (
            "it books the till's fulfilment once central voided the order and holds its unit "
            "in stock: central fulfilled it, or sold or moved the unit"
        )
    elif by == "refund" and is_closed_fulfil(c):
        why = (
            "it pays back the till's balance once central fulfilled the order: central voided "
            "it (record_sale books the sale), or the till kept no money"
        )
    elif by == "record_sale" and op == "order_pay" and is_closed_money(c):
        # services/conflict_closed_deposit.py: booked on an order fulfilled and owing it.
        why = (
            "it books the till's deposit once central holds the order fulfilled and owing at "
            "least that much (the till's fulfilment of it recorded first)"
        )
    elif by == "record_sale" and op != "order_create" and c.get("follows") is None:
        why = f"it is no till's sale of lines and tenders ({op}): there is no rest to record"
    elif by == "refund" and op == "order_return" and c.get("error") in SECOND_RETURN:
        # services/second_refund.py: an exchange's return paid no money out; a line central
        # never took back (left open, removed) is no second return.
        why = (
            "the till paid no money out on this return (exchange credit): nothing to book"
            if line.get("exchange") is True
            else "central did not take its unit back first through the same order"
        )
    elif by == "refund" and is_closed_money(c):
        why = (
            f"central cannot book the till's money on that order now ({op}: its entry names "
            "no amount, or central holds the order voided too)"
            if op != "order_pay"
            else "the sale needs the till's deposit (central's order is fulfilled and owes it, "
            "or the till fulfilled it later): F8 books it once the order owes it"
        )
    elif by == "refund" and op not in ("order_create", "sell") and c.get("follows") is None:
        why = (
            f"it is no till's sale, second return of one unit, nor money on an order central "
            f"closed ({op})"
        )
    else:
        why = "central would refuse it for this conflict now (Enter shows it whole)"
    works = ", ".join(_named(b) for b in shown) or "none: it is settled"
    return f"{_named(by)} is not offered for conflict {number}: {why}; keys that work: {works}"
