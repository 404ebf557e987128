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

The till names the units it takes back by serial (``order_return`` with ``serials``) as
often as by line number. Central cleared the open line's serial, so the serial alone finds
no line: inside the resolution the till's own sale (the conflict the return follows, or the
one that follows) says which line held it (:func:`line_left_open`). Without this the
``serials`` form was refused "was not sold on order", and only ``accept`` was left, which
kept the exchange's new unit sold at the till and in stock at central.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from serialpos.domain.orders import LineStatus
from serialpos.domain.serials import normalize_serial

_resolving: ContextVar[bool] = ContextVar("open_line_credit", default=False)
#: Order number -> {serial: line number} of the till's sales the resolved act follows.
_held: ContextVar[Mapping[str, Mapping[str, int]] | None] = ContextVar(
    "open_line_serials", default=None
)


@contextmanager
def for_resolution(
    on: bool = True, held: Mapping[str, Mapping[str, int]] | None = None
) -> Iterator[None]:
    """Returns made inside take back a line left open and paid (module doc), when ``on``;
    ``held`` (from :func:`serials_of_sales`) says which line of a till's sale held a serial."""
    token = _resolving.set(on)
    named = _held.set(held or {})
    try:
        yield
    finally:
        _held.reset(named)
        _resolving.reset(token)


def serials_of_sales(
    current: Mapping[str, Any], show: Callable[[int], Mapping[str, Any]]
) -> dict[str, dict[str, int]]:
    """For conflict ``current`` (a till's follow-on act), the till's sales it follows, up
    the chain of ``follows`` (each read by ``show``): order number -> {serial: the number
    of the line that held it at the till}. A sale's lines are numbered as its entry lists
    them, at the till and as ``record_sale`` recorded it."""
    out: dict[str, dict[str, int]] = {}
    seen: set[int] = set()
    follows = current.get("follows")
    while isinstance(follows, int) and follows not in seen:
        seen.add(follows)
        row = show(follows)
        line = (row.get("entry") or {}).get("line") or {}
        numbers = line.get("numbers")
        order = numbers.get("order") if isinstance(numbers, Mapping) else None
        items = line.get("lines")
        if isinstance(order, str) and isinstance(items, list):
            out.setdefault(order, {}).update(
                {
                    str(normalize_serial(item["serial"])): n
                    for n, item in enumerate(items, start=1)
                    if isinstance(item, Mapping) and isinstance(item.get("serial"), str)
                }
            )
        follows = row.get("follows")
    return out


def line_left_open(order: str, serial: str, lines: Iterable[Any]) -> int | None:
    """The id of the line of ``order`` (its ``lines``, each with ``line``, ``number``,
    ``status`` and ``serial``) that held ``serial`` at the till and was left open without it
    at central, inside :func:`for_resolution`; None otherwise."""
    if not _resolving.get():
        return None
    number = (_held.get() or {}).get(order, {}).get(str(normalize_serial(serial)))
    for ln in lines:
        if ln.number == number and ln.status is LineStatus.OPEN and not ln.serial:
            return int(ln.line)
    return None


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


def invoiced_only(rows: list[sa.Row[Any]]) -> list[sa.Row[Any]]:
    """The order-line ``rows`` a return's refund note lists: not a line taken back open
    (``taken_without_unit``). Such a line was never invoiced (``record_sale`` invoiced the
    lines handed over): its money was a deposit, and giving it back is a refund payment, not
    a credit note against sales. Listed on the note, the sales reports counted the refund
    against an invoice that never charged it (a 47.99 sale reported as -1030.81). The note
    keeps its number (an exchange's new sale names it, and its refund payments are the
    credit), with nothing on it when every line it takes back was open."""
    return [r for r in rows if r._mapping["status"] != LineStatus.OPEN]
