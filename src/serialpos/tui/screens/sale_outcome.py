"""What a sale's service call did and how the screen words it: the :class:`Outcome` a job
hands back, the head and totals lines, and which lines still need their required serial. Plain
functions of an order view, shared by the sale screen and its order keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from rich.text import Text

from serialpos.domain.text import clip, visible
from serialpos.tui.screens.sale_dialogs.money import money

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.domain.counter_search import ProductChoice
    from serialpos.domain.errors import DomainError
    from serialpos.services.context import Actor
    from serialpos.services.counter_search import OrderFound
    from serialpos.services.held_line import HeldLine
    from serialpos.services.orders import OrderLineView, OrderSummary, OrderView
    from serialpos.services.orders.views import AddResult

BARCODE_DIGITS = range(8, 15)


@dataclass
class Outcome:
    """What a service call did, for the screen to show."""

    view: OrderView | None
    note: str = ""
    cursor_line: int | None = None
    prompt_line: int | None = None  # open serial entry for this line
    invoice: str | None = None
    finished: bool = False  # parked, voided or fulfilled: the next scan starts a new order
    orders: list[OrderSummary] = field(default_factory=list)
    show_orders: bool = False
    added: bool = False  # a line was just added: it is the one a scanned serial may fill
    filled_line: int | None = None  # a scan in the field recorded this line's serial
    change_due: Decimal | None = None  # a fulfilment's change: shown until the next sale
    #: The counter search found several products (pick one) or an order or invoice.
    choices: tuple[ProductChoice, ...] = ()
    more_choices: bool = False
    order_found: OrderFound | None = None
    typed: str = ""
    #: A product scanned first whose line is held on screen (nothing written) until the
    #: next entry: its serial, or anything else (services/held_line.py).
    held: HeldLine | None = None
    held_done: bool = False  # the held line was committed with its serial: its prompt closes
    unheld: bool = False  # the held line's commit asked for before a key (SaleScreen.unhold)
    note_kind: Literal["ok", "note"] = "ok"
    #: An entry refused after the held line was committed without its serial (the view is
    #: the order as it now stands): shown as a refusal of the sale field (the bell).
    refusal: DomainError | None = None
    #: Asked before the job is done again with the cashier's yes (change beyond the cash
    #: the drawer should hold): the question, and what a yes runs.
    confirm: tuple[str, Callable[[], None]] | None = None


Job = Callable[["Database", "Actor", "str | None"], Outcome]


def added_outcome(result: AddResult) -> Outcome:
    """A line added: the cursor on it, and its serial asked for when the product wants one."""
    line_id = int(getattr(result.line, "line", result.line))
    return Outcome(
        result.order,
        result.message or "added",
        cursor_line=line_id,
        prompt_line=line_id if result.prompt_serial else None,
        added=True,
    )


def awaiting_line(outcome: Outcome) -> int | None:
    """The line a job just added, when it still needs its required serial."""
    if not outcome.added or outcome.cursor_line is None:
        return None
    line = outcome.cursor_line
    return line if any(ln.line == line for ln in missing_required(outcome.view)) else None


def status_of(view: OrderView) -> str:
    return str(getattr(view.status, "value", view.status))


def missing_required(view: OrderView | None) -> list[OrderLineView]:
    if view is None:
        return []
    return [
        line
        for line in view.lines
        if str(line.indicator.value) == "missing_required"
        and str(getattr(line.status, "value", line.status)) == "open"
    ]


def head_text(view: OrderView | None, sale_type: str, delivery: str) -> Text:
    from serialpos.domain.orders import DeliveryMode, SaleType

    kind = SaleType(sale_type).label
    how = DeliveryMode(delivery).label
    if view is None:
        return Text(f"new order · {kind} · {how}")
    who = f" · {visible(view.customer.name)}" if view.customer and view.customer.name else ""
    return Text(f"{visible(view.order)} {status_of(view)} · {kind} · {how}{who}")


#: The totals' words, longest first: the first that fits the row is used. At 40 columns the
#: full line (56 characters for a sale of 226.78) wrapped onto a second row; the short forms
#: cut the labels of net, tax and paid to a letter (N, T, P) and keep "Total" and "Due"
#: whole; the fourth writes whole amounts without their ".00" (a 1,299.00 phone's sale), the
#: fifth leaves out a paid of zero (Due equal to Total says it). Four-digit amounts with pence
#: (a 1,199.00 laptop: 1,438.80 with tax) still took two rows: the last forms leave out the
#: net (total less tax), then the tax, never the total, what is paid or what is due; with
#: the net left out, the room it made spells "Tax" again where it fits (a 40-column till
#: read "T239.80"). The change after a sale keeps its words (what the cashier looks up for)
#: and every number: with it the line may take two rows.
_LETTERS = (" ", "N", " T", " ", "Total ", " P", " ", "Due ")
_TOTALS_WORDS = (
    ("  ", "Net ", "  Tax ", "  ", "Total ", "  Paid ", "  ", "Due "),
    (" ", "Net ", " Tax ", " ", "Total ", " Paid ", " ", "Due "),
    _LETTERS,  # with pence
    _LETTERS,  # whole amounts without ".00"
    _LETTERS,  # and without a paid of zero
    (" ", "", "Tax ", " ", "Total ", " P", " ", "Due "),
    (" ", "", "T", " ", "Total ", " P", " ", "Due "),
    (" ", "", "", "", "Total ", " P", " ", "Due "),
)
#: The first form with whole amounts, the first without a paid of zero, without the net,
#: without the tax.
_WHOLE, _NO_ZERO_PAID, _NO_NET, _NO_TAX = 3, 4, 5, 7


def _whole(value: Decimal) -> str:
    """``money`` without ".00" for a whole amount (the narrowest totals only)."""
    return money(value).removesuffix(".00")


def totals_text(
    view: OrderView | None, change_due: Decimal | None = None, width: int | None = None
) -> Text:
    """Net, tax, total, paid and due; after a sale that gave change, the change first, in
    reverse, so it is still there when the cashier looks up from the drawer. ``width``: the
    row's columns; the words are shortened until the line fits one row, and only a line too
    long even then wraps."""
    zero = Decimal("0")
    net, tax, total, paid, due = (
        (view.totals.net, view.totals.tax, view.totals.total, view.totals.paid, view.totals.due)
        if view is not None
        else (zero,) * 5
    )
    # With the change, every number stays (the line may take two rows, as said above).
    forms = _TOTALS_WORDS[:_NO_NET] if change_due else _TOTALS_WORDS
    for form, words in enumerate(forms):
        gap, w_net, w_tax, gap2, w_total, w_paid, gap3, w_due = words
        amount = _whole if form >= _WHOLE else money
        text = Text(no_wrap=False)
        if change_due:
            text.append(f"CHANGE DUE {amount(change_due)}", style="bold reverse")
            text.append(gap)
        shown_net = f"{w_net}{amount(net)}" if form < _NO_NET else ""
        shown_tax = f"{w_tax}{amount(tax)}" if form < _NO_TAX else ""
        text.append(f"{shown_net}{shown_tax}{gap2}")
        text.append(f"{w_total}{amount(total)}", style="bold")
        if form < _NO_ZERO_PAID or paid:
            text.append(f"{w_paid}{amount(paid)}")
        text.append(gap3)
        text.append(f"{w_due}{amount(due)}", style="bold reverse" if due > 0 else "bold")
        if width is None or text.cell_len <= width:
            return text
    return text


def serial_entry_outcome(
    line: OrderLineView, result: OrderView | None
) -> tuple[Literal["ok", "note"], str]:
    """What serial entry did to ``line``, said as it happened: recorded, removed (Enter on an
    empty field), kept (Escape on a line that has one) or left missing (Escape on one that has
    none). ``result`` is the order after the dialog, None when it was escaped."""
    number = line.number
    if result is None:
        if line.serial:
            return "note", f"line {number}: serial {clip(line.serial)} kept, nothing changed"
        return "note", f"line {number}: serial left missing"
    now = next((ln for ln in result.lines if ln.line == line.line), None)
    if now is not None and now.serial:
        return "ok", f"serial {clip(now.serial)} recorded on line {number}"
    needed = str(line.serial_mode.value) == "required"
    return "ok", f"line {number}: serial removed" + (
        "; it is needed before payment" if needed else ""
    )
