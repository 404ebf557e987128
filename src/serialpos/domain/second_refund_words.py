"""The console's words for ``refund`` of a till's second return of one unit (issue 16).

``refund`` of a till's sale voids it and refunds its money (services/conflict_refund.py);
of a till's second return of one unit it books at central the refund the till already paid
(services/second_refund.py). The Conflicts screen asked "Refund conflict #N's sale? … voided"
and said "the sale voided and its money refunded" for both: of a return, untrue, and it
told the manager to pay the customer a third time. These are the return's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from serialpos.domain.conflict_keys import SECOND_RETURN
from serialpos.domain.text import visible

#: Said once central booked it.
DONE = "the till's second refund booked at central (no goods back: owed by the customer)"


def is_second_return(c: Mapping[str, Any]) -> bool:
    """Whether conflict ``c`` is a till's return of a unit central took back first."""
    line = (c.get("entry") or {}).get("line") or {}
    return (
        isinstance(line, Mapping)
        and line.get("op") == "order_return"
        and c.get("error") in SECOND_RETURN
    )


def question(conflict_id: int, c: Mapping[str, Any], central: str) -> str:
    """The question before ``refund`` of second return ``c`` (``central``: " (at central)"
    or "")."""
    given = c.get("return_money")
    money: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    amount = f" {money['amount']}" if money.get("amount") else ""
    note = f" on {visible(str(money['refund_note']))}" if money.get("refund_note") else ""
    till = visible(str(c.get("terminal") or "the till"))
    return (
        f"Book conflict #{conflict_id}'s refund{central}? The{amount} {till} paid out of its "
        f"drawer{note} is booked at central with no goods back (the unit came back once): "
        "the customer owes it back. Pay nothing now."
    )
