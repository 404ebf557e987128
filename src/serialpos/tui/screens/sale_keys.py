"""What the sale's order keys do, with the dialogs they open: pay (tender), fulfil, the order
menu, sale type and delivery, customer, park, void, open or parked orders, the invoice PDF, and
quick create for an unknown barcode.

:class:`OrderKeys` belongs to one :class:`~serialpos.tui.screens.sale.SaleScreen`, whose
``action_*`` methods hand each key to it; every service call still goes through the screen's
job chain (:meth:`~serialpos.tui.screens.sale.SaleScreen.submit`), so it runs on the worker in
the order asked, and the screen shows what it did.

A payment, a fulfilment, a park or a void is done once: F9, F10, F5 or F7 again before it has
answered says "still working" and asks nothing. The tender dialog offered the amount still due
as the screen last showed it, and Enter took it a second time (a lay-by of 15.59 paid 31.18);
once the first had finished the sale, the second was refused "there is no order 'None'" with
the bell over the invoice (or "parked", or "voided").
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from serialpos.domain.orders import closed_order_words
from serialpos.tui.backend import start_running, still_running
from serialpos.tui.counter_receipt import counter_receipt
from serialpos.tui.screens.sale_dialogs.customer import CustomerDialog
from serialpos.tui.screens.sale_dialogs.leave_sale import LeaveSale
from serialpos.tui.screens.sale_dialogs.money import money
from serialpos.tui.screens.sale_dialogs.open_orders import OrdersDialog
from serialpos.tui.screens.sale_dialogs.order_menu import OrderMenu
from serialpos.tui.screens.sale_dialogs.quick_create import NewProduct, QuickCreate
from serialpos.tui.screens.sale_dialogs.sale_type import SaleTypeDialog
from serialpos.tui.screens.sale_dialogs.tender import Tender
from serialpos.tui.screens.sale_outcome import Outcome, missing_required, status_of
from serialpos.tui.screens.serial_mode import Confirm

#: The sale's payments, fulfilments, park and void: one at a time (tui/backend.start_running).
PAYING = "sale-paying"
#: The invoice PDF and the receipt again (F8), and the open orders' list (the order menu's
#: o): each once at a time. Asked again while it ran, F8 wrote the PDF and reprinted the
#: receipt twice, and o opened a second list over the first.
REPRINTING = "sale-reprint"
LISTING = "sale-orders-list"

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.services.context import Actor
    from serialpos.services.orders import OrderSummary
    from serialpos.tui.screens.sale import SaleScreen


class OrderKeys:
    """The order keys of one sale screen (F9 pay, F10 fulfil, the order menu and its keys)."""

    def __init__(self, screen: SaleScreen) -> None:
        self.screen = screen

    def back(self) -> None:
        if self.screen.lines.has_focus:
            self.screen.focus_scan()
            return
        self.leave(self.screen.dismiss)

    def unfinished(self) -> bool:
        """An open counter sale with lines on screen: leaving it would keep its units
        reserved. A lay-by or special order is meant to stay open (fulfilled later, from the
        order menu's open orders), so leaving one is not asked about."""
        view = self.screen.view
        if self.screen.held_lines.shown is not None:
            return True  # a line held for its serial: written first, then asked (leave)
        return (
            view is not None
            and status_of(view) == "open"
            and self.screen.sale_type == "sale"
            and bool(view.lines)
        )

    def leave(self, then: Callable[[], object]) -> None:
        """Leave the sale (``then``: back to the home menu, or log out); an unfinished one is
        parked or voided first, as the cashier chooses, or kept (nothing happens). A line
        held for its serial is written first (sale_held.py)."""
        self.screen.unhold(lambda: self._leave(then))

    def _leave(self, then: Callable[[], object]) -> None:
        view = self.screen.view
        if view is None or not self.unfinished():
            then()
            return
        from serialpos.services.order_void import refund_text, refunds_for

        refunds = refunds_for(view)

        def chosen(choice: str | None) -> None:
            self.screen.focus_scan()
            if choice not in ("park", "void"):
                self.screen.message_line.note(f"{view.order} still open: nothing changed")
                return
            if still_running(self.screen, PAYING):  # the order's last write has not answered
                return
            self.screen.after_finish = then  # once the order is parked or voided
            if choice == "park":
                self.park()
            else:
                self._void()

        self.screen.app.push_screen(
            LeaveSale(view.order, len(view.lines), refund_text(refunds) if refunds else None),
            chosen,
        )

    def pay(self) -> None:
        if still_running(self.screen, PAYING):  # the payment taken before has not answered
            return
        view = self.screen.view
        if view is None or not view.lines:
            self.screen.show_error("nothing to pay: scan an item first")
            return
        # A fulfilled order takes only what it owes (a till's void booked by refund left it
        # short: services/orders/checkout.py); one owing nothing says why it is closed.
        owing = status_of(view) == "fulfilled"
        if owing and view.totals.due <= 0:
            self.screen.show_error(closed_order_words(view.order, "fulfilled") or "")
            return
        if self.screen.sale_type == "sale" and not owing:
            missing = missing_required(view)
            if missing:
                self.screen.show_error(
                    "serial needed before payment on line "
                    + ", ".join(str(line.number) for line in missing)
                )
                self.screen.jump_to_missing()
                return
            if view.totals.due <= 0:
                self._fulfil(None)
                return
        title = "Payment" if self.screen.sale_type == "sale" else "Deposit/payment"

        def tendered(result: tuple[str, Decimal] | None) -> None:
            self.screen.focus_scan()
            if result is not None:
                self._pay(*result)

        self.screen.app.push_screen(
            Tender(view.totals.total, view.totals.paid, view.totals.due, title), tendered
        )

    def _pay(self, method: str, amount: Decimal) -> None:
        view = self.screen.view
        owing = view is not None and status_of(view) == "fulfilled"
        fulfil_now = self.screen.sale_type == "sale" and not owing

        def pay(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.orders import fulfil, get_order, take_payment

            due = get_order(db, str(order)).totals.due
            if not fulfil_now or amount < due:
                taken = take_payment(db, actor, str(order), method, amount)
                view = taken.order
                paid = f"{method} {money(amount)} taken"
                if taken.change:
                    kept = money(amount - taken.change)
                    paid = f"{method} {money(amount)} given: {kept} taken, change "
                    paid += money(taken.change)
                # The change given stays in the totals, as a sale's does: the next thing
                # said (Enter pressed again) overwrites the message line, not the change.
                change_due = taken.change or None
                if fulfil_now or owing:
                    return Outcome(
                        view, f"{paid}; due {money(view.totals.due)}", change_due=change_due
                    )
                return Outcome(
                    view,
                    f"{paid}; {view.order} stays open "
                    "(fulfil later: Order menu F6/^T, o; then Fulfil)",
                    change_due=change_due,
                )
            # One transaction: if fulfilment is refused, the payment is not recorded either.
            done = fulfil(db, actor, str(order), payments=[(method, amount)])
            change = f"; change {money(done.change_due)}" if done.change_due else ""
            change += counter_receipt(self.screen.console, db, done.invoice, at_sale=True)
            return Outcome(
                done.order,
                f"invoice {done.invoice}{change} — PDF: F8/^G",
                invoice=done.invoice,
                finished=True,
                change_due=done.change_due,
            )

        self._take_money(pay, "taking payment…")

    def _take_money(
        self, job: Callable[[Database, Actor, str | None], Outcome], busy: str | None = None
    ) -> None:
        """Run a payment, a fulfilment, a park or a void, counted as running until its answer
        is shown."""
        if still_running(self.screen, PAYING):
            return
        self.screen.submit(job, busy, then=start_running(self.screen, PAYING))

    def fulfil(self) -> None:
        if still_running(self.screen, PAYING):  # the payment taken before has not answered
            return
        chosen = sorted(self.screen.lines.marked) or None
        view = self.screen.view
        if view is None:
            return
        if self._refuse_missing(chosen):
            return
        if view.totals.due > 0:

            def tendered(result: tuple[str, Decimal] | None) -> None:
                self.screen.focus_scan()
                if result is not None:
                    self._fulfil(chosen, [result])

            self.screen.app.push_screen(
                Tender(view.totals.total, view.totals.paid, view.totals.due, "Pay to fulfil"),
                tendered,
            )
            return
        self._fulfil(chosen)

    def _refuse_missing(self, lines: list[int] | None) -> bool:
        missing = [
            line
            for line in missing_required(self.screen.view)
            if lines is None or line.line in lines
        ]
        if not missing:
            return False
        self.screen.show_error(
            "fulfilment refused: serial needed on line "
            + ", ".join(str(line.number) for line in missing)
        )
        self.screen.lines.go_to(missing[0].line)
        self.screen.lines.focus()
        return True

    def _fulfil(
        self,
        lines: list[int] | None,
        payments: list[tuple[str, Decimal]] | None = None,
        *,
        beyond_drawer: bool = False,
    ) -> None:
        """Fulfil ``lines`` (all open), ``payments`` taken with it; change beyond the cash
        the drawer should hold (an exchange's surplus) is asked first, then given on yes
        (``beyond_drawer``)."""
        if self._refuse_missing(lines):
            return

        def run(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.orders import fulfil
            from serialpos.services.shifts import ChangeBeyondDrawer

            try:
                done = fulfil(
                    db,
                    actor,
                    str(order),
                    lines=lines,
                    payments=payments,
                    change_beyond_drawer=beyond_drawer,
                )
            except ChangeBeyondDrawer as beyond:

                def again() -> None:
                    self._fulfil(lines, payments, beyond_drawer=True)

                question = f"The {beyond.words}. Give it anyway (cash from the safe)?"
                return Outcome(None, confirm=(question, again))
            still_open = status_of(done.order) == "open"
            change = f"; change {money(done.change_due)}" if done.change_due else ""
            change += counter_receipt(self.screen.console, db, done.invoice, at_sale=True)
            return Outcome(
                done.order,
                f"fulfilled: invoice {done.invoice}{change} — PDF: F8/^G",
                invoice=done.invoice,
                finished=not still_open,
                change_due=done.change_due,
            )

        self._take_money(run, "fulfilling…")

    def menu(self) -> None:
        def chosen(action: str | None) -> None:
            self.screen.focus_scan()
            if action is None:
                return
            if action in ("discount_line", "discount_order"):
                from serialpos.tui.screens.sale_discount import open_discount

                open_discount(self.screen, action == "discount_order")
                return
            if action in ("park", "void") and not self.screen.check_action(action, ()):
                self.screen.show_error(no_change_words(self.screen))
                return
            getattr(self.screen, f"action_{action}")()

        self.screen.app.push_screen(OrderMenu(), chosen)

    def sale_type(self) -> None:
        def chosen(result: tuple[str, str] | None) -> None:
            self.screen.focus_scan()
            if result is None:
                return
            sale_type, delivery = result
            store = self.screen.session.store

            def change(db: Database, actor: Actor, order: str | None) -> Outcome:
                from serialpos.services import orders

                if order is None:
                    view = orders.open_order(db, actor, store, type=sale_type, delivery=delivery)
                else:
                    view = orders.set_sale_type(db, actor, order, sale_type, delivery)
                return Outcome(view, "sale type and delivery set")

            self.screen.submit(change)

        self.screen.app.push_screen(
            SaleTypeDialog(self.screen.sale_type, self.screen.delivery), chosen
        )

    def customer(self) -> None:
        """Find or create a customer record (sale_dialogs/customer.py) and attach it."""
        now = self.screen.view.customer if self.screen.view is not None else None

        def chosen(customer: int | None) -> None:
            self.screen.focus_scan()
            if customer is None:
                return
            store, sale_type, delivery = (
                self.screen.session.store,
                self.screen.sale_type,
                self.screen.delivery,
            )

            def change(db: Database, actor: Actor, order: str | None) -> Outcome:
                from serialpos.services.order_customer import attach_customer
                from serialpos.services.orders import NewOrder

                start = NewOrder(store, sale_type, delivery) if order is None else None
                view = attach_customer(db, actor, order, customer, start=start)
                name = view.customer.name if view.customer is not None else ""
                return Outcome(view, f"customer set: {name}")

            self.screen.submit(change)

        self.screen.app.push_screen(CustomerDialog(now.name or "" if now else ""), chosen)

    def park(self) -> None:
        if still_running(self.screen, PAYING):  # the order's last write has not answered
            return

        def park(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.orders import park as park_order

            view = park_order(db, actor, str(order))
            return Outcome(
                None, f"{view.order} parked: the order menu (F6/^T) resumes it", finished=True
            )

        self._take_money(park)

    def void(self) -> None:
        if still_running(self.screen, PAYING):  # the order's last write has not answered
            return
        view = self.screen.view
        if view is None:
            return

        def confirmed(yes: bool | None) -> None:
            self.screen.focus_scan()
            if not yes:
                self.screen.message_line.note("not voided")
                return
            self._void()

        from serialpos.services.order_void import credit_back_for, refund_text, refunds_for

        refunds = refunds_for(view)
        money_back = f" Refund {refund_text(refunds)} to the customer." if refunds else ""
        credit = credit_back_for(view)
        if credit is not None:  # an exchange sale: its credit is the customer's still
            money_back += (
                f" Exchange credit {money(credit.amount)} goes back to refund note "
                f"{credit.refund_note} (Returns: Re-issue carries it to a new sale)."
            )
        count = len(view.lines)
        self.screen.app.push_screen(
            Confirm(f"Void {view.order} ({count} line{'s' * (count != 1)})?{money_back}"),
            confirmed,
        )

    def _void(self) -> None:
        def void(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.order_void import void_order

            return Outcome(None, void_order(db, actor, str(order)).message, finished=True)

        self._take_money(void)

    def orders(self) -> None:
        if still_running(self.screen, LISTING):
            return
        store = self.screen.session.store

        def listing(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.orders import list_orders

            # With the fulfilled ones that owe: their balance is taken here (F9).
            found = [
                o
                for o in list_orders(db, store)
                if str(getattr(o.status, "value", o.status)) in ("open", "parked")
                or (str(getattr(o.status, "value", o.status)) == "fulfilled" and o.due > 0)
            ]
            return Outcome(None, orders=found, show_orders=True)

        self.screen.submit(
            listing, "finding open and parked orders…", then=start_running(self.screen, LISTING)
        )

    def choose_order(self, found: list[OrderSummary]) -> None:
        if not found:
            self.screen.show_error("no open or parked orders at this store")
            return
        self.screen.message_line.clear()

        def chosen(order: str | None) -> None:
            self.screen.focus_scan()
            if order is not None:
                self.open_existing(order)

        self.screen.app.push_screen(OrdersDialog(found), chosen)

    def open_existing(self, order_no: str) -> None:
        def load(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services import orders

            view = orders.get_order(db, order_no)
            if status_of(view) == "parked":
                view = orders.resume(db, actor, order_no)
            return Outcome(view, f"{view.order} opened")

        self.screen.submit(load)

    def pdf(self) -> None:
        invoice = self.screen.last_invoice
        if invoice is None or still_running(self.screen, REPRINTING):
            return

        def write(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.invoices import write_invoice_pdf

            outbox = self.screen.console.terminal_config().resolved_outbox()
            outbox.mkdir(parents=True, exist_ok=True)
            path = outbox / f"{invoice}.pdf"
            write_invoice_pdf(db, invoice, path)
            again = counter_receipt(self.screen.console, db, invoice, at_sale=False)
            return Outcome(None, f"invoice PDF written: {path}{again}")

        self.screen.submit(
            write, "writing the invoice PDF…", then=start_running(self.screen, REPRINTING)
        )

    # -- quick create (an unknown barcode) -----------------------------------------------------
    def quick_create(self, barcode: str) -> None:
        """Offer the New product form for ``barcode``, unless one is open for it already:
        the same unknown barcode scanned again before its answer (the beep not heard) was
        refused twice, and each refusal opened a form, the second under the first."""
        if any(
            isinstance(s, QuickCreate) and s.barcode == barcode
            for s in self.screen.app.screen_stack
        ):
            return

        def entered(new: NewProduct | None) -> None:
            self.screen.focus_scan()
            if new is None:
                self.screen.message_line.note("no product created")
                return
            store, sale_type, delivery = (
                self.screen.session.store,
                self.screen.sale_type,
                self.screen.delivery,
            )

            def create(db: Database, actor: Actor, order: str | None) -> Outcome:
                from serialpos.services import orders
                from serialpos.services.products import create_product

                create_product(
                    db,
                    actor,
                    sku=new.sku,
                    name=new.name,
                    price=new.price,
                    serial_mode=new.serial_mode,
                    barcodes=(new.barcode,),
                )
                start = orders.NewOrder(store, sale_type, delivery) if order is None else None
                result = orders.add_item(db, actor, order, sku=new.sku, start=start)
                line_id = int(getattr(result.line, "line", result.line))
                return Outcome(
                    result.order,
                    f"{new.sku} created and added",
                    cursor_line=line_id,
                    prompt_line=line_id if result.prompt_serial else None,
                    added=True,
                )

            self.screen.submit(create, "creating the product…")

        self.screen.app.push_screen(QuickCreate(barcode), entered)


def no_change_words(screen: SaleScreen) -> str:
    """Why the sale on screen takes no park, void or discount: nothing scanned yet, or an
    order already closed, said as ``apply`` says ``order_closed`` (a fulfilled sale on
    screen said "no order yet")."""
    view = screen.view
    closed = None if view is None else closed_order_words(view.order, status_of(view))
    return closed or "no order yet: scan an item first"
