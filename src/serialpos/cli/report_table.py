"""Reports as a Rich table fitted to the terminal (an SSH session is often 80 columns).

Identifiers and numbers are never wrapped (a serial broken over lines is misread); text
columns wrap down to a minimum, and when even that does not fit, the report's least needed
columns are left out in the order it gives. The exports (report_export.py) keep every column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from serialpos.cli.output import output_console, say

#: Cells never wrapped in a table: a serial or document number broken over lines is
#: misread, and one cut short with "…" is useless.
_WHOLE = frozenset(
    {
        "Invoice",
        "Order",
        "SKU",
        "Serial Number",
        "Line",
        "Line ID",
        "Date",
        "Created",
        "Quantity",
        "Price",
        "Discount",
        "Total",
    }
)
#: How narrow a wrapped text column (product, customer, ...) may become.
_TEXT_WIDTH = 14
#: Shorter headings where a column's values are short (the exports keep the full names).
_HEADINGS = {"Quantity": "Qty"}


def show_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    drop: Sequence[str],
    title: str,
    empty: str,
    footer: dict[str, str] | None = None,
) -> None:
    """A Rich table like output.print_table (cells shown literally), fitted to the terminal:
    identifiers and numbers whole, text wrapped, and when the columns cannot fit (an SSH
    session at 80 columns) the ``drop`` columns left out, in that order, until they do.
    Times to the minute; totals in the footer."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from serialpos.domain.text import visible

    cells = [[visible(shown_text(v)) for v in row] for row in rows]
    if not cells:
        say(empty)
        return
    console = output_console()
    shown = fit_columns(columns, cells, drop, console.width)
    # One space between columns (no rules): 80 columns hold a sale's identifiers and its date.
    table = Table(
        title=title,
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        padding=(0, 0),
        show_footer=footer is not None,
        footer_style="bold",
    )
    for i in shown:
        name = columns[i]
        table.add_column(
            _HEADINGS.get(name, name),
            no_wrap=name in _WHOLE,
            overflow="fold",
            min_width=None if name in _WHOLE else min(_TEXT_WIDTH, _longest(name, i, cells)),
            justify="right" if name in ("Quantity", "Price", "Discount", "Total") else "left",
            footer=(footer or {}).get(name, ""),
        )
    for row in cells:
        table.add_row(*(Text(row[i]) for i in shown))
    console.print(table)


def fit_columns(
    columns: Sequence[str], cells: list[list[str]], drop: Sequence[str], width: int
) -> list[int]:
    """The columns to show: all, less ``drop`` ones (in order) while they would not fit."""

    def need(i: int) -> int:
        longest = _longest(columns[i], i, cells)
        # 1 of padding between columns
        return (longest if columns[i] in _WHOLE else min(longest, _TEXT_WIDTH)) + 1

    shown = list(range(len(columns)))
    dropping = [columns.index(name) for name in drop]
    while sum(need(i) for i in shown) > width and dropping:
        shown.remove(dropping.pop(0))
    return shown


def _longest(name: str, i: int, cells: list[list[str]]) -> int:
    """The widest of the column's heading and cells."""
    return max(len(_HEADINGS.get(name, name)), *(len(row[i]) for row in cells))


def shown_text(value: object) -> str:
    """A cell as the table shows it: None empty, times to the minute, amounts plain."""
    from serialpos.cli.output import plain

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(plain(value))
