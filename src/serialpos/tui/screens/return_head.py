"""The Returns screen's head: the refund method, the sale and its documents, whole in the rows
it has.

Each refund adds a refund note to the sale's documents, and at 40 columns the head ran out of
rows after the first: the note just issued, the number the customer's paperwork needs, was
the part cut. So the head says the method and the sale first, then as many of the documents
as fit, newest kept: the earlier ones are counted ("+2 earlier"), never cut mid-number.
"""

from __future__ import annotations

from serialpos.domain.text import visible

#: The head's rows on a handheld (and two on a counter terminal): screens.tcss caps it so.
NARROW_ROWS, WIDE_ROWS = 3, 2


def rows_of(text: str, width: int) -> int:
    """The rows ``text`` takes wrapped at spaces in ``width`` columns (a word longer than a
    row folded), as the console wraps a Static."""
    rows, used = 1, 0
    for word in text.split(" "):
        need = len(word) if used == 0 else used + 1 + len(word)
        if need <= width:
            used = need
            continue
        if used:
            rows += 1
        rows += max(len(word) - 1, 0) // max(width, 1)
        used = len(word) % width or min(len(word), width)
    return rows


def return_head(method: str, order: str | None, invoices: tuple[str, ...], width: int) -> str:
    """``refund cash · S01-000001 · invoices INV-…, RF-…`` in at most the head's rows of
    ``width`` columns (the widget's, padding taken off)."""
    start = f"refund {method} · "
    if order is None:
        return start + "no sale yet"
    start += f"{visible(order)} · invoices "
    if not invoices:
        return start + "—"
    rows = NARROW_ROWS if width < 60 else WIDE_ROWS
    text = start
    for earlier in range(len(invoices)):
        kept = ", ".join(visible(number) for number in invoices[earlier:])
        text = start + (f"+{earlier} earlier, " if earlier else "") + kept
        if rows_of(text, width) <= rows:
            break
    return text
