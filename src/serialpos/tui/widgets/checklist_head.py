"""The checklist's head line: units received of expected and products complete (a blind
receipt: units and products), or the document number once it is completed.

The totals move by the one line a scan changed instead of being summed again over every line,
so a 10,000-line ASN costs the same per scan as a short one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from serialpos.domain.checklist import Checklist


def unit_words(count: int) -> str:
    return f"{count:,} unit{'s' if count != 1 else ''}"


def head_text(
    checklist_received: int,
    checklist_expected: int,
    complete: int,
    products: int,
    blind: bool,
    done: str | None,
) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if done is not None:
        text.append(f"✓ completed: {done}", style="bold")
        text.append(f" · {unit_words(checklist_received)}")
        return text
    if blind:
        text.append(f"{unit_words(checklist_received)}", style="bold")
        text.append(f" · {products} product{'s' if products != 1 else ''}")
        return text
    text.append(f"{checklist_received:,}/{checklist_expected:,} units", style="bold")
    text.append(f" · ✓ {complete}/{products} products")
    return text


class ChecklistHead(Static):
    """Shows :func:`head_text` for a checklist, keeping each line's counts as last shown."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._seen: dict[str, tuple[int, int, bool]] = {}  # per line, as last shown
        self._totals = [0, 0, 0]  # received, expected, complete lines

    def show(self, checklist: Checklist, changed: str | None, done: str | None) -> None:
        """With ``changed`` (the one product a job touched) the totals move by that line's
        difference; without it they are summed again over every line."""
        seen = self._seen
        if changed is None or len(seen) != len(checklist.lines) or changed not in seen:
            seen.clear()
            totals = [0, 0, 0]
            for sku, line in list(checklist.lines.items()):
                got, wanted = line.received, line.expected
                seen[sku] = (got, wanted, got == wanted)
                totals[0] += got
                totals[1] += wanted
                totals[2] += got == wanted
            self._totals = totals
        else:
            line = checklist.lines[changed]
            got, wanted = line.received, line.expected
            now = (got, wanted, got == wanted)
            before = seen[changed]
            seen[changed] = now
            self._totals[0] += now[0] - before[0]
            self._totals[1] += now[1] - before[1]
            self._totals[2] += int(now[2]) - int(before[2])
        received, expected, complete = self._totals
        self.update(head_text(received, expected, complete, len(seen), checklist.blind, done))
