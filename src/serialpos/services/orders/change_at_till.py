"""The change a till gave when it handed a whole sale over (issue 16).

A fulfilment gives change (a ``change`` payment of cash, less, and the invoice's
``change_due``) when it hands over the order's last open line and the tenders exceed the
order's total: the customer is owed the rest then. A till's offline sale that a manager
records at central by ``record_sale`` (services/conflict_sale.py) is recorded with the line
that named a unit sold elsewhere left **open and paid**, so central's fulfilment is not the
last one and gave no change; the till did, at its counter, when it sold the whole sale. The
open line's later fulfilment then found the tenders over the total and gave the change a
second time (a cash payment of minus the change), and central's books held the cash
tendered, not the cash kept.

So the manager's resolution records it inside :func:`given_at_till`: the fulfilment gives
the change the till gave, as an online sale records it (the tender, then the change row on
the invoice), and the open line's fulfilment finds the order paid exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_at_till: ContextVar[bool] = ContextVar("change_at_till", default=False)


@contextmanager
def given_at_till(whole: bool) -> Iterator[None]:
    """Fulfilments inside give change as the last one would, when ``whole`` (the till handed
    every line of the sale over and gave its change then); else as always."""
    token = _at_till.set(whole)
    try:
        yield
    finally:
        _at_till.reset(token)


def gives_change(last: bool) -> bool:
    """Whether a fulfilment (the order's ``last`` open lines, or not) gives the change of
    tenders over the order's total now."""
    return last or _at_till.get()
