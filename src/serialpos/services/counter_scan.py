"""What one entry in the sale field does: the serial of the line waiting for one, else an item.

The sale screen used to decide this itself (try the waiting line's serial, fall back to an
item on some refusals, pick which refusal to show); the decision lives here so the screen only
shows the outcome. The rules:

- With a line waiting for its required serial, the text is first tried as that line's serial.
- Else (or refused there), a serial of a product that has another open line waiting for its
  required serial fills that line (the first such, by line number), never a new line: a
  special order reopened later showed its fridge "✗ S/N needed" and a scanned fridge serial
  added a second fridge, the first line still waiting (:func:`line_for_serial`).
- Refused as *not this product's serial* (a bad format, a unit not known or not in stock, a
  product without serials, a serial live under another product), the text is tried as an
  item: a barcode, a SKU, or a bare serial, which finds its own product's unit.
- Not an item either, the counter search (services/counter_search.py) is asked: a serial
  the ledger knows but that cannot be sold here is refused with the serial dialog's own
  sentence (sold, at another store, reserved); an order or invoice number in any case is
  handed back to open; a SKU in any case or words of a product name add the one product found,
  or hand back the products to pick from (price, stock here).
- Nothing found: the waiting line's refusal is the useful answer (a format fault, or a
  unit a manager may accept); it carries the line and the text so the console can offer the
  override. Else "nothing matches".
- A product scanned first whose serial is required is not added: its line is *held* (the
  outcome's ``held``; nothing written, services/held_line.py). The next entry, given with
  ``held``, is first tried as that line's serial: accepted, the line and its serial are
  committed in one transaction. Refused (whatever the reason), the held line is committed
  without its serial as the add used to commit it, and the entry then goes through the rules
  above with that line as the waiting one, so everything but the accepted serial behaves as
  before; a refusal then comes back in the outcome (``refusal``) with the order as it now
  stands, since the held line was written.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from serialpos.db.engine import Database
from serialpos.domain.counter_search import ProductChoice
from serialpos.domain.errors import DomainError
from serialpos.domain.orders import LineStatus, SerialIndicator
from serialpos.domain.serials import normalize_serial
from serialpos.services.context import Actor
from serialpos.services.counter_search import OrderFound, search_counter
from serialpos.services.held_line import Held, HeldLine, commit_held, hold_check
from serialpos.services.lookup import find_units
from serialpos.services.orders.lines import NewOrder, add_item, add_scan
from serialpos.services.orders.reading import get_order
from serialpos.services.orders.serials import set_serial
from serialpos.services.orders.views import AddResult, OrderLineView, OrderView

#: Refusals of a scan as the waiting line's serial after which the scan is tried as an item:
#: a serial live under another product (``duplicate_serial``) then finds its own product.
NOT_THIS_PRODUCTS_SERIAL = frozenset(
    {"bad_serial_format", "unknown_unit", "not_in_stock", "not_serialized", "duplicate_serial"}
)


@dataclass(frozen=True)
class CounterScan:
    """The outcome: the waiting line filled (``filled`` and its order view), a line added
    (``added``), products to pick from (``choices``; ``view`` None when no order is open), an
    order or invoice typed (``order_found``), or a line held (``held``: nothing written for
    it). ``committed``: the line that was held, committed without its serial before the
    entry was taken as something else; ``refusal``: that entry's refusal then (the order as
    it now stands in ``view``)."""

    view: OrderView | None
    filled: int | None = None
    added: AddResult | None = None
    choices: tuple[ProductChoice, ...] = ()
    more: bool = False
    order_found: OrderFound | None = None
    held: HeldLine | None = None
    committed: AddResult | None = None
    refusal: DomainError | None = None


class WaitingLineRefused(DomainError):
    """The waiting line's refusal of the text, which was no item either."""

    def __init__(self, refused: DomainError, line: int, text: str) -> None:
        super().__init__(refused.message, code=refused.code)
        self.waiting_line = line
        self.scanned_text = text


def scan_at_counter(
    db: Database,
    actor: Actor,
    order: str | None,
    text: str,
    *,
    waiting: int | None,
    start: NewOrder | None,
    held: HeldLine | None = None,
) -> CounterScan:
    """``text`` entered in the sale field of ``order`` (None: no order yet; ``start`` opens
    one in the same transaction as its first line); ``held``: the line held on screen since
    the scan before (see the module's docstring)."""
    if held is None:
        return _scan(db, actor, order, text, waiting=waiting, start=start, refused=None)
    try:
        result = commit_held(db, actor, order, held, start, serial=text)
    except DomainError as exc:
        refused = exc
    else:
        return CounterScan(result.order, added=result)
    # Not its serial: the held line is written as the add wrote it, then the entry is what
    # it would have been with that line waiting (its refusal as that line's, known already).
    committed = commit_held(db, actor, order, held, start)
    line = int(committed.line)
    try:
        if refused.code not in NOT_THIS_PRODUCTS_SERIAL:
            raise refused
        later = _scan(
            db, actor, committed.order.order, text, waiting=line, start=None, refused=refused
        )
    except DomainError as exc:
        return CounterScan(committed.order, committed=committed, refusal=exc)
    return replace(later, view=later.view or committed.order, committed=committed)


def _scan(
    db: Database,
    actor: Actor,
    order: str | None,
    text: str,
    *,
    waiting: int | None,
    start: NewOrder | None,
    refused: DomainError | None,
) -> CounterScan:
    """The rules with no line held; ``refused``: ``text`` was refused as ``waiting``'s serial
    already (that line is not tried again)."""
    if waiting is not None and order is not None and refused is None:
        try:
            view = set_serial(db, actor, order, waiting, text)
            return CounterScan(view, filled=waiting)
        except DomainError as exc:
            if exc.code not in NOT_THIS_PRODUCTS_SERIAL:
                raise
            refused = exc
    if order is not None:
        line = _waiting_line_of_its_product(db, order, text, tried=waiting)
        if line is not None:  # its refusals (sold, reserved elsewhere) are the answer
            return CounterScan(set_serial(db, actor, order, line, text), filled=line)
    try:
        result = add_scan(db, actor, order, text, start=start, hold=hold_check(db, start, text))
    except Held as held:  # nothing written: the order, if any, is as it was on screen
        return CounterScan(None, held=held.line)
    except DomainError as exc:
        if exc.code != "unknown_product":
            raise
        found = _searched(db, actor, order, text, start)
        if found is not None:
            return found
        if refused is not None and waiting is not None:
            raise WaitingLineRefused(refused, waiting, text) from None
        raise
    return CounterScan(result.order, added=result)


def _searched(
    db: Database, actor: Actor, order: str | None, text: str, start: NewOrder | None
) -> CounterScan | None:
    """The counter search's answer as an outcome; None when it found nothing."""
    store = start.store if start is not None else (get_order(db, order).store if order else None)
    if store is None:
        return None
    answer = search_counter(db, text, store, order)
    if answer.serial_refusal is not None:
        raise answer.serial_refusal
    if answer.order is not None:
        return CounterScan(_current(db, order), order_found=answer.order)
    if len(answer.products) == 1 and not answer.more:
        result = add_item(db, actor, order, sku=answer.products[0].sku, start=start)
        return CounterScan(result.order, added=result)
    if answer.products:
        return CounterScan(_current(db, order), choices=answer.products, more=answer.more)
    return None


def _current(db: Database, order: str | None) -> OrderView | None:
    return None if order is None else get_order(db, order)


def line_for_serial(
    lines: Sequence[OrderLineView], serial_skus: Collection[str], tried: int | None
) -> int | None:
    """The line a scanned serial fills: the first open line (by line number) waiting for its
    required serial whose product has a unit with that serial (``serial_skus``), other
    than the line already tried; else the first open line of one such unit with no serial
    where the serial is optional (a drill's box barcode, then its serial label; a kit's
    drill); None when no line waits for it (the scan adds a line)."""
    open_lines = [
        line
        for line in sorted(lines, key=lambda ln: ln.number)
        if line.line != tried and line.status is LineStatus.OPEN and line.sku in serial_skus
    ]
    for wanted in (SerialIndicator.MISSING_REQUIRED, SerialIndicator.MISSING_OPTIONAL):
        for line in open_lines:
            # A serial names one unit: a line of several without serials is not filled by it.
            if line.indicator is wanted and line.quantity == 1:
                return line.line
    return None


_WITHOUT_SERIAL = frozenset({SerialIndicator.MISSING_REQUIRED, SerialIndicator.MISSING_OPTIONAL})


def _waiting_line_of_its_product(
    db: Database, order: str, text: str, tried: int | None
) -> int | None:
    view = get_order(db, order)
    waiting = [
        ln for ln in view.lines if ln.indicator in _WITHOUT_SERIAL and ln.status is LineStatus.OPEN
    ]
    if not waiting:
        return None  # no line waits: no need to look the serial up
    serial = normalize_serial(text)
    if serial is None:
        return None
    skus = {card.sku for card in db.read(lambda conn: find_units(conn, serial, with_events=False))}
    return line_for_serial(waiting, skus, tried)
