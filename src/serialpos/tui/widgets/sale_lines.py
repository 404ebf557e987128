"""The lines of an order, drawn by hand: only the rows that fit are rendered.

A DataTable that appends a row and scrolls to it shows the row a frame or two later; at the
counter the scanned unit must be on screen in the first frame after the scan. So this widget
keeps the lines as plain data and renders the window around the cursor (the newest line when a
scan lands), one ``Text`` row each. The rows are drawn one by one (Textual's line API) and kept
(:mod:`~serialpos.tui.widgets.kept_rows`): a change marks for drawing only the rows that will
show something else, so a landed scan draws its own row and the row the cursor left.

The serial indicator is a colour (component classes styled in screens.tcss) *and* words
("✗ S/N needed", "? S/N optional", "✓ S/N 356938030000013"), so it reads the same with
``NO_COLOR``. The serial is shown whole: the product name gives way (on a narrow terminal the
serial comes first, right after the line number), so two units on one sale are told apart.
Keys: arrows move, ``s`` serial, ``+``/``-`` quantity, Delete removes, Space marks a line
(returns, fulfil chosen lines); any other character goes back to the scan field, and so does
every character after it until Enter (a scan's ``-`` or ``+`` is part of the scan). A line key
acts one key gap after it is pressed: a character that follows it sooner makes it the first
character of a scan, which goes whole to the scan field (:mod:`serialpos.devices.line_keys`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, NamedTuple, Self, cast

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from serialpos.domain.text import visible
from serialpos.tui.widgets.gated_line_keys import GatedLineKeys
from serialpos.tui.widgets.kept_rows import UNKNOWN, KeptRows

if TYPE_CHECKING:
    from serialpos.services.orders.views import OrderLineView

INDICATOR_CLASS = {
    "missing_required": "sale-lines--required",
    "missing_optional": "sale-lines--optional",
    "recorded": "sale-lines--recorded",
}


class HeldRow(NamedTuple):
    """A line held on screen until its serial comes: what its row shows."""

    number: int
    sku: str
    name: str
    price: Decimal


#: The held row's indicator: the serial is asked for (nothing recorded yet).
HELD_WORDS = "S/N?"


class ShownRow(NamedTuple):
    """A row in view as everything it shows: the key its drawn cells are kept by."""

    cursor: str  # "", "cursor" (the list has focus), "underline"; "adding": a scan on its way
    head: str
    indicator: str = ""
    indicator_class: str = ""  # the component class that colours the indicator
    tail: str = ""


#: Narrow terminals (under 60 columns) use these shorter words, same symbols.
SHORT_WORDS = {
    "missing_required": "✗ S/N needed",
    "missing_optional": "? S/N opt.",
    "recorded": "✓ S/N",
    "none": "",
}
#: A recorded serial on a narrow terminal: the symbol alone goes before it.
NARROW_RECORDED = "✓"


def indicator_words(line: OrderLineView, narrow: bool = False) -> str:
    """The indicator in words, with the whole serial when one is recorded
    (``✓ S/N 356938030000013``; narrow: ``✓ 356938030000013``). The serial is never cut: two
    units on one sale are told apart by it."""
    key = str(line.indicator.value)
    if line.serial:
        words = NARROW_RECORDED if narrow else line.indicator.symbol
        return f"{words} {visible(line.serial)}"
    return SHORT_WORDS[key] if narrow else line.indicator.symbol


#: A line's state in four letters, on narrow terminals.
STATUS_SHORT = {"fulfilled": "sold", "returned": "back", "removed": "gone"}

#: The indicator column's least width, so that rows without a serial line up: (wide, narrow).
INDICATOR_WIDTH = {False: 16, True: 12}


class RowParts(NamedTuple):
    """One row in three parts; ``indicator`` is drawn in the serial state's colour."""

    head: str
    indicator: str
    tail: str

    @property
    def plain(self) -> str:
        return self.head + self.indicator + self.tail


def _fit(text: str, room: int) -> str:
    """``text`` cut to ``room`` characters (with …), padded to exactly ``room``."""
    if room <= 0:
        return ""
    if len(text) > room:
        text = text[: room - 1] + "…"
    return f"{text:<{room}}"


def line_text(
    line: OrderLineView, width: int, mark: str = " ", indicator_width: int | None = None
) -> RowParts:
    """One row fitted to ``width``: number, product, qty, price, total, serial indicator. The
    product name gives way, never the serial. On a narrow terminal the unit price goes, and a
    recorded serial comes first, right after the line number. ``mark`` is one character:
    ``*`` chosen, ``D`` chosen as damaged. A line that is no longer open says so (fulfilled,
    returned) in place of the price. ``indicator_width``: the indicator column's width on the
    rows shown together (the widest of them), so their columns line up."""
    narrow = width < 60
    number = f"{mark}{line.number:>2} "
    total = f"{line.total:>8.2f}" if narrow else f"{line.total:>9.2f}"
    status = str(getattr(line.status, "value", line.status))
    indicator = indicator_words(line, narrow)
    # A discount or price override shows right after the SKU, before the name gives way.
    label = getattr(line, "discount_label", "")
    product = visible(f"{line.sku} {label} {line.name}" if label else f"{line.sku} {line.name}")
    if narrow and line.serial:
        # Serial first; a unit's quantity is 1, so only a line that is not open says more.
        state = "" if status == "open" else f" {STATUS_SHORT.get(status, status):>4}"
        room = width - len(number) - len(indicator) - 1 - len(state) - len(total)
        shown = visible(line.sku) if len(product) > room else product
        return RowParts(
            number,
            indicator,
            f" {_fit(shown, room)}{state}{total}" if room > 0 else f"{state}{total}",
        )
    if narrow:
        return _narrow_row(line, width, number, product, indicator, indicator_width, label)
    qty = f"{line.quantity:>3}"
    price = f" {line.unit_price:>8.2f}" if status == "open" else f" {status:>9}"
    column = max(indicator_width or 0, INDICATOR_WIDTH[narrow], len(indicator))
    fixed = len(number) + 1 + len(qty) + len(price) + len(total) + 1 + column
    sku = visible(line.sku)
    if price and width - fixed < len(sku):  # a long serial: the unit price goes first
        fixed -= len(price)
        price = ""
    room = max(width - fixed, 1)
    if len(product) > room and len(sku) <= room and room < len(sku) + 4:
        product = sku  # the SKU alone (it is what is read) rather than a stub of the name
        if label:  # ... but a discount is never hidden: it goes first, the SKU gives way
            product = visible(f"{label} {line.sku}")
    return RowParts(f"{number}{_fit(product, room)} {qty}{price}{total} ", indicator, "")


def _narrow_row(
    line: OrderLineView,
    width: int,
    number: str,
    product: str,
    indicator: str,
    indicator_width: int | None,
    label: str,
) -> RowParts:
    """A row without a recorded serial on a narrow terminal: number, product, the serial's
    state (when the line has one to show), quantity (only when it is not 1, or the line is no
    longer open) and total, the total against the right edge. No unit price.

    The serial's state used to keep a column of 12 on every row, and the quantity one of 4:
    at 40 columns a line of accessories had 8 left for its product, and a discounted line
    showed "-10% PH…" with its SKU cut. A row with no state to show gives that room to the
    product, as a quantity of 1 does (a unit's row says no quantity either)."""
    status = str(getattr(line.status, "value", line.status))
    total = f" {line.total:>7.2f}"
    if status != "open":
        qty = f" {STATUS_SHORT.get(status, status):>4}"
    else:
        qty = "" if line.quantity == 1 else f" {line.quantity:>3}"
    column = max(indicator_width or 0, len(indicator)) if indicator else 0
    room = max(width - len(number) - (column + 1 if indicator else 0) - len(qty) - len(total), 1)
    sku = visible(line.sku)
    if len(product) > room and len(sku) <= room:
        product = visible(f"{label} {line.sku}") if label else sku  # a discount is never hidden
    head = f"{number}{_fit(product, room)}"
    if not indicator:
        return RowParts(head, "", f"{qty}{total}")
    return RowParts(head + " ", _fit(indicator, column), f"{qty}{total}")


class SaleLines(Widget, can_focus=True):
    """Order lines with a row cursor. The screen calls :meth:`show_lines`; keys post
    :class:`Acted` up."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "sale-lines--cursor",
        "sale-lines--required",
        "sale-lines--optional",
        "sale-lines--recorded",
        "sale-lines--empty",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("s", "act('serial')", "Serial"),
        Binding("plus,equals_sign", "act('more')", "Qty", key_display="+"),
        Binding("minus", "act('less')", "Qty", key_display="-"),
        Binding("delete", "act('remove')", "Remove"),
        Binding("space", "act('mark')", "Mark"),
    ]

    @dataclass
    class Acted(Message):
        """A key asked for something to be done to the line under the cursor."""

        action: str
        line: int  # the line's id (OrderLineView.line)

    @dataclass
    class Typed(Message):
        """A character typed while the lines had focus: it belongs in the scan field;
        ``ends``: the Enter that ends the scan those characters began."""

        character: str
        ends: bool = False

    #: The characters that are this widget's keys, with the action each asks for; any other
    #: character goes to the scan field.
    #: A letter key acts in either case: the footer shows it as a capital ("S Serial"), and
    #: Shift+S typed "S" into the scan field.
    LINE_KEYS: ClassVar[dict[str, str]] = {
        "s": "serial",
        "S": "serial",
        "+": "more",
        "=": "more",
        "-": "less",
        " ": "mark",
    }

    def __init__(self, *, id: str | None = None, empty: str = "no lines yet: scan an item") -> None:
        super().__init__(id=id)
        self.lines: list[OrderLineView] = []
        self.cursor = 0
        self.top = 0
        self.marked: set[int] = set()
        self.damaged: set[int] = set()
        self.pending: list[str] = []  # scans on their way to the service, shown at once
        #: A line held on screen until its serial is scanned (nothing written yet:
        #: services/held_line.py): its row, after the lines, "S/N?" in the indicator.
        self.held: HeldRow | None = None
        #: Which typed characters are line keys and which a scan (devices/line_keys.py).
        self.keys = GatedLineKeys(
            self,
            self.LINE_KEYS,
            self.action_act,
            lambda char, ends: self.post_message(self.Typed(char, ends)),
        )
        self.empty = empty
        self._kept = KeptRows(self)

    # -- data ------------------------------------------------------------------------------
    #: The rows in view, worked out for this size and focus (None: work them out again).
    _window: tuple[tuple[Size, bool], list[ShownRow]] | None = None

    def show_lines(
        self,
        lines: Sequence[OrderLineView],
        cursor_line: int | None = None,
        pending_done: bool = False,
    ) -> None:
        """New lines; the cursor goes to ``cursor_line`` (a line id) or stays on its row.
        ``pending_done``: the oldest scan on its way has landed, its provisional row goes in
        the same change (dropped first on its own, the list would scroll back for a moment
        and every row would be drawn again instead of the new one)."""
        if pending_done and self.pending:
            self.pending.pop(0)
        self.lines = list(lines)
        ids = [line.line for line in self.lines]
        self.marked &= set(ids)
        self.damaged &= set(ids)
        if cursor_line is not None and cursor_line in ids:
            self.cursor = ids.index(cursor_line)
        self.cursor = max(0, min(self.cursor, len(self.lines) - 1))
        self._keep_cursor_in_view()
        self._redraw()

    def add_pending(self, text: str) -> None:
        """A scan is being added and its answer is late (the sale screen calls this only after
        ``SaleScreen.PROVISIONAL_AFTER``): its row shows in the next frame, before the
        service answers; the real line replaces it."""
        self.pending.append(text)
        self._keep_cursor_in_view()
        self._redraw()

    def show_held(self, held: HeldRow | None) -> None:
        """The held line's row (None: no line is held now); drawn in the next frame."""
        if held == self.held:
            return
        self.held = held
        self._keep_cursor_in_view()
        self._redraw()

    def drop_pending(self) -> None:
        if self.pending:
            self.pending.pop(0)
            self._keep_cursor_in_view()
            self._redraw()

    @property
    def current(self) -> OrderLineView | None:
        return self.lines[self.cursor] if self.lines else None

    def go_to(self, line_id: int) -> None:
        for index, line in enumerate(self.lines):
            if line.line == line_id:
                self.cursor = index
                self._keep_cursor_in_view()
                self._redraw()
                return

    def toggle_mark(self) -> None:
        current = self.current
        if current is None:
            return
        self.marked ^= {current.line}
        self.damaged -= {current.line} - self.marked
        self._redraw()

    def toggle_damaged(self) -> None:
        current = self.current
        if current is None:
            return
        self.damaged ^= {current.line}
        if current.line in self.damaged:
            self.marked.add(current.line)
        self._redraw()

    def visible_text(self) -> str:
        """The rows on screen now, for tests and the bench."""
        return self.render().plain

    # -- keys -------------------------------------------------------------------------------
    def action_move(self, step: int) -> None:
        if not self.lines:
            return
        self.cursor = max(0, min(self.cursor + step, len(self.lines) - 1))
        self._keep_cursor_in_view()
        self._redraw()

    def action_act(self, action: str) -> None:
        current = self.current
        if current is not None:
            self.post_message(self.Acted(action, current.line))

    @property
    def holding(self) -> bool:
        """A line key is held, waiting one key gap to see whether a scan follows it."""
        return self.keys.holding

    def on_key(self, event: events.Key) -> None:
        """Every key goes through the line-key gate (:mod:`serialpos.devices.line_keys`): a
        line key pressed alone acts one key gap later; one followed at once by more
        characters (or an Enter) is the start of a scan, and the scan goes whole to the scan
        field, ``s``, ``-``, ``+`` and Space included, until its Enter. A scanner's
        characters are never commands: ``DRL18-A002`` took its ``-`` as "one less", and
        ``s901`` opened the serial dialog and sold unit 901."""
        self.keys.key(event)

    # -- drawing ----------------------------------------------------------------------------
    def _keep_cursor_in_view(self) -> None:
        height = max(self.size.height, 1)
        rows = len(self.lines) + self._extra()
        if self.pending or self.held is not None:  # the rows being added are the ones to see
            self.top = max(rows - height, 0)
            return
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + height:
            self.top = self.cursor - height + 1
        self.top = max(0, min(self.top, max(rows - height, 0)))

    def on_resize(self) -> None:
        # A refusal's rows and a longer footer shrink the list after the cursor moved: the
        # row it moved to is brought back into view and drawn again (the frame already drawn
        # at the new size still had the old top).
        self._keep_cursor_in_view()
        self.refresh()

    def on_focus(self) -> None:
        self.keys.reset()  # focus comes back by a deliberate key: line keys act again
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def _extra(self) -> int:
        """Rows after the lines: the held line's, then the scans on their way."""
        return len(self.pending) + (self.held is not None)

    def _redraw(self) -> None:
        """Have the next frame draw the rows that will show something else than they do now
        (a scan's new row, the row the cursor left), not all of them."""
        self._window = None
        if not self.lines and not self._extra():
            self.refresh()  # the note: drawn whole
            return
        regions = self._kept.changed(list(self._rows_in_view()), self.size)
        if regions:
            super().refresh(*regions)

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        self._window = None  # whatever changed, the rows in view are worked out again
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._kept.clear()  # colours, focus or theme changed: every row is drawn again

    def _rows_in_view(self) -> list[ShownRow]:
        """What each row in view says, top to bottom, as the keys its cells are kept by."""
        window = self._window
        if window is not None and window[0] == (self.size, self.has_focus):
            return window[1]
        width = max(self.size.width, 20)
        height = max(self.size.height, 1)
        end = min(self.top + height, len(self.lines) + self._extra())
        narrow = width < 60
        # The rows on screen share one indicator column: as wide as their widest serial.
        column = max(
            (len(indicator_words(line, narrow)) for line in self.lines[self.top : end]), default=0
        )
        rows: list[ShownRow] = []
        for index in range(self.top, end):
            held = self.held
            if held is not None and index == len(self.lines):
                rows.append(_held_row(held, width, column))
                continue
            if index >= len(self.lines):
                scanned = visible(self.pending[index - len(self.lines) - (held is not None)])
                rows.append(ShownRow("adding", f"  … {scanned[: max(width - 16, 4)]} adding"))
                continue
            line = self.lines[index]
            mark = "D" if line.line in self.damaged else "*" if line.line in self.marked else " "
            parts = line_text(line, width, mark, column)
            klass = INDICATOR_CLASS.get(str(line.indicator.value), "")
            cursor = ""
            if index == self.cursor:
                cursor = "cursor" if self.has_focus else "underline"
            rows.append(ShownRow(cursor, parts.head, parts.indicator, klass, parts.tail))
        self._window = ((self.size, self.has_focus), rows)
        self._kept.keep_only(rows)
        return rows

    def _row_text(self, key: Hashable) -> Text:
        """One row as the text drawn for it (its key says everything it shows)."""
        cursor, head, indicator, klass, tail = cast(ShownRow, key)
        text = Text(no_wrap=True, overflow="crop")
        if cursor == "adding":  # a scan on its way to the service
            text.append(head, style=self.get_component_rich_style("sale-lines--empty"))
            return text
        text.append(head)
        text.append(indicator, style=self.get_component_rich_style(klass) if klass else "")
        text.append(tail)
        if cursor == "cursor":
            text.stylize(self.get_component_rich_style("sale-lines--cursor"), 0, len(text))
        elif cursor == "underline":
            text.stylize("underline", 0, len(head))
        return text

    def render(self) -> Text:
        """The rows in view as one text (the empty list's note when there are none): what
        :meth:`render_line` draws row by row."""
        if not self.lines and not self._extra():
            return Text(self.empty, style=self.get_component_rich_style("sale-lines--empty"))
        rows = [self._row_text(key) for key in self._rows_in_view()]
        return Text("\n", no_wrap=True, overflow="crop").join(rows)

    def render_line(self, y: int) -> Strip:
        """Row ``y`` of the list: kept cells when the row says what it said before (a scan
        moves the rows up; only the new row and the one the cursor left are drawn again)."""
        if (not self.lines and not self._extra()) or self.text_selection is not None:
            self._kept.drawn(y, UNKNOWN)
            return super().render_line(y)  # the note, or a mouse selection: drawn whole
        rows = self._rows_in_view()
        if y >= len(rows):
            self._kept.drawn(y, None)
            return Strip.blank(self.size.width, self.visual_style.rich_style)
        return self._kept.strip(y, rows[y], self._row_text)


def _held_row(held: HeldRow, width: int, column: int) -> ShownRow:
    """The held line's row: its number, product and price as its line will show them, and
    "S/N?" where the serial goes (coloured as a missing required serial)."""
    narrow = width < 60
    room = max(column, INDICATOR_WIDTH[narrow], len(HELD_WORDS))
    total = f"{held.price:>8.2f}" if narrow else f"{held.price:>9.2f}"
    head_room = max(width - room - len(total) - 2, 4)
    head = _fit(f" {held.number:>2} {visible(held.sku)} {visible(held.name)}", head_room)
    return ShownRow("", head + " ", _fit(HELD_WORDS, room), "sale-lines--required", " " + total)


class ReturnLines(SaleLines, inherit_bindings=False):
    """The lines of a sale being returned: Space chooses a line, ``d`` chooses it as damaged."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("space", "act('mark')", "Choose"),
        Binding("d", "act('damaged')", "Damaged"),
    ]
    LINE_KEYS: ClassVar[dict[str, str]] = {" ": "mark", "d": "damaged", "D": "damaged"}
