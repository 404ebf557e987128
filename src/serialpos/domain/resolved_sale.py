"""What a conflict's sale says once the conflict is resolved (new-user walk, round two).

An open conflict of a till's sale says "the whole sale was not recorded at central"
(domain/sale_not_recorded.py). After a manager resolves it, repeating that sentence reads as
if nothing was done: after ``record_sale`` it is plainly false (the rest of the sale and its
money are recorded now), and after ``accept``, ``return`` or ``write_off`` the manager needs
to read what the resolution did and that the till's sale still stands unrecorded. So the
heading and first line of a conflict's sale follow its status: ``NOT RECORDED`` while open,
``RECORDED`` after ``record_sale``, ``RESOLVED`` after any other resolution, each sentence
saying what was done, by whom, and what the sale held. A stockroom document's conflict
(domain/document_not_recorded.py) says the same of the document, by its name, and what to
redo at the till, never again to resolve it. The CLI's ``conflicts show`` and the
console's Conflicts screen read it from here, so both say the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from serialpos.domain.document_not_recorded import redo_words, summary
from serialpos.domain.sale_not_recorded import (
    FOLLOW_ERRORS,
    SALE_OPS,
    lines_for_people,
    of_conflict,
)

#: The heading of a conflict's sale while it is open.
OPEN_HEADING = "NOT RECORDED"


def _resolution(conflict: Mapping[str, Any]) -> tuple[str, str] | None:
    """(action, by) of a resolved conflict; None while it is open. A till's offline list may
    keep the resolution as its action's bare name."""
    given = conflict.get("resolution")
    if isinstance(given, Mapping) and given.get("action"):
        return str(given["action"]), str(given.get("by") or "a manager")
    if isinstance(given, str) and given:
        return given, "a manager"
    return None


#: Where the open sentence says what the sale held (domain/sale_not_recorded.py).
HELD_AT = "; not recorded: "


def _held(found: Mapping[str, Any]) -> str:
    """What the sale held, as the open sentence says it: ``2 lines, 837.60 taken (cash
    837.60)`` (with the money its discounts took off, when any): taken from that sentence, so
    both say the same; worked out again for a sentence of another shape."""
    words = str(found.get("words") or "")
    if HELD_AT in words:
        return words.split(HELD_AT, 1)[1]
    lines = found.get("lines") or []
    payments = found.get("payments") or []
    tenders = ", ".join(f"{p.get('method')} {p.get('amount')}" for p in payments) or "no tender"
    return (
        f"{len(lines)} line{'s' if len(lines) != 1 else ''}, {found.get('taken')} taken ({tenders})"
    )


def _sale_name(found: Mapping[str, Any]) -> str:
    order, invoice = found.get("order"), found.get("invoice")
    return " ".join(
        x
        for x in ("sale", str(order) if order else "", f"(invoice {invoice})" if invoice else "")
        if x
    )


def resolved_words(conflict: Mapping[str, Any]) -> str | None:
    """The sentence that replaces "was not recorded" once the conflict is resolved: what the
    resolution did and what became of the till's sale; None while open or for no sale."""
    done = _resolution(conflict)
    found = of_conflict(conflict)
    if done is None or found is None:
        return None
    action, by = done
    sale, held = _sale_name(found), _held(found)
    if "document" in found:  # a stockroom document's: named as such, no "then resolve"
        number = f" {found['number']}" if found.get("number") else ""
        sale, held = f"{found['document']}{number}", summary(found)
        held += f"; {redo}" if (redo := redo_words(found)) else ""
    unit = str(conflict.get("serial") or "the unit")
    if action == "record_sale" and follow_on_act(conflict) is not None:
        # An exchange's new sale: recorded whole, nothing of it left open.
        return f"the {sale} was recorded whole at central by {by}: {held}"
    if action == "record_sale":
        marked = found.get("conflicting") or []
        left = (
            f"; line{'s' if len(marked) != 1 else ''} "
            f"{', '.join(str(n) for n in marked)} ({unit}) left open and paid"
            if marked
            else ""
        )
        return f"the rest of the {sale} was recorded at central by {by}: {held}{left}"
    if action == "refund":
        return (
            f"the {sale} was recorded at central without {unit}, voided and refunded by "
            f"{by}: {held}; pay the customer back from the till's drawer"
        )
    stays = f"the {sale} stays unrecorded at central: {held}"
    if action == "accept":
        return f"accepted by {by}: the event that stands stays; {stays}"
    if action == "return":
        return f"{unit} returned to stock at central by {by}; {stays}"
    if action == "write_off":
        return f"{unit} written off at central by {by}; {stays}"
    return f"resolved by {action} ({by}); {stays}"


def follow_on_act(conflict: Mapping[str, Any]) -> str | None:
    """What a conflict that follows another holds, in a manager's words: ``the till's return
    of S01-A-000001``, ``the till's exchange sale S01-A-000002``; None for a till's own sale
    (or any conflict that follows none). ``record_sale`` records such an act whole, as the
    till made it (services/conflict_sale.py), never "the rest" of anything."""
    if conflict.get("error") not in FOLLOW_ERRORS:
        return None
    entry = conflict.get("entry")
    line = entry.get("line") if isinstance(entry, Mapping) else None
    if not isinstance(line, Mapping):
        return "the till's act"
    op = str(line.get("op") or "act")
    numbers = line.get("numbers") if isinstance(line.get("numbers"), Mapping) else {}
    if op in SALE_OPS:  # an exchange's new sale: it names the return's refund note
        made = numbers.get("order") if isinstance(numbers, Mapping) else None
        return "the till's exchange sale" + (f" {made}" if made else "")
    of = f" of {line['order']}" if line.get("order") else ""
    return f"the till's {'return' if op == 'order_return' else op}{of}"


def record_sale_words(conflict: Mapping[str, Any]) -> str:
    """What ``record_sale`` did to ``conflict``, said after it: the rest of a till's sale
    with its money, or the act that follows one recorded as the till made it (a return said
    "the rest of the sale recorded" though no sale was)."""
    act = follow_on_act(conflict)
    if act is None:
        return "the rest of the sale recorded with its money"
    if act.startswith("the till's exchange sale"):
        return f"{act} recorded whole with its money"
    return f"{act} recorded as the till made it"


def sale_for_people(conflict: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(heading, lines) of a conflict's sale for people: the heading ``NOT RECORDED``,
    ``RECORDED`` or ``RESOLVED``, then the sentence and the sale's lines (marked ``*`` where
    they named the unit); ("", []) for a conflict of no sale."""
    lines = lines_for_people(conflict)
    if not lines:
        return "", []
    words = resolved_words(conflict)
    if words is None:
        return OPEN_HEADING, lines
    done = _resolution(conflict)
    heading = "RECORDED" if done is not None and done[0] == "record_sale" else "RESOLVED"
    if done is not None and done[0] == "refund":
        heading = "REFUNDED"
    return heading, [words, *lines[1:]]
