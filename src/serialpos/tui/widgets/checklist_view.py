"""A receiving checklist drawn by hand: one row per product, and under the selected product its
scanned serials (newest first) then the listed serials still to scan. Only the rows that fit
on screen are built, so a 10,000-line ASN draws as fast as a 10-line one.

The rows are virtual: the product rows in document order, with the selected product's serial
rows spliced in under it. A row is found from its number in constant time, so neither a long
product list nor a product with thousands of serials costs anything until it is on screen.

Every state reads without colour: ``✓`` a complete product, ``+`` an over-scanned one, the
counts and the words "short N" / "over N"; serial rows start with ``✓`` (scanned) or ``·``
(listed, not scanned yet). Colour (component classes) is a second cue only.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget

from serialpos.domain.checklist import Checklist, ChecklistLine
from serialpos.domain.entry_text import hidden
from serialpos.domain.text import visible


def fit(text: str, room: int) -> str:
    """``text`` cut to ``room`` characters, with ``…`` when cut."""
    if room <= 0:
        return ""
    return text if len(text) <= room else text[: room - 1] + "…"


def counts_words(line: ChecklistLine, blind: bool) -> str:
    """``3/12 short 9``, ``14/12 over 2``, ``12/12``; a blind line has nothing expected:
    ``3``."""
    if blind:
        return f"{line.received}"
    words = f"{line.received}/{line.expected}"
    if line.over:
        words += f" over {line.over}"
    elif line.short and line.received:
        words += f" short {line.short}"
    return words


def line_mark(line: ChecklistLine, blind: bool) -> str:
    """One character before the product: ``✓`` complete, ``+`` over, blank otherwise."""
    if blind:
        return " "
    if line.over:
        return "+"
    return "✓" if line.complete else " "


class ChecklistView(Widget, can_focus=True):
    """The checklist's rows with a cursor. The screen calls :meth:`sync` after each change;
    moving the cursor onto another product selects it (posts :class:`Selected`)."""

    DEFAULT_CSS = """
    ChecklistView {
        height: 1fr;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    ChecklistView > .checklist--cursor { text-style: reverse; }
    ChecklistView > .checklist--complete { color: $success; text-style: bold; }
    ChecklistView > .checklist--over { color: $error; text-style: bold; }
    ChecklistView > .checklist--newest { text-style: bold; color: $success; }
    ChecklistView > .checklist--missing { color: $foreground-muted; }
    ChecklistView > .checklist--empty { color: $foreground-muted; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "checklist--cursor",
        "checklist--complete",
        "checklist--over",
        "checklist--newest",
        "checklist--missing",
        "checklist--empty",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("left", "product(-1)", "Previous product", show=False),
        Binding("right", "product(1)", "Next product", show=False),
        Binding("enter", "done", "Scan", show=False),
    ]

    @dataclass
    class Selected(Message):
        """The cursor moved onto another product: it is the one scans go to now."""

        sku: str

    @dataclass
    class Typed(Message):
        """A character typed while the list had focus: it belongs in the scan field."""

        character: str

    @dataclass
    class Done(Message):
        """Enter in the list: back to scanning."""

    def __init__(
        self,
        checklist: Checklist,
        *,
        id: str | None = None,
        empty: str = "nothing on this checklist yet: scan a product",
    ) -> None:
        super().__init__(id=id)
        self.checklist = checklist
        self.skus: list[str] = list(checklist.lines)
        self._index = {sku: i for i, sku in enumerate(self.skus)}
        self.selected: str | None = None
        self.missing: tuple[str, ...] = ()  # the selected line's listed serials not scanned
        self.newest: str | None = None  # the serial that just landed
        self.cursor = 0
        self.top = 0
        self.empty = empty

    # -- the model -------------------------------------------------------------------------
    def sync(
        self,
        selected: str | None = None,
        missing: tuple[str, ...] | None = None,
        newest: str | None = None,
        *,
        to_newest: bool = False,
    ) -> None:
        """Take in what changed: new product lines, the selected product and its missing
        serials, the serial just scanned (the cursor goes to it with ``to_newest``)."""
        if len(self.skus) != len(self.checklist.lines):
            self.skus = list(self.checklist.lines)
            self._index = {sku: i for i, sku in enumerate(self.skus)}
        elif self.selected is not None and self.selected not in self._index:
            self.selected = None
        if selected is not None and selected in self._index:
            self.selected = selected
        if missing is not None:
            self.missing = missing
        self.newest = newest
        if to_newest and self.selected is not None:
            row = self._product_row(self.selected)
            line = self.checklist.lines[self.selected]
            self.cursor = row + 1 if line.serialized and line.scanned else row
            self._keep_in_view(show_product=True)
        else:
            self.cursor = min(self.cursor, max(self.rows - 1, 0))
            self._keep_in_view()
        self.refresh()

    @property
    def selected_line(self) -> ChecklistLine | None:
        return None if self.selected is None else self.checklist.lines.get(self.selected)

    def _serial_rows(self) -> int:
        line = self.selected_line
        if line is None or not line.serialized:
            return 0
        return len(line.scanned) + len(self.missing)

    @property
    def rows(self) -> int:
        return len(self.skus) + self._serial_rows()

    def _product_row(self, sku: str) -> int:
        index = self._index[sku]
        sel = -1 if self.selected is None else self._index.get(self.selected, -1)
        return index if sel < 0 or index <= sel else index + self._serial_rows()

    def row_at(self, row: int) -> tuple[str, int]:
        """What row ``row`` shows: ("product", product index) or ("serial", k) for the k-th
        serial row under the selected product (scanned newest first, then missing)."""
        sel = -1 if self.selected is None else self._index.get(self.selected, -1)
        extra = self._serial_rows()
        if sel < 0 or row <= sel:
            return "product", row
        if row <= sel + extra:
            return "serial", row - sel - 1
        return "product", row - extra

    def sku_at(self, row: int) -> str | None:
        kind, index = self.row_at(row)
        if kind == "serial":
            return self.selected
        return self.skus[index] if 0 <= index < len(self.skus) else None

    # -- keys ------------------------------------------------------------------------------
    def _move_to(self, row: int) -> None:
        if not self.rows:
            return
        before = self.sku_at(self.cursor)
        self.cursor = max(0, min(row, self.rows - 1))
        after = self.sku_at(self.cursor)
        if after is not None and after != before and after != self.selected:
            # The cursor reached another product: it is selected, and its serials open under
            # it (those of the product before close, so the row numbers move).
            self.selected = after
            self.missing = ()
            self.cursor = self._product_row(after)
            self.post_message(self.Selected(after))
        self._keep_in_view()
        self.refresh()

    def action_move(self, step: int) -> None:
        self._move_to(self.cursor + step)

    def action_page(self, step: int) -> None:
        self._move_to(self.cursor + step * max(self.size.height - 1, 1))

    def action_edge(self, step: int) -> None:
        self._move_to(0 if step < 0 else self.rows - 1)

    def action_product(self, step: int) -> None:
        """Jump to the previous or next product's row, past any serials."""
        sku = self.sku_at(self.cursor)
        if sku is None:
            return
        index = max(0, min(self._index[sku] + step, len(self.skus) - 1))
        target = self.skus[index]
        if target == sku:
            self._move_to(self._product_row(sku))
            return
        self._move_to(self._product_row(target))

    def action_done(self) -> None:
        self.post_message(self.Done())

    def on_key(self, event: events.Key) -> None:
        char = event.character
        if char and len(char) == 1 and (char.isprintable() or hidden(char)):
            event.stop()
            event.prevent_default()
            self.post_message(self.Typed(char))

    # -- drawing ---------------------------------------------------------------------------
    def _keep_in_view(self, show_product: bool = False) -> None:
        height = max(self.size.height, 1)
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + height:
            self.top = self.cursor - height + 1
        if show_product and self.selected is not None:
            product = self._product_row(self.selected)
            if self.cursor - product < height and product < self.top:
                self.top = product
        self.top = max(0, min(self.top, max(self.rows - height, 0)))

    def on_resize(self) -> None:
        self._keep_in_view(show_product=True)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def product_text(self, line: ChecklistLine, width: int) -> str:
        chosen = "▸" if line.sku == self.selected else " "
        mark = line_mark(line, self.checklist.blind)
        right = counts_words(line, self.checklist.blind)
        if not line.serialized:
            right = f"qty {right}"
        room = width - 3 - 1 - len(right)
        name = visible(f"{line.sku} {line.name}")
        if width < 60 and len(name) > room:
            sku = visible(line.sku)
            name = sku if len(sku) <= room else name
        return f"{chosen}{mark} {fit(name, room):<{max(room, 0)}} {right}"

    def serial_text(self, k: int, width: int) -> tuple[str, str]:
        """(text, kind) of the k-th serial row: kind "scanned", "newest" or "missing"."""
        line = self.selected_line
        if line is None:
            return "", "missing"
        scanned = line.scanned
        count = len(scanned)
        if k < count:
            index = count - 1 - k
            if index >= len(scanned):  # the list changed under us (another thread's scan)
                return "", "missing"
            serial = visible(scanned[index])
            kind = "newest" if serial == self.newest and k == 0 else "scanned"
            number = f"{index + 1:>{len(str(count))}}"
            return fit(f"   ✓ {number} {serial}", width), kind
        missing_index = k - count
        if missing_index >= len(self.missing):
            return "", "missing"
        tail = " to scan"
        return fit(f"   · {visible(self.missing[missing_index])}{tail}", width), "missing"

    def render(self) -> Text:
        if not self.skus:
            # Rows are never wrapped (text-wrap: nowrap): the hint is, by words, or its end
            # ("then its serials") was cut at 80 columns and half of it at 40.
            hint = "\n".join(textwrap.wrap(self.empty, max(self.size.width, 1)))
            return Text(hint, style=self.get_component_rich_style("checklist--empty"))
        width = max(self.size.width, 20)
        height = max(self.size.height, 1)
        styles = {
            name: self.get_component_rich_style(f"checklist--{name}")
            for name in ("cursor", "complete", "over", "newest", "missing")
        }
        text = Text(no_wrap=True, overflow="crop")
        end = min(self.top + height, self.rows)
        for row in range(self.top, end):
            if row > self.top:
                text.append("\n")
            start = len(text)
            kind, index = self.row_at(row)
            if kind == "product":
                line = self.checklist.lines.get(self.skus[index])
                if line is None:
                    continue
                style = (
                    styles["over"]
                    if line.over and not self.checklist.blind
                    else styles["complete"]
                    if line.complete and not self.checklist.blind
                    else ""
                )
                text.append(self.product_text(line, width), style=style)
            else:
                body, what = self.serial_text(index, width)
                text.append(body, style=styles.get(what, ""))
            if row == self.cursor:
                text.stylize(styles["cursor"] if self.has_focus else "underline", start, len(text))
        return text

    def visible_text(self) -> str:
        """The rows on screen now, for tests and the bench."""
        return self.render().plain
