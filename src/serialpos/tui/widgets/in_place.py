"""New text for a one-line (or few-line) widget without laying out the whole screen again.

Textual's ``Static.update`` asks for a layout by default: every widget of the screen is
arranged again and repainted in the next frame, in case the new text needs another height. At
the counter each scan changes the message line, the totals and sometimes the head: with a
layout per scan the frame that shows the scanned line repainted the status line, the field,
the footer and all, about twice the work of the frame itself (issue 15: the line on screen in
one frame). Most of these texts keep their size (one row that still fits), so only the widget
itself needs painting: :func:`show_text` asks for a layout only when the rows could change,
and for nothing at all when the text is the same.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static


def keeps_its_size(widget: Static, plain: str) -> bool:
    """True when ``plain`` takes exactly the rows ``widget`` shows now, each row within its
    width (nothing to wrap), and the widget's width does not follow its text: the screen's
    layout stays as it is. Anything else (not drawn yet, empty text, a row that wraps, a
    row more or less) says False, and the caller asks for a layout as before."""
    if not widget.is_mounted or not plain:
        return False
    width_rule = widget.styles.width
    if width_rule is not None and width_rule.is_auto:
        return False
    size = widget.content_size
    if size.width <= 0 or size.height <= 0:
        return False
    rows = plain.split("\n")
    return len(rows) == size.height and all(cell_len(row) <= size.width for row in rows)


def show_text(widget: Static, content: Text | str) -> None:
    """``widget.update(content)``, with a layout only when its size may change, and nothing
    at all when it already shows exactly ``content``."""
    if shows(widget, content):
        return
    plain = content.plain if isinstance(content, Text) else content
    widget.update(content, layout=not keeps_its_size(widget, plain))


def shows(widget: Static, content: Text | str) -> bool:
    """True when ``widget`` holds exactly ``content`` already (text, spans and style): giving
    it again would only ask for another layout."""
    shown = widget.content
    if type(shown) is not type(content):
        return False
    if isinstance(content, Text):
        assert isinstance(shown, Text)
        return (
            shown.plain == content.plain
            and shown.spans == content.spans
            and shown.style == content.style
        )
    return shown == content
