"""What an approved count posted differently from the review its approver confirmed.

The approver reviews a count and is asked "writes off 17, adds 0…?"; a missing unit sold at
the counter before the second F9 is not written off (approval judges each unit as the ledger
has it when it posts: domain/count_reconciliation.py), so 16 are. What was posted is right;
the question was not, and the approval said "16 written off" as though nothing had changed.
This names the difference, so the result answers the question that was asked. A scan taken
since the review is not among these: that refuses the approval (services/counts/reviewed.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from serialpos.domain.count_reconciliation import Reconciliation, UnitRef
from serialpos.domain.text import clip

#: How many units of each change the words name.
NAMED = 3


def _units(units: Sequence[UnitRef]) -> str:
    named = ", ".join(f"{u.sku} {clip(u.serial)}" for u in units[:NAMED])
    more = f" and {len(units) - NAMED} more" if len(units) > NAMED else ""
    return f"{named}{more}"


def _of(n: int) -> str:
    return "1 unit" if n == 1 else f"{n} units"


def changed_since_review(asked: Reconciliation, posted: Reconciliation) -> str:
    """``asked``: the reconciliation the approver confirmed; ``posted``: the one the approval
    posted. The differences in words ("" when it posted what was asked)."""
    said: list[str] = []
    kept = [u for u in asked.missing if u not in posted.missing]
    if kept:
        said.append(f"{_of(len(kept))} not written off, moved in the ledger ({_units(kept)})")
    more_off = [u for u in posted.missing if u not in asked.missing]
    if more_off:
        said.append(f"{_of(len(more_off))} more written off ({_units(more_off)})")
    not_added = [u for u in asked.never_seen if u not in posted.never_seen]
    if not_added:
        said.append(f"{_of(len(not_added))} not added, moved in the ledger ({_units(not_added)})")
    more_added = [u for u in posted.never_seen if u not in asked.never_seen]
    if more_added:
        said.append(f"{_of(len(more_added))} more added ({_units(more_added)})")
    if asked.quantities != posted.quantities:
        was = {q.sku: q.difference for q in asked.quantities}
        now = {q.sku: q.difference for q in posted.quantities}
        skus = sorted(sku for sku in was.keys() | now.keys() if was.get(sku) != now.get(sku))
        if skus:
            said.append(
                "quantities "
                + ", ".join(
                    f"{sku} {now.get(sku, 0):+d} (asked {was.get(sku, 0):+d})" for sku in skus
                )
            )
    if not said:
        return ""
    return (
        f"not as asked: {len(posted.missing)} written off, {len(posted.never_seen)} added "
        f"(asked {len(asked.missing)} and {len(asked.never_seen)}); since the review "
        + "; ".join(said)
    )
