"""What a refund note found at the Returns screen was: its amount and how it was given.

A clerk finds a sale by any of its documents, the refund note (``RF-…``) among them: the note
on the customer's paper of an earlier return or exchange. The screen used to answer with the
sale's lines alone, so a clerk looking up an exchange's note could not tell whether its money
left the drawer or was kept as exchange credit, nor how much. The words name each refund
booked on that note, its amount and its method, as the note's payments hold them.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from serialpos.domain.orders import EXCHANGE_CREDIT


def _how(method: str) -> str:
    return "kept as exchange credit" if method == EXCHANGE_CREDIT else f"refunded in {method}"


def refund_note_words(note: str, refunds: Iterable[tuple[str, Decimal]]) -> str:
    """``refund note RF-S01-000001: 1078.80 kept as exchange credit``; ``refunds``: the
    note's refund payments as ``(method, amount)``, amounts negative (money going back) as
    the order's payments hold them."""
    given = [(method, -amount) for method, amount in refunds if amount]
    if not given:
        return f"refund note {note}: no money given back"
    said = ", ".join(f"{amount:.2f} {_how(method)}" for method, amount in given)
    return f"refund note {note}: {said}"
