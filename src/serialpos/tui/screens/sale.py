"""The counter sale: one field for scans and typing, the lines with their serial indicators,
the totals always in view; tender, fulfilment, park/resume, void, sale type and customer.

**Continuous scanning.** A scan (any scanner) or text + Enter is added by the orders service and
the line lands; the field is empty for the next one. No dialog has to be closed, except the one
the design asks for: with the auto-prompt setting on, a required-serial product opens serial
entry at once, which takes the next scan and closes itself.

**A serial scanned into the main field.** When the last added line needs a serial and still
lacks it (the prompt was escaped, or auto-prompt is off), a scan or typed text is first offered
to that line as its serial. If the service refuses it because it is not a serial of that
product at all (the product's own barcode, a bad format, an unknown or another product's unit)
it is added as an item instead — so scanning the next phone's box keeps working. A refusal
that is about *this* product's unit (already sold, reserved, duplicate) is shown with the bell
and nothing changes.

**Order.** Service calls run on a thread worker, one at a time and in the order they were asked
for (:class:`~serialpos.tui.screens.base.OrderedJobs`), so fast scans land as lines in scan
order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static

from serialpos.domain.text import clip, visible
from serialpos.tui.screens.base import ConsoleScreen, JobFailure, OrderedJobs
from serialpos.tui.screens.sale_dialogs.customer import CustomerDialog
from serialpos.tui.screens.sale_dialogs.money import money
from serialpos.tui.screens.sale_dialogs.open_orders import OrdersDialog
from serialpos.tui.screens.sale_dialogs.order_menu import OrderMenu
from serialpos.tui.screens.sale_dialogs.quick_create import NewProduct, QuickCreate
from serialpos.tui.screens.sale_dialogs.sale_type import SaleTypeDialog
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry
from serialpos.tui.screens.sale_dialogs.tender import Tender
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.sale_lines import SaleLines
from serialpos.tui.widgets.scan_input import ScanInput
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.services.context import Actor
    from serialpos.services.orders import OrderLineView, OrderSummary, OrderView
    from serialpos.tui.messages import ScanRead

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


Job = Callable[["Database", "Actor", "str | None"], Outcome]


def _awaiting(outcome: Outcome) -> int | None:
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


def totals_text(view: OrderView | None) -> Text:
    zero = Decimal("0")
    net, tax, total, paid, due = (
        (view.totals.net, view.totals.tax, view.totals.total, view.totals.paid, view.totals.due)
        if view is not None
        else (zero,) * 5
    )
    text = Text(no_wrap=False)
    text.append(f"Net {money(net)}  Tax {money(tax)}  ")
    text.append(f"Total {money(total)}", style="bold")
    text.append(f"  Paid {money(paid)}  ")
    text.append(f"Due {money(due)}", style="bold reverse" if due > 0 else "bold")
    return text


class SaleScreen(ConsoleScreen):
    """Ring up an order. Arrows go to the lines; keys act on the line under the cursor."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Add"), ("↑↓", "Lines"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f9,ctrl+y", "pay", "Pay"),
        Binding("f10,ctrl+f", "fulfil", "Fulfil"),
        Binding("f6,ctrl+r", "menu", "Order…"),
        Binding("f8,ctrl+g", "pdf", "PDF"),
        # Also listed, with their letters, in the order menu (F6/^R).
        Binding("f3,ctrl+t", "sale_type", "Type", show=False),
        Binding("f4,ctrl+n", "customer", "Customer", show=False),
        Binding("f5,ctrl+p", "park", "Park", show=False),
        Binding("f7,ctrl+b", "void", "Void", show=False),
        Binding("up", "lines(-1)", "Lines", show=False),
        Binding("down", "lines(1)", "Lines", show=False),
    ]

    @dataclass
    class Changed(Message):
        """A service call on the order finished."""

        outcome: Outcome
        pending: bool = False  # an add: its provisional row goes

    @dataclass
    class Refused(Message):
        """A service call was refused; ``barcode`` is set for an unknown product barcode."""

        message: str
        code: str
        barcode: str | None = None
        pending: bool = False
        waiting_line: int | None = None  # the serial was refused for this line
        text: str | None = None

    def __init__(self, order: str | None = None) -> None:
        super().__init__()
        self.view: OrderView | None = None
        self.order_no: str | None = order  # read and written by the workers, in turn
        self.sale_type = "sale"
        self.delivery = "cash_and_carry"
        self.last_added: int | None = None
        #: Worker side (read and written by the jobs, in turn): the line the last job added
        #: while it still needs its serial. A serial scanned a few ms after its product goes
        #: there even before the screen has shown the line or opened the serial prompt.
        self.awaiting: int | None = None
        self.filled: set[int] = set()  # lines whose serial a field scan recorded (UI side)
        self.last_invoice: str | None = None
        self.jobs = OrderedJobs(self, "sale", lambda f: self.Refused(f.message, f.code))

    def compose(self) -> ComposeResult:
        yield StatusLine("Sale", self.session)
        yield Static(head_text(None, self.sale_type, self.delivery), id="order-head", markup=False)
        yield ScanInput(id="scan", placeholder="scan, or type barcode/SKU/serial, Enter")
        yield MessageLine(id="message")
        yield SaleLines(id="lines")
        yield Static(totals_text(None), id="totals", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.focus_scan()
        if self.order_no is not None:
            self.open_existing(self.order_no)

    @property
    def lines(self) -> SaleLines:
        return self.query_one(SaleLines)

    def focus_scan(self) -> None:
        self.query_one("#scan", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        has_order = self.view is not None and status_of(self.view) in ("open", "parked")
        if action == "pdf":
            return self.last_invoice is not None
        if action in ("pay", "park", "void"):
            return has_order
        if action == "fulfil":
            return has_order and self.sale_type != "sale"
        return True

    # -- running service calls, one at a time ------------------------------------------------
    def submit(self, job: Job, busy: str | None = None, pending: str | None = None) -> None:
        if busy:
            self.message_line.note(busy)
        if pending is not None:
            self.lines.add_pending(pending)
        provisional = pending is not None

        def run() -> Message:
            try:
                outcome = job(self.console.database(), self.session.actor, self.order_no)
            except BaseException:
                self.awaiting = None
                raise
            self.awaiting = _awaiting(outcome)
            if outcome.finished:
                self.order_no = None
            elif outcome.view is not None:
                self.order_no = outcome.view.order
            return self.Changed(outcome, provisional)

        def refused(failure: JobFailure) -> Message:
            error = failure.error
            return self.Refused(
                failure.message,
                failure.code,
                getattr(error, "scanned_barcode", None),
                provisional,
                getattr(error, "waiting_line", None),
                getattr(error, "scanned_text", None),
            )

        self.jobs.submit(run, refused)

    def on_sale_screen_changed(self, message: Changed) -> None:
        outcome = message.outcome
        if message.pending:
            self.lines.drop_pending()
        if outcome.show_orders:
            self._choose_order(outcome.orders)
            return
        if outcome.invoice:
            self.last_invoice = outcome.invoice
            self.lines.marked.clear()
        if outcome.view is not None or outcome.finished:
            self.show_view(outcome.view, outcome.cursor_line)
        if outcome.added:
            self.last_added = outcome.cursor_line
        if outcome.note:
            self.message_line.ok(outcome.note)
        if outcome.filled_line is not None:
            self._close_prompt_of(outcome.filled_line, outcome.view)
        if outcome.prompt_line is not None and outcome.prompt_line not in self.filled:
            self.prompt_serial(outcome.prompt_line)
        self.refresh_bindings()

    def _close_prompt_of(self, line_id: int, view: OrderView | None) -> None:
        """The serial prompt that opened for a line whose serial a scan in the field has
        since recorded (it was sent before the prompt opened) closes as recorded."""
        self.filled.add(line_id)
        dialog = self.app.screen
        if isinstance(dialog, SerialEntry) and dialog.line.line == line_id and view is not None:
            dialog.dismiss(view)

    def on_sale_screen_refused(self, message: Refused) -> None:
        if message.pending:
            self.lines.drop_pending()
        self.show_error(message.message)
        if message.code == "serial_required":
            self._jump_to_missing()
        if message.barcode is not None and message.code == "unknown_product":
            self.quick_create(message.barcode)
        elif message.code == "unknown_unit" and message.waiting_line is not None:
            # A manager may accept the unit: serial entry opens with it, the fields offered.
            self.prompt_serial(message.waiting_line, message.text, message.message)
        elif message.code == "customer_required":
            self.action_customer()

    def show_view(self, view: OrderView | None, cursor_line: int | None = None) -> None:
        self.view = view
        if view is not None:
            self.sale_type = str(getattr(view.type, "value", view.type))
            self.delivery = str(getattr(view.delivery, "value", view.delivery))
        self.query_one("#order-head", Static).update(head_text(view, self.sale_type, self.delivery))
        self.lines.show_lines(view.lines if view is not None else [], cursor_line)
        self.query_one("#totals", Static).update(totals_text(view))

    def _jump_to_missing(self) -> None:
        missing = missing_required(self.view)
        if missing:
            self.lines.go_to(missing[0].line)
            self.lines.focus()

    # -- adding items ----------------------------------------------------------------------
    @on(ScanInput.Entered, "#scan")
    def submitted(self, event: ScanInput.Entered) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.show_error("scan or type a barcode, SKU or serial, then Enter")
            return
        self.take_scan(self.entered_scan(text))  # typed or scanned: the same keys

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        from serialpos.tui.scan_entry import entry_of

        entry = entry_of(scan)
        if entry.labelled:
            self.add_text(None, barcode=entry.gtin, serial=entry.serial)
        else:
            # A product barcode goes as its scanned text: the orders service reads it.
            self.add_text(scan.decoded.text or str(scan.raw))

    def _waiting_line(self) -> int | None:
        """The last added line, when it still needs its required serial."""
        if self.last_added is None:
            return None
        return next(
            (line.line for line in missing_required(self.view) if line.line == self.last_added),
            None,
        )

    def add_text(
        self, text: str | None, barcode: str | None = None, serial: str | None = None
    ) -> None:
        shown_waiting = self._waiting_line() if text is not None else None
        store = self.session.store
        sale_type, delivery = self.sale_type, self.delivery

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
                    scanned = scan_at_counter(
                        db, actor, order, text, start=start, waiting=self.awaiting or shown_waiting
                    )
                    if scanned.filled is not None:
                        return Outcome(
                            scanned.view,
                            f"serial {clip(text)} recorded on the waiting line",
                            cursor_line=scanned.filled,
                            filled_line=scanned.filled,
                        )
                    assert scanned.added is not None
                    result = scanned.added
                else:
                    result = orders.add_item(
                        db, actor, order, barcode=barcode, serial=serial, start=start
                    )
            except DomainError as exc:
                probe = text if text is not None else barcode
                if (
                    exc.code == "unknown_product"
                    and probe
                    and probe.isdigit()
                    and len(probe) in BARCODE_DIGITS
                ):
                    exc.scanned_barcode = probe  # type: ignore[attr-defined]
                raise
            line_id = int(getattr(result.line, "line", result.line))
            return Outcome(
                result.order,
                result.message or "added",
                cursor_line=line_id,
                prompt_line=line_id if result.prompt_serial else None,
                added=True,
            )

        self.submit(job, pending=text if text is not None else f"{barcode} {serial}")

    def prompt_serial(
        self, line_id: int, serial: str | None = None, refusal: str | None = None
    ) -> None:
        view = self.view
        if view is None:
            return
        line = next((ln for ln in view.lines if ln.line == line_id), None)
        if line is None:
            return
        self.last_added = line_id

        def done(result: OrderView | None) -> None:
            if self.awaiting == line_id:
                self.awaiting = None  # the prompt had its say: a later scan is no longer its
            if result is not None:
                self.show_view(result, line_id)
                self.message_line.ok(f"serial recorded on line {line.number}")
            else:
                self.message_line.note(f"line {line.number}: serial left missing")
            self.focus_scan()

        self.app.push_screen(SerialEntry(view.order, line, serial, refusal), done)

    # -- the line under the cursor ---------------------------------------------------------
    def action_lines(self, step: int) -> None:
        self.lines.focus()
        self.lines.action_move(step if self.lines.has_focus else 0)

    def on_sale_lines_typed(self, message: SaleLines.Typed) -> None:
        field = self.query_one("#scan", Input)
        field.focus()
        field.value += message.character
        field.cursor_position = len(field.value)

    def on_sale_lines_acted(self, message: SaleLines.Acted) -> None:
        line_id = message.line
        view = self.view
        line = next((ln for ln in view.lines if ln.line == line_id), None) if view else None
        if line is None:
            return
        if message.action == "serial":
            self.prompt_serial(line_id)
        elif message.action == "mark":
            self.lines.toggle_mark()
        elif message.action in ("more", "less"):
            quantity = line.quantity + (1 if message.action == "more" else -1)

            def change(db: Database, actor: Actor, order: str | None) -> Outcome:
                from serialpos.services.orders import set_quantity

                view = set_quantity(db, actor, str(order), line_id, quantity)
                return Outcome(
                    view, f"line {line.number}: quantity {quantity}", cursor_line=line_id
                )

            self.submit(change)
        elif message.action == "remove":

            def remove(db: Database, actor: Actor, order: str | None) -> Outcome:
                from serialpos.services.orders import remove_line

                view = remove_line(db, actor, str(order), line_id)
                return Outcome(view, f"line {line.number} removed")

            self.submit(remove)

    # -- order keys --------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.lines.has_focus:
            self.focus_scan()
            return
        # An open order stays open in the database: the order menu's "o" brings it back.
        self.dismiss()

    def action_pay(self) -> None:
        view = self.view
        if view is None or not view.lines:
            self.show_error("nothing to pay: scan an item first")
            return
        if self.sale_type == "sale":
            missing = missing_required(view)
            if missing:
                self.show_error(
                    "serial needed before payment on line "
                    + ", ".join(str(line.number) for line in missing)
                )
                self._jump_to_missing()
                return
            if view.totals.due <= 0:
                self._fulfil(None)
                return
        title = "Payment" if self.sale_type == "sale" else "Deposit/payment"

        def tendered(result: tuple[str, Decimal] | None) -> None:
            self.focus_scan()
            if result is not None:
                self._pay(*result)

        self.app.push_screen(
            Tender(view.totals.total, view.totals.paid, view.totals.due, title), tendered
        )

    def _pay(self, method: str, amount: Decimal) -> None:
        fulfil_now = self.sale_type == "sale"

        def pay(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.orders import add_payment, fulfil, get_order

            due = get_order(db, str(order)).totals.due
            if not fulfil_now or amount < due:
                view = add_payment(db, actor, str(order), method, amount)
                if fulfil_now:
                    return Outcome(
                        view, f"{method} {money(amount)} taken; due {money(view.totals.due)}"
                    )
                return Outcome(
                    view,
                    f"{method} {money(amount)} taken; {view.order} stays open "
                    "(fulfil later: Order menu F6/^R, o; then Fulfil)",
                )
            # One transaction: if fulfilment is refused, the payment is not recorded either.
            done = fulfil(db, actor, str(order), payments=[(method, amount)])
            change = f"; change {money(done.change_due)}" if done.change_due else ""
            return Outcome(
                done.order,
                f"invoice {done.invoice}{change} — PDF: F8/^G",
                invoice=done.invoice,
                finished=True,
            )

        self.submit(pay, "taking payment…")

    def action_fulfil(self) -> None:
        chosen = sorted(self.lines.marked) or None
        view = self.view
        if view is None:
            return
        if self._refuse_missing(chosen):
            return
        if view.totals.due > 0:

            def tendered(result: tuple[str, Decimal] | None) -> None:
                self.focus_scan()
                if result is not None:
                    self._fulfil(chosen, [result])

            self.app.push_screen(
                Tender(view.totals.total, view.totals.paid, view.totals.due, "Pay to fulfil"),
                tendered,
            )
            return
        self._fulfil(chosen)

    def _refuse_missing(self, lines: list[int] | None) -> bool:
        missing = [
            line for line in missing_required(self.view) if lines is None or line.line in lines
        ]
        if not missing:
            return False
        self.show_error(
            "fulfilment refused: serial needed on line "
            + ", ".join(str(line.number) for line in missing)
        )
        self.lines.go_to(missing[0].line)
        self.lines.focus()
        return True

    def _fulfil(
        self, lines: list[int] | None, payments: list[tuple[str, Decimal]] | None = None
    ) -> None:
        if self._refuse_missing(lines):
            return

        def run(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.orders import fulfil

            done = fulfil(db, actor, str(order), lines=lines, payments=payments)
            still_open = status_of(done.order) == "open"
            change = f"; change {money(done.change_due)}" if done.change_due else ""
            return Outcome(
                done.order,
                f"fulfilled: invoice {done.invoice}{change} — PDF: F8/^G",
                invoice=done.invoice,
                finished=not still_open,
            )

        self.submit(run, "fulfilling…")

    def action_menu(self) -> None:
        def chosen(action: str | None) -> None:
            self.focus_scan()
            if action is None:
                return
            if action in ("park", "void") and not self.check_action(action, ()):
                self.show_error("no order yet: scan an item first")
                return
            getattr(self, f"action_{action}")()

        self.app.push_screen(OrderMenu(), chosen)

    def action_sale_type(self) -> None:
        def chosen(result: tuple[str, str] | None) -> None:
            self.focus_scan()
            if result is None:
                return
            sale_type, delivery = result
            store = self.session.store

            def change(db: Database, actor: Actor, order: str | None) -> Outcome:
                from serialpos.services import orders

                if order is None:
                    view = orders.open_order(db, actor, store, type=sale_type, delivery=delivery)
                else:
                    view = orders.set_sale_type(db, actor, order, sale_type, delivery)
                return Outcome(view, "sale type and delivery set")

            self.submit(change)

        self.app.push_screen(SaleTypeDialog(self.sale_type, self.delivery), chosen)

    def action_customer(self) -> None:
        now = self.view.customer if self.view is not None else None
        values = (now.name or "", now.phone or "", now.address or "") if now else ("", "", "")

        def entered(result: tuple[str, str, str] | None) -> None:
            self.focus_scan()
            if result is None:
                return
            store, sale_type, delivery = self.session.store, self.sale_type, self.delivery

            def change(db: Database, actor: Actor, order: str | None) -> Outcome:
                from serialpos.services import orders

                if order is None:
                    order = orders.open_order(
                        db, actor, store, type=sale_type, delivery=delivery
                    ).order
                view = orders.set_customer(db, actor, order, orders.Customer(*result))
                return Outcome(view, "customer set")

            self.submit(change)

        self.app.push_screen(CustomerDialog(*values), entered)

    def action_park(self) -> None:
        def park(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.orders import park as park_order

            view = park_order(db, actor, str(order))
            return Outcome(
                None, f"{view.order} parked: the order menu (F6/^R) resumes it", finished=True
            )

        self.submit(park)

    def action_void(self) -> None:
        view = self.view
        if view is None:
            return

        def confirmed(yes: bool | None) -> None:
            self.focus_scan()
            if not yes:
                self.message_line.note("not voided")
                return

            def void(db: Database, actor: Actor, order: str | None) -> Outcome:
                from serialpos.services.order_void import void_order

                return Outcome(None, void_order(db, actor, str(order)).message, finished=True)

            self.submit(void)

        from serialpos.services.order_void import refund_text, refunds_for

        refunds = refunds_for(view)
        money_back = f" Refund {refund_text(refunds)} to the customer." if refunds else ""
        self.app.push_screen(
            Confirm(f"Void {view.order} ({len(view.lines)} lines)?{money_back}"), confirmed
        )

    def action_orders(self) -> None:
        store = self.session.store

        def listing(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.orders import list_orders

            found = [
                o
                for o in list_orders(db, store)
                if str(getattr(o.status, "value", o.status)) in ("open", "parked")
            ]
            return Outcome(None, orders=found, show_orders=True)

        self.submit(listing, "finding open and parked orders…")

    def _choose_order(self, found: list[OrderSummary]) -> None:
        if not found:
            self.show_error("no open or parked orders at this store")
            return
        self.message_line.clear()

        def chosen(order: str | None) -> None:
            self.focus_scan()
            if order is not None:
                self.open_existing(order)

        self.app.push_screen(OrdersDialog(found), chosen)

    def open_existing(self, order_no: str) -> None:
        def load(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services import orders

            view = orders.get_order(db, order_no)
            if status_of(view) == "parked":
                view = orders.resume(db, actor, order_no)
            return Outcome(view, f"{view.order} opened")

        self.submit(load)

    def action_pdf(self) -> None:
        invoice = self.last_invoice
        if invoice is None:
            return

        def write(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.invoices import write_invoice_pdf

            outbox = self.console.terminal_config().resolved_outbox()
            outbox.mkdir(parents=True, exist_ok=True)
            path = outbox / f"{invoice}.pdf"
            write_invoice_pdf(db, invoice, path)
            return Outcome(None, f"invoice PDF written: {path}")

        self.submit(write, "writing the invoice PDF…")

    # -- quick create -----------------------------------------------------------------------
    def quick_create(self, barcode: str) -> None:
        def entered(new: NewProduct | None) -> None:
            self.focus_scan()
            if new is None:
                self.message_line.note("no product created")
                return
            store, sale_type, delivery = self.session.store, self.sale_type, self.delivery

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

            self.submit(create, "creating the product…")

        self.app.push_screen(QuickCreate(barcode), entered)
