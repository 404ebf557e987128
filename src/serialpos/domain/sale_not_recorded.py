"""What a conflicting sale held that central did not record (issue 16).

A till's sale reaches central as one journal entry (``order_create`` with ``fulfil`` and
``payments``) applied all or nothing: when one of its units was sold at another till first,
central records a conflict naming that unit, and **none** of the entry stands there — the
other lines, the tenders and the money taken are recorded nowhere at central. A manager who
reads "not applied: order_create #3" and resolves by ``accept`` loses the money from
central's books. So a conflict says the whole of it: each line (SKU, serial, quantity,
the price charged, the money its own discount took off), the order discount's money, the
tenders and the total taken (so the money adds up: the discounts were missing, and a till's
``apply`` sale showed no price at all until its lines carried the till's price,
terminal/journaled.py), and in plain words that the whole sale was not
recorded and which unit stopped it. Worked out from the entry's line alone, the same at
central and on the till (a conflict kept from an older push is read the same way).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from serialpos.domain.discounts import ZERO, percent_of
from serialpos.domain.document_not_recorded import line_words as document_line_words
from serialpos.domain.document_not_recorded import not_recorded as document_not_recorded

#: Entries that are a whole sale with its tenders.
SALE_OPS = frozenset({"order_create"})


def _money(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _line(item: Mapping[str, Any]) -> dict[str, Any]:
    """One sale line as a manager reads it: the price the customer was charged (an override
    when given, else the till's catalogue price) and the money its own discount took off
    (``discount``, None without one; its order discount share is the order's)."""
    quantity = item.get("quantity")
    count = quantity if isinstance(quantity, int) and quantity > 0 else 1
    price = _money(item.get("price", item.get("catalogue_price")))
    return {
        "sku": item.get("sku"),
        "serial": item.get("serial"),
        "quantity": count,
        "price": _text(price),
        "discount": _text(_own_discount(item, price, count)),
    }


def _percent(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        return None
    return found if 0 <= found <= 100 else None


def _own_discount(item: Mapping[str, Any], price: Decimal | None, count: int) -> Decimal | None:
    """The money a line's own discount takes off it (domain/discounts.py: a percent of the
    line's amount, or an amount, never more than the line)."""
    if price is None:
        return None
    base = price * count
    percent = _percent(item.get("discount_percent"))
    if percent is not None:
        return min(percent_of(base, percent), base) if percent else None
    amount = _money(item.get("discount"))
    return min(amount, base) if amount else None


def _order_discount(line: Mapping[str, Any], lines: list[dict[str, Any]]) -> Decimal | None:
    """The money the order's discount takes off what its lines come to after their own
    discounts (a percent of each, or an amount); None without one."""
    left = [
        (_money(ln["price"]) or ZERO) * ln["quantity"] - (_money(ln["discount"]) or ZERO)
        for ln in lines
    ]
    total = sum(left, ZERO)
    percent = _percent(line.get("discount_percent"))
    if percent is not None:
        return sum((percent_of(x, percent) for x in left), ZERO) if percent else None
    amount = _money(line.get("discount"))
    return min(amount, total) if amount else None


#: Errors of a conflict that follows another (services/conflict_recording.py
#: ``follows_conflict``): the entry names a document an earlier conflicted entry of its till
#: made; no unit stopped it.
FOLLOW_ERRORS = frozenset({"unknown_order", "unknown_refund"})


def not_recorded(
    line: Mapping[str, Any], serial: str | None, error: str | None = None
) -> dict[str, Any] | None:
    """The sale entry ``line`` central did not record because of unit ``serial``: its
    ``order`` and ``invoice`` numbers, ``lines``, ``payments``, ``taken`` (the money the
    till kept: ``tendered``, the total of the tenders, less ``change``, the change it gave
    when the entry says it), ``conflicting`` (the positions of the lines naming ``serial``,
    from 1) and ``words``; None for an entry that is no sale."""
    if line.get("op") not in SALE_OPS or not isinstance(line.get("lines"), list):
        return None
    lines = [_line(item) for item in line["lines"] if isinstance(item, Mapping)]
    payments = [
        {"method": str(p.get("method")), "amount": _text(_money(p.get("amount")))}
        for p in line.get("payments") or []
        if isinstance(p, Mapping)
    ]
    tendered = sum((_money(p["amount"]) or Decimal(0) for p in payments), Decimal("0.00"))
    # The money kept: the tenders less the change the till gave (its entry says it; an
    # entry from a till older than that names none, and reads as no change).
    change = min(max(_money(line.get("change_due")) or ZERO, ZERO), tendered)
    taken = tendered - change
    off = _order_discount(line, lines)
    discounts = sum((_money(ln["discount"]) or ZERO for ln in lines), off or ZERO)
    given = line.get("numbers")
    numbers: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    follows = error in FOLLOW_ERRORS
    conflicting = [
        n
        for n, ln in enumerate(lines, start=1)
        if serial and ln["serial"] == serial and not follows
    ]
    order, invoice = numbers.get("order"), numbers.get("invoice")
    sale = " ".join(
        x
        for x in ("sale", str(order) if order else "", f"(invoice {invoice})" if invoice else "")
        if x
    )
    tenders = ", ".join(f"{p['method']} {p['amount']}" for p in payments) or "no tender"
    if change:
        tenders += f", {format(change, 'f')} change given"
    if follows:
        why = "it follows a conflict (the document it names was not recorded)"
    else:
        why = f"{serial} was not in stock here for it" if serial else "a unit of it had moved"
    words = (
        f"the whole {sale} was not recorded at central: {why}; not recorded: "
        f"{len(lines)} line{'s' if len(lines) != 1 else ''}"
        + (f" ({format(discounts, 'f')} off in discounts)" if discounts else "")
        + f", {format(taken, 'f')} taken "
        f"({tenders})"
    )
    return {
        "order": order,
        "invoice": invoice,
        "lines": lines,
        "payments": payments,
        # The order discount's money (None without one): the lines' prices less their own
        # discounts and this come to what was charged before any tax added.
        "order_discount": _text(off),
        # What the till kept: the tenders less the change it gave (both below).
        "taken": format(taken, "f"),
        "tendered": format(tendered, "f"),
        "change": format(change, "f"),
        "conflicting": conflicting,
        "words": words,
    }


def line_words(item: Mapping[str, Any]) -> str:
    """One line of :func:`not_recorded` in a few words: ``PH1 …034 x1 at 419.00``, and
    ``less 41.90`` when its own discount took money off."""
    serial = f" {item['serial']}" if item.get("serial") else ""
    price = f" at {item['price']}" if item.get("price") else ""
    less = f" less {item['discount']}" if item.get("discount") else ""
    return f"{item.get('sku')}{serial} x{item.get('quantity')}{price}{less}"


def of_conflict(conflict: Mapping[str, Any]) -> dict[str, Any] | None:
    """A conflict's :func:`not_recorded`, as central gave it or worked out from its entry's
    line (a conflict a till kept from a central older than this)."""
    given = conflict.get("not_recorded")
    if isinstance(given, Mapping):
        return dict(given)
    entry = conflict.get("entry")
    line = entry.get("line") if isinstance(entry, Mapping) else None
    if not isinstance(line, Mapping):
        return None
    serial, error = conflict.get("serial"), conflict.get("error")
    unit = serial if isinstance(serial, str) else None
    code = error if isinstance(error, str) else None
    sku = conflict.get("sku") if isinstance(conflict.get("sku"), str) else None
    return not_recorded(line, unit, code) or document_not_recorded(line, unit, code, sku=sku)


def lines_for_people(conflict: Mapping[str, Any]) -> list[str]:
    """What a conflict's sale held that central did not record, a short line each (the
    CLI's ``conflicts show`` and the console's Conflicts screen, 40 columns wide): the
    words, then each line of the sale, marked ``*`` where it named the unit. A stockroom
    document's the same way (domain/document_not_recorded.py)."""
    found = of_conflict(conflict)
    if found is None:
        return []
    marked = set(found["conflicting"])
    words = document_line_words if "document" in found else line_words
    return [
        str(found["words"]),
        *(
            f"{'*' if n in marked else '-'} {words(item)}"
            for n, item in enumerate(found["lines"], start=1)
        ),
    ]


def in_short(conflict: Mapping[str, Any]) -> str:
    """What a conflict's entry held that central did not record, in a few words for a list
    (``sale S1-000003: 2 lines, 419.00 taken``, ``receipt R-1: 4 units, 2 without serial``);
    the document and what it held for a conflict that names no unit and recorded nothing
    else (a count); empty when it names a unit and nothing more was lost."""
    from serialpos.domain.document_not_recorded import document_words, summary

    found = of_conflict(conflict)
    if found is not None:
        if "document" in found:
            number = f" {found['number']}" if found.get("number") else ""
            return f"{found['document']}{number}: {summary(found)}"
        count = len(found["lines"])
        sale = f"sale {found['order']}" if found.get("order") else "sale"
        return f"{sale}: {count} line{'s' if count != 1 else ''}, {found['taken']} taken"
    entry = conflict.get("entry")
    line = entry.get("line") if isinstance(entry, Mapping) else None
    if conflict.get("serial") or not isinstance(line, Mapping):
        return ""
    return document_words(line)
