"""The small dialogs of the counter: serial entry, tender, sale type and delivery, customer,
open orders, and quick create.

Each is keyboard-only and shows its own keys inside the box. All but serial entry just gather
values and hand them back; serial entry calls the service itself, because a refused serial
keeps it open for another try (the refusal on its own message line, with the bell), and it
takes scans like a console screen does — the app hands every scan to the screen in front.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from serialpos.domain.text import clip, visible
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.screens.choice import ChoiceDialog
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.scan_input import ScanInput

if TYPE_CHECKING:
    from serialpos.services.orders import OrderLineView, OrderSummary, OrderView
    from serialpos.tui.messages import ScanRead

METHODS = ("cash", "card", "other")
SALE_TYPES = (
    ("1", "sale", "Sale"),
    ("2", "special_order", "Special order"),
    ("3", "layby", "Lay-by"),
)
DELIVERIES = (
    ("c", "cash_and_carry", "Cash and carry"),
    ("p", "pickup", "Pickup later"),
    ("d", "delivery", "Delivery"),
)
SERIAL_MODES = ("required", "optional", "disabled")


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def parse_money(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


# -- serial entry -----------------------------------------------------------------------------
class SerialEntry(ModalScreen["OrderView | None"], ConsoleScreen):  # type: ignore[misc]
    """Record (or change) one line's serial. Enter or a scan submits; a refusal keeps the
    dialog open; Escape leaves the serial missing. Returns the updated order, or None."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Record"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Leave missing")]

    @dataclass
    class Recorded(Message):
        """The service took the serial."""

        view: OrderView

    @dataclass
    class Refused(Message):
        """The service refused the serial; ``code`` says why (``unknown_unit``: override)."""

        message: str
        code: str

    def __init__(
        self, order: str, line: OrderLineView, serial: str | None = None, refusal: str | None = None
    ) -> None:
        super().__init__()
        self.order = order
        self.line = line
        self.busy = False
        self.initial = serial
        self.refusal = refusal  # an unknown_unit refusal already had: offer the override
        self.entered = serial or ""  # the serial last sent: the override is asked for it
        #: A duplicate_serial refusal of a serial that is no IMEI: the manager's name and PIN
        #: accept it as shared by two products (recorded on the event and the unit).
        self.sharing = False

    def compose(self) -> ComposeResult:
        line = self.line
        mode = str(line.serial_mode.value)
        with Vertical(classes="dialog", id="serial-dialog"):
            yield Static(
                Text(
                    f"Serial for line {line.number}: {visible(line.sku)} "
                    f"{visible(line.name)} ({mode})"
                ),
                classes="dialog-title",
                markup=False,
            )
            if line.serial:
                yield Static(
                    Text(f"now: {visible(line.serial)} (Enter on empty removes it)"), markup=False
                )
            yield ScanInput(id="serial-entry", placeholder="scan or type the serial, Enter")
            with Vertical(id="override"):
                yield Static("Manager override: name and PIN", id="override-title", markup=False)
                yield CappedInput(id="override-user", placeholder="manager")
                yield CappedInput(id="override-pin", placeholder="PIN", password=True)
            yield MessageLine(id="serial-message")
            yield KeyFooter()

    @property
    def message_line(self) -> MessageLine:
        return self.query_one("#serial-message", MessageLine)

    def on_mount(self) -> None:
        field = self.query_one("#serial-entry", Input)
        self.query_one("#override").display = self.refusal is not None
        if self.initial:  # shown, not left in the field for the next scan to land behind
            field.placeholder = f"{clip(self.initial)}: Tab for the override, or scan another"
        if self.refusal is not None:
            self.message_line.error(self.refusal + " (Tab: manager name and PIN)")
        field.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(ScanInput.Entered, "#serial-entry")
    def serial_submitted(self, event: ScanInput.Entered) -> None:
        event.stop()
        text = event.value.strip()
        if not text and not self.line.serial:
            self.show_error("scan or type the serial, or Esc to leave it missing")
            return
        if not text:
            self.submit(None)
            return
        self.take_scan(self.entered_scan(text))  # typed or scanned: the same keys

    @on(Input.Submitted, "#override-user")
    def user_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#override-pin", Input).focus()

    @on(Input.Submitted, "#override-pin")
    def pin_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        user = self.query_one("#override-user", Input).value.strip()
        if not user or not event.value:
            self.show_error("a manager's name and PIN are needed to override")
            return
        serial = self.query_one("#serial-entry", Input).value.strip() or self.entered
        self.submit(serial, user, event.value)

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        decoded = scan.decoded
        # A product barcode here is the classic mis-scan: it is passed on as the serial so the
        # service names it ("that is the product's barcode, not its serial").
        text = decoded.serial if decoded.kind != "product" and decoded.serial else decoded.text
        self.submit(text)

    def submit(self, serial: str | None, user: str | None = None, pin: str | None = None) -> None:
        if self.busy:  # an entry is never dropped unsaid: the person scans it again
            self.show_error(
                f"still checking {clip(self.entered)}: scan "
                f"{clip(serial or '')} again once it is answered"
            )
            return
        self.busy = True
        if serial:
            self.entered = serial
        self.message_line.note("checking the serial…")
        self.record(serial, user, pin)

    @work(thread=True, group="serial-entry")
    def record(self, serial: str | None, user: str | None, pin: str | None) -> None:
        try:
            from serialpos.services.orders import set_serial

            view = set_serial(
                self.console.database(),
                self.session.actor,
                self.order,
                self.line.line,
                serial,
                override_user=user,
                override_pin=pin,
                shared=self.sharing and user is not None,
            )
        except Exception as exc:
            from serialpos.tui.backend import describe

            self.post_message(self.Refused(describe(exc), str(getattr(exc, "code", ""))))
            return
        self.post_message(self.Recorded(view))

    def on_serial_entry_recorded(self, message: Recorded) -> None:
        self.busy = False
        self.dismiss(message.view)

    def on_serial_entry_refused(self, message: Refused) -> None:
        self.busy = False
        self.show_error(message.message)
        field = self.query_one("#serial-entry", Input)
        field.placeholder = f"{clip(self.entered)} refused: scan or type another"
        from serialpos.domain.scan_resolution import may_share

        self.sharing = message.code == "duplicate_serial" and may_share(self.entered)
        if message.code == "unknown_unit" or self.sharing:
            # The fields are offered, not forced: the next scan still goes to the serial field
            # (most often the cashier simply scanned the wrong unit); Tab reaches them.
            self.query_one("#override-title", Static).update(
                "Manager accepts shared serial: name and PIN"
                if self.sharing
                else "Manager override: name and PIN"
            )
            self.query_one("#override").display = True
            what = "manager accepts shared serial: " if self.sharing else "manager "
            self.message_line.error(f"{message.message} (Tab: {what}name and PIN)")
        field.select_all()
        field.focus()


# -- tender -----------------------------------------------------------------------------------
class Tender(ModalScreen[tuple[str, Decimal] | None]):
    """Method and amount (the amount due by default); the change due is shown as it is typed."""

    KEY_HINTS: ClassVar[KeyHints] = (("↑↓", "Method"), ("Enter", "Take"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "method(-1)", "Method", show=False),
        Binding("down", "method(1)", "Method", show=False),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, total: Decimal, paid: Decimal, due: Decimal, title: str = "Payment") -> None:
        super().__init__()
        self.total, self.paid, self.due = total, paid, due
        self.method = 0
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="tender"):
            yield Static(
                Text(
                    f"{self.title_text}: total {money(self.total)} · paid "
                    f"{money(self.paid)} · due {money(self.due)}"
                ),
                classes="dialog-title",
                markup=False,
            )
            yield Static("", id="tender-method", markup=False)
            yield CappedInput(
                value=money(self.due), id="tender-amount", max_length=16, restrict=r"[0-9.]*"
            )
            yield Static("", id="tender-change", markup=False)
            yield MessageLine(id="tender-message")
            yield KeyFooter()

    def on_mount(self) -> None:
        field = self.query_one("#tender-amount", Input)
        field.focus()
        field.select_all()
        self._show()

    def _show(self) -> None:
        chosen = METHODS[self.method]
        self.query_one("#tender-method", Static).update(
            Text("Method: " + "  ".join(f"[{m}]" if m == chosen else m for m in METHODS))
        )
        amount = parse_money(self.query_one("#tender-amount", Input).value)
        change = (amount - self.due) if amount is not None and amount > self.due else Decimal(0)
        self.query_one("#tender-change", Static).update(
            Text(f"Change due: {money(change)}" if change else "")
        )

    @on(Input.Changed, "#tender-amount")
    def amount_changed(self, event: Input.Changed) -> None:
        self._show()

    def action_method(self, step: int) -> None:
        self.method = (self.method + step) % len(METHODS)
        self._show()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#tender-amount")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        amount = parse_money(event.value)
        if amount is None or amount <= 0:
            self.query_one("#tender-message", MessageLine).error("type an amount above 0")
            self.app.bell()
            return
        self.dismiss((METHODS[self.method], amount))


# -- sale type and delivery -------------------------------------------------------------------
class SaleTypeDialog(ModalScreen[tuple[str, str] | None]):
    """1/2/3 pick the sale type, c/p/d the delivery; Enter keeps them, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"type('{value}')", label, show=False) for key, value, label in SALE_TYPES),
        *(
            Binding(key, f"delivery('{value}')", label, show=False)
            for key, value, label in DELIVERIES
        ),
        Binding("enter", "done", "Keep"),
        Binding("escape", "cancel", "Cancel"),
    ]
    KEY_HINTS: ClassVar[KeyHints] = (("1-3", "Type"), ("C/P/D", "Delivery"))

    def __init__(self, sale_type: str, delivery: str) -> None:
        super().__init__()
        self.sale_type, self.delivery = sale_type, delivery

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Sale type and delivery", classes="dialog-title", markup=False)
            yield Static("", id="choices", markup=False)
            yield KeyFooter()

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        text = Text()
        for key, value, label in SALE_TYPES:
            text.append(f"{'●' if value == self.sale_type else '○'} {key} {label}\n")
        for key, value, label in DELIVERIES:
            text.append(f"{'●' if value == self.delivery else '○'} {key.upper()} {label}\n")
        text.rstrip()
        self.query_one("#choices", Static).update(text)

    def action_type(self, value: str) -> None:
        self.sale_type = value
        self._show()

    def action_delivery(self, value: str) -> None:
        self.delivery = value
        self._show()

    def action_done(self) -> None:
        self.dismiss((self.sale_type, self.delivery))

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- customer ---------------------------------------------------------------------------------
class CustomerDialog(ModalScreen[tuple[str, str, str] | None]):
    """Name, phone, address; Enter goes to the next field and saves on the last."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Next/Save"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    FIELDS = ("customer-name", "customer-phone", "customer-address")

    def __init__(self, name: str = "", phone: str = "", address: str = "") -> None:
        super().__init__()
        self.values = (name, phone, address)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Customer", classes="dialog-title", markup=False)
            for field, value, hint in zip(
                self.FIELDS, self.values, ("name", "phone", "address"), strict=True
            ):
                yield CappedInput(value=value, id=field, placeholder=hint, max_length=200)
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(f"#{self.FIELDS[0]}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.FIELDS.index(str(event.input.id))
        if index + 1 < len(self.FIELDS):
            self.query_one(f"#{self.FIELDS[index + 1]}", Input).focus()
            return
        name, phone, address = (self.query_one(f"#{f}", Input).value.strip() for f in self.FIELDS)
        self.dismiss((name, phone, address))

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- open orders ------------------------------------------------------------------------------
def summary_prompt(order: OrderSummary) -> Text:
    status = str(getattr(order.status, "value", order.status))
    kind = str(getattr(order.type, "value", order.type)).replace("_", " ")
    pending = f" · {order.pending_serials} S/N needed" if order.pending_serials else ""
    who = f" · {visible(order.customer_name)}" if order.customer_name else ""
    return Text(
        f"{visible(order.order)} {status} {kind} {money(order.total)}"
        f" · {order.lines} lines{pending}{who}"
    )


class OrdersDialog(ModalScreen[str | None]):
    """Parked and open orders of this store: Enter opens one (to resume or fulfil later)."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Open"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, orders: Sequence[OrderSummary]) -> None:
        super().__init__()
        self.orders = list(orders)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Parked and open orders", classes="dialog-title", markup=False)
            yield OptionList(
                *(Option(summary_prompt(o), id=o.order) for o in self.orders), id="orders"
            )
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- quick create -----------------------------------------------------------------------------
@dataclass(frozen=True)
class NewProduct:
    sku: str
    name: str
    price: Decimal
    serial_mode: str
    barcode: str


class QuickCreate(ModalScreen[NewProduct | None]):
    """An unknown barcode: SKU, name, price and serial mode (↑↓), then Enter creates it."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Next/Create"), ("↑↓", "Serial mode"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "mode(-1)", "Serial mode", show=False),
        Binding("down", "mode(1)", "Serial mode", show=False),
        Binding("escape", "cancel", "Cancel"),
    ]
    FIELDS = ("new-sku", "new-name", "new-price")

    def __init__(self, barcode: str) -> None:
        super().__init__()
        self.barcode = barcode
        self.mode = 2

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Text(f"New product for barcode {clip(visible(self.barcode))}"),
                classes="dialog-title",
                markup=False,
            )
            yield CappedInput(id="new-sku", placeholder="SKU", max_length=64)
            yield CappedInput(id="new-name", placeholder="name", max_length=200)
            yield CappedInput(
                id="new-price", placeholder="price", max_length=16, restrict=r"[0-9.]*"
            )
            yield Static("", id="new-mode", markup=False)
            yield MessageLine(id="new-message")
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#new-sku", Input).focus()
        self._show()

    def _show(self) -> None:
        chosen = SERIAL_MODES[self.mode]
        self.query_one("#new-mode", Static).update(
            Text("Serial: " + "  ".join(f"[{m}]" if m == chosen else m for m in SERIAL_MODES))
        )

    def action_mode(self, step: int) -> None:
        self.mode = (self.mode + step) % len(SERIAL_MODES)
        self._show()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.FIELDS.index(str(event.input.id))
        if index + 1 < len(self.FIELDS):
            self.query_one(f"#{self.FIELDS[index + 1]}", Input).focus()
            return
        sku, name, price_text = (self.query_one(f"#{f}", Input).value.strip() for f in self.FIELDS)
        price = parse_money(price_text or "0")
        if not sku or not name or price is None:
            self.query_one("#new-message", MessageLine).error("SKU, name and a price are needed")
            self.app.bell()
            return
        self.dismiss(NewProduct(sku, name, price, SERIAL_MODES[self.mode], self.barcode))


# -- the order menu ---------------------------------------------------------------------------
#: (letter, action, words, direct keys): the order's less frequent keys, one menu away, so
#: that the footer of a 40x16 handheld keeps room for the lines.
ORDER_MENU = (
    ("t", "sale_type", "Sale type and delivery", "F3/^T"),
    ("c", "customer", "Customer", "F4/^N"),
    ("p", "park", "Park this order", "F5/^P"),
    ("o", "orders", "Open or parked orders (resume, fulfil later)", ""),
    ("v", "void", "Void this order", "F7/^B"),
)


class OrderMenu(ChoiceDialog):
    """The order's other actions, each with its letter and its direct key."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"choose('{action}')", words, show=False)
            for key, action, words, _ in ORDER_MENU
        ),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self) -> None:
        super().__init__(
            Text("Order"),
            [
                (action, Text(f"{key}  {words}" + (f" ({direct})" if direct else "")))
                for key, action, words, direct in ORDER_MENU
            ],
            "order-menu",
        )
