"""How the counts screen words a count: the field's prompts, the reconciliation's classes and
their titles, one row per reconciliation item or landed scan (narrow terminals drop the words
first), and the one-line summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from serialpos.services.counts import Reconciliation

PLACEHOLDERS = {
    "start": "Enter: new count · SKUs: those only · C-… resumes",
    "counter": "who counts this batch? name, Enter",
    "scan": "scan product, then serials (+N qty)",
}
#: The same prompts in a handheld's 38 columns, where the wording above would be cut.
SHORT_PLACEHOLDERS = {"start": "Enter new count · SKUs · C-… resumes"}
#: The reconciliation's lists, in the order Left/Right walks them.
CLASSES = ("missing", "never_seen", "elsewhere", "duplicates", "quantities", "arrived_since")
CLASS_TITLES = {
    "missing": "Missing",
    "never_seen": "Never seen",
    "elsewhere": "Elsewhere",
    "duplicates": "Duplicates",
    "quantities": "Quantity differences",
    # In stock here, not scanned, moved by the ledger after the count counted the product:
    # the count could not have seen them, so approval leaves them in stock.
    "arrived_since": "Arrived since count",
}


def item_row(item: Any, width: int) -> str:
    """One reconciliation item as one row (narrow terminals drop the words first)."""
    kind = type(item).__name__
    if kind == "UnitRef":
        return f"{item.sku} {item.serial}"
    if kind == "ElsewhereUnit":
        # The SKU stays in every width (a sold unit's row named no product): the words go
        # first, then the store.
        text = f"{item.sku} {item.serial} · {item.hint}"
        if len(text) <= width:
            return text
        state = item.state.replace("_", " ")
        back = " → back in stock" if item.action == "restore" else ""
        text = f"{item.sku} {item.serial} {state} {item.store}{back}"
        if len(text) <= width:
            return text
        return f"{item.sku} {item.serial} {state}{' → back' if back else ''}"
    if kind == "Duplicate":
        return f"{item.sku} {item.serial} · batches {', '.join(str(b) for b in item.batches)}"
    if kind == "QuantityDifference":
        known = "" if item.known_units is None else f" units {item.known_units}"
        # What moved since the count stays moved: the difference is applied to today's.
        since = f" · {item.moved_since:+d} since" if item.moved_since else ""
        text = (
            f"{item.sku} counted {item.counted} on hand {item.on_hand}{known} "
            f"({item.difference:+d}){since}"
        )
        if len(text) <= width:
            return text
        since = f" {item.moved_since:+d}since" if item.moved_since else ""
        return f"{item.sku} {item.counted}/{item.on_hand} ({item.difference:+d}){since}"
    return str(item)


#: One landed scan in the batch's list: product, serial (or +N), the other batches that saw
#: it, and the ledger's state of a unit it has elsewhere ("" when none).
LogEntry = tuple[str, str, str, str]


def log_row(entry: LogEntry, width: int) -> str:
    """A scan that landed: product, serial (or +N), the other batches that saw it, and a
    unit the ledger has elsewhere marked ⚠ with its state (never ✓: it is not fine)."""
    sku, what, others, elsewhere = entry
    mark = "⚠" if elsewhere else "✓"
    state = f" {elsewhere.replace('_', ' ')}" if elsewhere else ""
    row = f"{mark} {sku} {what}{state}" + (f" ⚑ also batch {others}" if others else "")
    if len(row) > width:  # narrow: the serial is what is read
        row = f"{mark} {what}{state}" + (f" ⚑ batch {others}" if others else "")
    return row


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}es" if word.endswith("ch") else f"{n} {word}s"


def summary(result: Reconciliation, narrow: bool = False) -> str:
    if narrow:
        return (
            f"✓{result.matched} missing {len(result.missing)} new "
            f"{len(result.never_seen)} away {len(result.elsewhere)} dup "
            f"{len(result.duplicates)} qty {len(result.quantities)}"
        )
    return (
        f"matched {result.matched} · missing {len(result.missing)} · never seen "
        f"{len(result.never_seen)} · elsewhere {len(result.elsewhere)} · duplicates "
        f"{len(result.duplicates)} · qty {len(result.quantities)}"
    )
