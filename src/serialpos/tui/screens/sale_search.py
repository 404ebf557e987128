"""What the sale screen does with the counter search's answers (services/counter_search.py):
several products found open the pick list; an open or parked order typed opens it; a
fulfilled order or an invoice typed is named, with its invoice ready for F8 to reprint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from serialpos.domain.text import clip, visible
from serialpos.tui.screens.sale_dialogs.product_pick import ProductPick
from serialpos.tui.screens.sale_outcome import Outcome, added_outcome

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.domain.counter_search import ProductChoice
    from serialpos.services.context import Actor
    from serialpos.services.counter_search import OrderFound
    from serialpos.tui.screens.sale import SaleScreen


class CounterSearch:
    """The search answers of one sale screen."""

    def __init__(self, screen: SaleScreen) -> None:
        self.screen = screen

    def choose(self, typed: str, choices: tuple[ProductChoice, ...], more: bool) -> None:
        def chosen(sku: str | None) -> None:
            self.screen.focus_scan()
            if sku is None:
                self.screen.message_line.note("nothing added")
            else:
                self.add_product(sku)

        self.screen.app.push_screen(ProductPick(typed, choices, more), chosen)

    def add_product(self, sku: str) -> None:
        """The picked product, added by its SKU (never offered to a waiting line as a serial)."""
        screen = self.screen
        store, sale_type, delivery = screen.session.store, screen.sale_type, screen.delivery

        def job(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services import orders

            start = orders.NewOrder(store, sale_type, delivery) if order is None else None
            return added_outcome(orders.add_item(db, actor, order, sku=sku, start=start))

        screen.submit(job, pending=sku)

    def found_order(self, found: OrderFound) -> None:
        if found.status in ("open", "parked"):
            self.screen.keys.open_existing(found.order)
            return
        what = f"invoice {visible(found.invoice)} is of order" if found.invoice else "order"
        who = f" for {clip(found.customer)}" if found.customer else ""
        reprint = ""
        if found.invoice is not None:
            self.screen.last_invoice = found.invoice
            self.screen.refresh_bindings()
            reprint = "; F8/^G writes its PDF"
        self.screen.message_line.note(
            f"{what} {visible(found.order)}{who}, {found.status}: a return is taken on the "
            f"Returns screen{reprint}"
        )
