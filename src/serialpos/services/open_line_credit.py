"""A till's return of a line central left open and paid, recorded by a manager (issue 16).

A till's offline sale whose unit another till sold first is recorded at central by
``record_sale`` (services/conflict_sale.py) with that line **left open and paid**: the money
is central's, the unit the other customer's, and the line says what is owed. The till knew
none of this: its customer may have come back with that very unit and exchanged it (or
returned it) offline, a return of a line the till had handed over. Resolved by
``record_sale`` too, that return named a line central never handed over, and was refused
"open, not sold: nothing to return"; the exchange's new sale then found no refund note, and
the exchange could be recorded nowhere (``accept`` left its new unit sold at the till and in
stock at central, sellable twice, and its credit in no book).

What a shop does with a paid line it never delivered that the customer gives up: it takes the
line back for its money, as a refund of the line, no unit moving. So inside
:func:`for_resolution` (the manager's ``record_sale`` of a till's follow-on act) a return
naming such a line takes it back **without a unit**: the line returned on a refund note of
the till's number, its money refunded as the return asks (kept as exchange credit for an
exchange, whose new sale then carries it), and the order closed when no line is left open.
Central's unit stays the other customer's: the one the till took back was never this
order's at central, and the till takes central's state of it. Outside a resolution an open
line is refused as ever: at a counter, a line not handed over is removed or voided, not
returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from serialpos.domain.orders import LineStatus

_resolving: ContextVar[bool] = ContextVar("open_line_credit", default=False)


@contextmanager
def for_resolution(on: bool = True) -> Iterator[None]:
    """Returns made inside take back a line left open and paid (module doc), when ``on``."""
    token = _resolving.set(on)
    try:
        yield
    finally:
        _resolving.reset(token)


def taken_without_unit(line: Mapping[Any, Any], due: Callable[[], Decimal]) -> bool:
    """Whether a return takes order line ``line`` back for its money alone: inside
    :func:`for_resolution`, a line open without a serial (``record_sale`` cleared it), no
    package's part, on an order nothing is ``due`` on (read only then: the line was paid).
    Refused (False) otherwise."""
    return (
        _resolving.get()
        and line.get("status") == LineStatus.OPEN
        and not line.get("serial")
        and line.get("package_line") is None
        and due() == 0
    )
