"""What the Sale screen hands its job thread, and what comes back (split from
tui/screens/sale.py along its seam, no behaviour changed).

Each key or scan on the Sale screen becomes a :data:`~serialpos.tui.screens.sale_outcome.Job`:
a service call on the order run on the screen's job thread, one at a time and in order
(:class:`~serialpos.tui.screens.base.OrderedJobs`). The jobs are built here, apart from the
screen that draws their answers: a scan or typed text added (:func:`add_job`), a line's
quantity changed (:func:`quantity_job`), a line removed (:func:`remove_job`). Their answers
come back to the screen as :class:`Changed` or :class:`Refused` (still handled as
``on_sale_screen_changed`` / ``on_sale_screen_refused``: the namespace says so).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

from serialpos.domain.counter_search import not_a_barcode
from serialpos.domain.text import clip
from serialpos.tui.screens.sale_outcome import (
    BARCODE_DIGITS,
    Job,
    Outcome,
    added_outcome,
    missing_required,
)

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.domain.errors import DomainError
    from serialpos.services.context import Actor
    from serialpos.services.counter_scan import CounterScan
    from serialpos.services.held_line import HeldLine
    from serialpos.services.orders import OrderView
    from serialpos.services.orders.views import AddResult


@dataclass
class Changed(Message, namespace="sale_screen"):
    """A service call on the order finished."""

    outcome: Outcome
    pending: bool = False  # an add: the oldest scan on its way (SaleScreen.on_its_way) landed
    committed: AddResult | None = None  # the held line, written before the job (sale_held.py)


@dataclass
class Refused(Message, namespace="sale_screen"):
    """A service call was refused; ``barcode`` is set for an unknown product barcode."""

    message: str
    code: str
    barcode: str | None = None
    pending: bool = False
    waiting_line: int | None = None  # the serial was refused for this line
    text: str | None = None
    committed: AddResult | None = None  # the held line, written before the job (sale_held.py)


@dataclass
class OnItsWay:
    """A scan handed to the service whose answer has not been shown yet: its provisional row
    is drawn only if the answer takes longer than :attr:`SaleScreen.PROVISIONAL_AFTER`."""

    text: str
    shown: bool = False
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)


def waiting_line(view: OrderView | None, last_added: int | None) -> int | None:
    """The last added line, when it still needs its required serial."""
    if last_added is None:
        return None
    return next(
        (line.line for line in missing_required(view) if line.line == last_added),
        None,
    )


def add_job(
    store: str,
    sale_type: str,
    delivery: str,
    text: str | None,
    barcode: str | None,
    serial: str | None,
    waiting: Callable[[], int | None],
    held: Callable[[], HeldLine | None],
) -> Job:
    """Add a scan or typed ``text`` (or a labelled ``barcode`` and ``serial``) to the order;
    ``waiting`` says, when the job runs, which line waits for its serial, and ``held`` which
    line is held on screen for it (a product scanned first: services/held_line.py). A
    labelled scan never reaches a held line: the screen commits that first
    (``SaleScreen.submit``)."""

    def job(db: Database, actor: Actor, order: str | None) -> Outcome:
        from serialpos.domain.errors import DomainError
        from serialpos.services import orders
        from serialpos.services.counter_scan import scan_at_counter

        # No order yet: the first line opens it, in the same transaction, so a scan that
        # matches nothing leaves no empty order and uses up no order number.
        start = orders.NewOrder(store, sale_type, delivery) if order is None else None
        try:
            if text is not None:
                # The line the previous job added, if it still waits (worker side, so a
                # serial sent 5 ms after its product finds it), else the one on screen;
                # the service decides: that line's serial, or an item.
                kept = held()
                scanned = scan_at_counter(
                    db, actor, order, text, start=start, waiting=waiting(), held=kept
                )
                shown = _scanned(scanned, text)
                if kept is not None:  # its line is written now (with its serial or not)
                    shown.held_done = True
                return shown
            result = orders.add_item(db, actor, order, barcode=barcode, serial=serial, start=start)
        except DomainError as exc:
            probe = text if text is not None else barcode
            if (
                exc.code == "unknown_product"
                and probe
                and probe.isdigit()
                and len(probe) in BARCODE_DIGITS
            ):
                why = not_a_barcode(probe)
                if why is not None:  # said, and no New product form for it
                    raise DomainError(why, code="unknown_product") from exc
                exc.scanned_barcode = probe  # type: ignore[attr-defined]
            raise
        return added_outcome(result)

    return job


def _scanned(scanned: CounterScan, text: str) -> Outcome:
    """What the sale field's entry did (services/counter_scan.py), for the screen."""
    written = scanned.committed  # the line held before, written without its serial
    if scanned.refusal is not None:
        assert written is not None  # (a refusal comes back only once it is)
        return _held_committed(scanned.view, written, refusal=scanned.refusal)
    if scanned.held is not None:
        return Outcome(
            scanned.view,
            f"{scanned.held.sku} {scanned.held.name}: scan its serial",
            cursor_line=None if written is None else int(written.line),
            added=written is not None,
            held=scanned.held,
        )
    if scanned.choices or scanned.order_found is not None:
        return Outcome(
            scanned.view,
            choices=scanned.choices,
            more_choices=scanned.more,
            order_found=scanned.order_found,
            typed=text,
        )
    if scanned.filled is not None:
        return Outcome(
            scanned.view,
            f"serial {clip(text)} recorded on the waiting line",
            cursor_line=scanned.filled,
            filled_line=scanned.filled,
        )
    assert scanned.added is not None
    return added_outcome(scanned.added)


def _held_committed(
    view: OrderView | None, written: AddResult, refusal: DomainError | None = None
) -> Outcome:
    """The held line, committed without its serial (its line waits for it as an add left
    it), and the entry's refusal after that, if any."""
    line_id = int(written.line)
    return Outcome(
        view or written.order, cursor_line=line_id, added=True, refusal=refusal, held_done=True
    )


def quantity_job(line_id: int, number: int, quantity: int) -> Job:
    """Set line ``line_id`` (``number`` on the order) to ``quantity``."""

    def change(db: Database, actor: Actor, order: str | None) -> Outcome:
        from serialpos.services.orders import set_quantity

        view = set_quantity(db, actor, str(order), line_id, quantity)
        return Outcome(view, f"line {number}: quantity {quantity}", cursor_line=line_id)

    return change


def remove_job(line_id: int, number: int) -> Job:
    """Remove line ``line_id`` (``number`` on the order)."""

    def remove(db: Database, actor: Actor, order: str | None) -> Outcome:
        from serialpos.services.orders import remove_line

        view = remove_line(db, actor, str(order), line_id)
        return Outcome(view, f"line {number} removed")

    return remove
