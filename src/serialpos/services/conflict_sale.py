"""The ``record_sale`` resolution of a till's conflicting sale (issue 16).

A till's sale is one journal entry applied whole or not at all: when one of its units was
sold at another till first, central recorded none of it — not the other lines the customer
took home, not the money in the till. ``accept`` leaves it so, and the money is missing
from central's books for good. ``record_sale`` records the sale as the till made it (its
order and invoice numbers, customer, prices, tenders) with each line that named a unit sold
elsewhere left **open and paid**: its serial cleared (central's unit is another customer's),
nothing of it handed over at central. The money taken is then central's, the goods that did
leave are sold, and the open line says what is owed: a manager hands over another unit
(serial set, fulfilled) or refunds it, as for any paid line not yet delivered. Recording
the sale without the line would instead make the tenders exceed the sale and call the
difference change given, which the till never gave.

A conflict that follows another (the exchange of a unit from that sale: its return names the
order, its new sale the return's refund note) is recorded whole by ``record_sale``, once the
sale it follows is recorded: nothing of it named a unit sold elsewhere.

The sale is recorded as the cashier's who made it at the till (the entry's ``journal.user``,
as the till's push would have recorded it: order, invoice, payments and events), whatever
became of that user since; the manager is recorded as who resolved the conflict (its
resolution's ``by``). It was recorded under the manager's name, and the sales by cashier
and the serial card then named someone who never sold it.

A line of the rest that turns out sold elsewhere too (two units of the sale taken by other
tills) is left open the same way, named by central's refusal; anything else refused is
said, and nothing is resolved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.domain.errors import BadRequest
from serialpos.domain.sale_not_recorded import FOLLOW_ERRORS, SALE_OPS
from serialpos.domain.users import Role
from serialpos.services.context import Actor

Result = dict[str, Any]


def rest_of_sale(current: Mapping[str, Any], unit: tuple[str, str] | None = None) -> Result:
    """The line that records conflict ``current``'s sale with its conflicting line(s)
    open; a :class:`BadRequest` for a conflict that is no till's sale. ``unit``: (store,
    state) of the conflict's unit at central now. A unit no other customer bought (written
    off, moved, reserved meanwhile) that is **in stock at the sale's store again** (a
    manager added it back: the till's customer has it) is sold with the rest, its line
    handed over as the till did; one sold elsewhere stays the other customer's."""
    line = (current.get("entry") or {}).get("line") or {}
    if current.get("error") in FOLLOW_ERRORS:
        # It follows a conflict: recorded whole once the document it names is central's
        # (the sale it follows recorded by record_sale first; refused until then).
        return {k: v for k, v in line.items() if k != "id"}
    if line.get("op") not in SALE_OPS or not isinstance(line.get("lines"), list):
        raise BadRequest(
            f"conflict {current.get('id')} is no sale of a till ({line.get('op', '?')}): "
            "record_sale records a sale's other lines and tenders; resolve it by accept, "
            "return or write_off"
        )
    serial = current.get("serial")
    lines = line["lines"]
    named = {n for n, item in enumerate(lines, start=1) if serial and item.get("serial") == serial}
    back = unit == (current.get("store"), "in_stock") and current.get("error") != "already_sold"
    if back:
        named = set()
    return leave_open(dict(line), named, why=None if back else gone_words(current, unit))


def gone_words(current: Mapping[str, Any], unit: tuple[str, str] | None) -> str | None:
    """Why the conflict's unit cannot be the till's sale at central now, and what to do,
    when it was not sold elsewhere (the words of a sale whose every line named it); None
    for a unit sold to another customer (the standing words say that)."""
    serial, store = current.get("serial"), current.get("store")
    if not serial or unit is None or unit[1] == "sold" or current.get("error") == "already_sold":
        return None
    first = current.get("first_event") or {}
    at = f" at {first['at']}" if first.get("at") else ""
    event = f" (event {first['id']})" if first.get("id") else ""
    gone, where = unit[1].replace("_", " "), unit[0]
    if unit[1] == "written_off":
        what = f"{serial} was written off at {where}{at}{event}"
    else:
        what = f"{serial} is {gone} at {where} at central{event}"
    first_do = (
        f"add it back first (adjust adding {serial} at {store})"
        if unit[1] == "written_off"
        else f"bring it back into stock at {store} first"
    )
    return (
        f"{what}, not in stock for the till's sale: {first_do}, then record_sale records "
        "the sale with it; or resolve by refund (the sale recorded, voided and its money "
        "refunded) or accept; nothing was resolved"
    )


def check_followed(current: Mapping[str, Any], followed: Mapping[str, Any] | None) -> None:
    """Refuse ``record_sale`` of conflict ``current`` that follows conflict ``followed`` (an
    exchange's return or new sale) while the document it names cannot be central's: that
    conflict is still open (record it first), or was resolved other than by ``record_sale``
    (nothing of it was recorded: only ``accept`` settles this one). Central refused it as an
    unknown order or refund note, which did not say what to do."""
    if followed is None:
        return
    number, follows = current.get("id"), followed.get("id")
    if followed.get("status") == "open":
        raise BadRequest(
            f"conflict {number} follows conflict {follows}, still open: resolve {follows} "
            f"by record_sale first (what {number} names is recorded then), or {number} by "
            "accept; nothing was resolved"
        )
    done = (followed.get("resolution") or {}).get("action")
    if done != "record_sale":
        raise BadRequest(
            f"conflict {number} follows conflict {follows}, resolved by {done}: what it "
            f"names was never recorded at central, so {number} cannot be; resolve it by "
            "accept (the till then takes central's state of its units)"
        )


def cashier(conn: Connection, line: Mapping[str, Any], resolver: Actor) -> Actor:
    """Who made the sale of ``line`` (a till's entry: its ``journal.user``), acting at the
    resolver's terminal; enabled or not (the sale was theirs when it was made). The resolver
    for a line naming no cashier central knows."""
    from serialpos.services.users import find_user

    journal = line.get("journal")
    name = journal.get("user") if isinstance(journal, Mapping) else None
    found = find_user(conn, name) if isinstance(name, str) and name.strip() else None
    if found is None:
        return resolver
    return Actor(user=found.name, role=Role(found.role), terminal=resolver.terminal)


def leave_open(line: Result, positions: set[int], why: str | None = None) -> Result:
    """``line`` (an ``order_create`` entry) with the lines at ``positions`` left open
    without their serial; refused when no line would be handed over, by ``why`` when
    given (the unit was not sold elsewhere: :func:`gone_words`)."""
    count = len(line["lines"])
    fulfil = line.get("fulfil")
    chosen = list(range(1, count + 1)) if fulfil is True else list(fulfil or [])
    rest = [p for p in chosen if p not in positions]
    if not rest:
        if why:
            raise BadRequest(why)
        raise BadRequest(
            "every line of the sale named a unit sold elsewhere: nothing of it left the store "
            "as central knows it; resolve by refund (the sale recorded, voided and its money "
            "refunded, at central and on the till), or by return (the sale that stands taken "
            "back)"
        )
    line["lines"] = [
        {k: v for k, v in item.items() if k != "serial"} if n in positions else item
        for n, item in enumerate(line["lines"], start=1)
    ]
    line["fulfil"] = rest
    line.pop("id", None)  # a resolution's line is no terminal's apply of its id
    return line


#: Refusals that name a unit of the rest sold elsewhere meanwhile.
_GONE = frozenset({"already_sold", "not_in_stock", "invalid_state", "reserved", "leased"})


def record(apply: Callable[[Result], Result], line: Result) -> Result:
    """Apply ``line`` by ``apply``; a line of it whose unit central refuses as moved is
    left open too and the rest tried again, once per line at most."""
    for _attempt in range(len(line.get("lines") or [])):
        verdict = apply(line)
        if verdict["ok"] or verdict.get("error") not in _GONE:
            return verdict
        message = str(verdict.get("message", ""))
        moved = {
            n
            for n, item in enumerate(line["lines"], start=1)
            if isinstance(item.get("serial"), str)
            and re.search(rf"(?<![\w-]){re.escape(item['serial'])}(?![\w-])", message)
        }
        if not moved:
            return verdict
        line = leave_open(line, moved)
    return apply(line)
