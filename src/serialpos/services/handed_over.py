"""The serials a till handed over with a fulfilment, carried by its journal entry and checked
at central before the entry is applied (issue 16, docs/offline.md).

A till's ``order_fulfil`` names the order's lines by number only; the order is central's too,
and central may have changed a line's serial meanwhile (a host's ``PUT .../serial`` while the
till was offline). Applied as sent, central sold its own line's unit — another unit than the
one the customer took home, the till's invoice and receipt naming the first — or, with the
serial cleared, refused the fulfil and the till put the sale back: the unit in stock at both
ends while the customer had it, the cash in no book. So the entry names, line by line, the
serial each line held when the till handed it over (``handed_over``: ``line_number`` and
``serial``, null for a line without one), and central fulfils only lines that hold the same:
any difference is refused ``serial_changed``, which central records as a conflict for a
manager (services/conflict_codes.py), never a silent different unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest, DomainError

#: The refusal of a fulfilment whose lines hold other serials at central than the till's.
SERIAL_CHANGED = "serial_changed"


def journaled(lines: Iterable[tuple[int, str | None]]) -> list[dict[str, Any]]:
    """``handed_over`` of a fulfilment's entry: (number, serial) of each line it handed
    over, in number order."""
    return [{"line_number": n, "serial": s} for n, s in sorted(set(lines))]


def with_serials(line: Mapping[str, Any], result: Mapping[str, Any]) -> Mapping[str, Any]:
    """An applied ``order_fulfil`` line as a till journals it: with ``handed_over`` read
    from its verdict's lines (those it put on the invoice); any other line as it is."""
    if line.get("op") != "order_fulfil":
        return line
    got = [x for x in result.get("lines") or [] if isinstance(x, Mapping)]
    return {**line, "handed_over": journaled((int(x["number"]), x.get("serial")) for x in got)}


def _given(value: Any) -> dict[int, str | None]:
    if not isinstance(value, list):
        raise BadRequest("'handed_over' must be a list of {line_number, serial}")
    given: dict[int, str | None] = {}
    for item in value:
        number = item.get("line_number") if isinstance(item, Mapping) else None
        serial = item.get("serial") if isinstance(item, Mapping) else None
        if isinstance(number, bool) or not isinstance(number, int):
            raise BadRequest("each of 'handed_over' needs a whole 'line_number'")
        if serial is not None and not isinstance(serial, str):
            raise BadRequest("'handed_over' serials must be text or null")
        given[number] = serial
    return given


def serials_of(value: Any) -> dict[int, str | None]:
    """A fulfilment entry's ``handed_over`` as {line number: serial}; a :class:`BadRequest`
    when it is malformed."""
    return _given(value)


def differences(given: Mapping[int, str | None], held: Mapping[int, str | None]) -> list[str]:
    """Each line whose serial here (``held``, by number) is not what was handed over, in
    words; none when they match."""
    words: list[str] = []
    for number, serial in sorted(given.items()):
        if number not in held:
            words.append(f"line {number} is not on the order here")
        elif held[number] != serial:
            here = held[number] or "no serial"
            words.append(
                f"line {number} holds {here} here, the till handed over {serial or 'none'}"
            )
    return words


def check(db: Database, order: str, value: Any) -> None:
    """Refuse (``serial_changed``) a fulfilment of ``order`` whose ``handed_over`` names
    another serial on any line than the order holds here; nothing is changed."""
    from serialpos.services.orders.reading import get_order

    given = _given(value)
    view = get_order(db, order)
    found = differences(given, {ln.number: ln.serial for ln in view.lines})
    if found:
        raise DomainError(
            f"order {view.order} was changed here after the till handed its units over: "
            + "; ".join(found),
            code=SERIAL_CHANGED,
        )
