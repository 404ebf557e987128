"""Discounts at the counter, from the order menu (F6): "d" discounts (or reprices) the line
under the cursor, "g" the whole order. The dialog collects the value, the reason and, past the
store's limit, the manager's name and PIN; the change runs on the sale's job chain like every
other order key, and a refusal (over 100%, a negative price, a wrong PIN, past the limit
without a manager) is shown in words with nothing changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from serialpos.tui.screens.sale_dialogs.discount import DiscountDialog, DiscountEntry
from serialpos.tui.screens.sale_outcome import Outcome, status_of

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.services.context import Actor
    from serialpos.tui.screens.sale import SaleScreen


def open_discount(screen: SaleScreen, whole_order: bool) -> None:
    """Ask for the discount and give it to the current line or the whole order."""
    from serialpos.tui.screens.sale_keys import no_change_words

    closed = screen.view is not None and status_of(screen.view) not in ("open", "parked")
    if screen.view is None or screen.order_no is None or closed:
        screen.show_error(no_change_words(screen))
        return
    line = None if whole_order else screen.lines.current
    if not whole_order and line is None:
        screen.show_error("move to the line to discount first")
        return
    title = "Discount the order" if line is None else f"Line {line.number}: {line.sku}"
    line_id = None if line is None else line.line

    def entered(entry: DiscountEntry | None) -> None:
        screen.focus_scan()
        if entry is None:
            return

        def change(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.domain.discounts import now_words, parse_counter_entry
            from serialpos.domain.errors import BadRequest
            from serialpos.services.orders.discounts import LineChange, change_line, discount_order

            discount, price = parse_counter_entry(entry.value)
            who = {"manager_user": entry.manager or None, "manager_pin": entry.pin or None}
            if line_id is None:
                if discount is None:
                    raise BadRequest("an order discount is 10% or 5.00 off, not a price")
                view = discount_order(db, actor, str(order), discount, entry.reason, **who)
                return Outcome(view, f"order discount {discount.label()} given")
            view = change_line(
                db, actor, str(order), line_id, LineChange(entry.reason, price, discount), **who
            )
            shown = view.line_by_id(line_id)
            now = now_words(
                shown.discount_label,
                shown.unit_price,
                shown.quantity,
                shown.discount,
                shown.net,
                shown.total,
            )
            return Outcome(view, f"line {shown.number}: {now}", cursor_line=line_id)

        screen.submit(change, "giving the discount…")

    screen.app.push_screen(DiscountDialog(title, price=line is not None), entered)
