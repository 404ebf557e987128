"""One conflict for people, a line each: the same words for ``serialpos conflicts show`` and
the console's conflict detail (new-user walk, round two; issue 16).

The console's detail of a conflict was the list's two-line summary: for a count's conflict
it had no why at all (central's message: which unit the till counted, and where central
holds it), and named the till's entry by its operation and journal number alone. The CLI's
``show`` said all of it. Both now read it from here, so they say the same facts.

What a till's entry had moved here and put back when central did not take it is history
once the conflict is resolved (after ``record_sale`` the till follows central's sale): it is
then said as what was done before the resolution, never as what stands now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from serialpos.domain.closed_money import closed_money_words
from serialpos.domain.document_not_recorded import document_words
from serialpos.domain.resolved_sale import sale_for_people


def put_back_text(put_back: Sequence[Mapping[str, Any]]) -> str:
    """``put_back`` for a table cell: ``CAB +1 at S1 (S1-1A2B-000004)``, one per product."""
    return "; ".join(
        f"{p['sku']} {p['quantity']:+d} at {p['store']}"
        + (f" ({p['document']})" if p.get("document") else "")
        for p in put_back
    )


def put_back_words(c: Mapping[str, Any]) -> str | None:
    """What the conflict's entry had moved on this till, put back when central did not take
    it: ``put back here: …`` while open; once resolved, as what was done before (the
    resolution may have recorded it at central since, and the till followed). None when
    nothing was put back."""
    put_back = c.get("put_back")
    if not put_back:
        return None
    text = put_back_text(put_back)
    if c.get("status") == "resolved" or c.get("resolution"):
        return f"put back here before it was resolved: {text}"
    return f"put back here: {text}"


def return_money_words(c: Mapping[str, Any]) -> str | None:
    """What money a till's return moved (``return_money``, services/return_money.py) and
    where it is booked after the resolution: ``money: the till refunded 418.80 by cash on
    RF-… out of its drawer; …``. None for any other conflict."""
    money = c.get("return_money")
    if not isinstance(money, Mapping):
        return None
    amount = money.get("amount") or "the lines' price"
    note = money.get("refund_note") or "its refund note"
    method = money.get("method")
    paid = (
        f"the till kept {amount} as exchange credit on {note}"
        if method == "exchange credit"
        else f"the till refunded {amount} by {method} on {note}, out of its drawer"
    )
    resolution = c.get("resolution")
    done = resolution.get("action") if isinstance(resolution, Mapping) else None
    if done == "record_sale":
        where = "recorded at central with the return"
    elif done == "refund":
        # A second return of one unit: the refund booked at central, no goods back
        # (services/second_refund.py).
        where = (
            f"booked at central on {note} (refund), listing no goods: the unit came back "
            "once, so the customer owes this refund back"
        )
    elif done:
        where = (
            f"not at central ({done}): in the till's books only, its X and Z reports list "
            f"{note} apart as not taken"
        )
    elif "record_sale" in c.get("resolutions", ("record_sale",)):
        where = (
            "record_sale books it at central; accept leaves it in the till's books only "
            "(its X and Z reports list the note apart as not taken)"
        )
    elif "refund" in c.get("resolutions", ()):
        # A second return of one unit (central took it back first): refund books its money.
        where = (
            "central took the unit back first; refund books it at central as a refund of "
            "money with no goods back, owed by the customer; accept leaves it in the till's "
            "books only (its X and Z reports list the note apart as not taken)"
        )
    else:
        # A second return of one unit (central took it back first) central cannot book
        # (an exchange's credit): no resolution is said to.
        where = (
            "central took the unit back first, so no resolution books it there; accept "
            "leaves it in the till's books only (its X and Z reports list the note apart as "
            "not taken): settle it with the customer"
        )
    return f"money: {paid}; {where}"


def terminal_words(terminal: object, unnamed: str) -> str:
    """Where an event was made, for people: a command run at central with no terminal id
    configured records the config's default id (``unnamed``), named as such."""
    if terminal == unnamed:
        return f"central, a command with no terminal id set ('{terminal}')"
    return str(terminal)


def conflict_words(c: Mapping[str, Any], unnamed_terminal: str) -> list[str]:
    """A conflict for people, a line each: what and where, why, the event that stands, the
    entry central could not apply, what was put back on a till, and its resolution.
    ``unnamed_terminal``: the terminal id a command with none configured records."""
    entry = c.get("entry") or {}
    line = entry.get("line") or {}
    # A conflict naming no unit (a quantity) names its document and what it held.
    what = f"{c.get('sku') or '-'} {c.get('serial')}" if c.get("serial") else document_words(line)
    words = [
        f"conflict {c.get('id')}: {c.get('status')}, {what} at {c.get('store')}",
        f"  why: {c.get('error')}: {c.get('message')}",
    ]
    first = c.get("first_event")
    if first:
        words.append(
            f"  stands: {first.get('action')} by {first.get('user')} at "
            f"{terminal_words(first.get('terminal'), unnamed_terminal)}, {first.get('at')} "
            f"(event {first.get('id')}"
            + (f", {first['document']}" if first.get("document") else "")
            + ")"
        )
    else:
        words.append("  stands: no event of the unit at central")
    made = f", made {c['made_at']} by {c.get('user')}" if c.get("made_at") else ""
    # A till's copy of a count's conflict may not know when central recorded it: said only
    # when known (it printed "recorded None").
    recorded = f", recorded {c['created_at']}" if c.get("created_at") else ""
    act = f"{line.get('op', '?')} #{entry.get('seq', '?')}"
    words.append(
        f"  not applied: {act} from terminal "
        f"{c.get('terminal')} (entry {entry.get('id')}{made}{recorded})"
    )
    heading, sale = sale_for_people(c)
    if sale:  # a sale is applied whole or not at all: all of it is missing at central
        # (until resolved: then what the resolution did)
        words.append(f"  {heading}: {sale[0]}")
        words += [f"    {one}" for one in sale[1:]]
    money = return_money_words(c) or closed_money_words(c)
    if money:
        words.append(f"  {money}")
    back = put_back_words(c)
    if back:
        words.append(f"  {back}")
    resolution = c.get("resolution")
    if isinstance(resolution, Mapping):
        note = f": {resolution['note']}" if resolution.get("note") else ""
        words.append(
            f"  resolved: {resolution.get('action')} by {resolution.get('by')} at "
            f"{resolution.get('at')}{note}"
        )
    elif resolution:
        words.append(f"  resolved: {resolution}")
    offered = c.get("resolutions")
    if c.get("status") == "open" and isinstance(offered, Sequence) and offered:
        # Only what central's resolve then takes (services/conflict_checks.py).
        words.append(f"  resolve by: {', '.join(map(str, offered))}")
    return words
