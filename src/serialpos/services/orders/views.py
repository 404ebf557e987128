"""What an order looks like to its callers: the read models every order call returns, and the
refusals that name an order, kept apart so screens, reports and the API can type against
them without pulling in the code that changes orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from serialpos.domain.errors import (
    BadRequest,
    DomainError,
)
from serialpos.domain.orders import (
    DeliveryMode,
    LineStatus,
    OrderStatus,
    SaleType,
    SerialIndicator,
    Totals,
)
from serialpos.domain.products import SerialMode

ZERO = Decimal("0.00")


DOCUMENT_TYPE = "order"


MAX_LINES = 500


class UnknownOrder(DomainError):
    code = "unknown_order"


class OrderClosed(DomainError):
    code = "order_closed"


@dataclass(frozen=True)
class Customer:
    name: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class PaymentView:
    method: str
    amount: Decimal  # negative for change handed back and refunds
    at: datetime
    kind: str = "payment"  # payment / change / refund
    invoice: str | None = None


@dataclass(frozen=True)
class OrderLineView:
    line: int  # id: what every call names
    number: int  # the line's number on the order (1-based, never reused)
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    serial_mode: SerialMode
    serial: str | None
    indicator: SerialIndicator
    status: LineStatus
    package_line: int | None = None
    invoice: str | None = None  # the invoice it was fulfilled on
    #: Discounts (services/orders/discounts.py): the shelf price when the price was
    #: overridden, the money taken off before tax, what was given ("-10%", "-5.00",
    #: "order -5%"), why, and the manager who approved it.
    list_price: Decimal | None = None
    discount: Decimal = ZERO
    discount_label: str = ""
    discount_reason: str | None = None
    discount_approved_by: str | None = None


@dataclass(frozen=True)
class OrderView:
    order: str
    store: str
    type: SaleType
    delivery: DeliveryMode
    status: OrderStatus
    customer: Customer | None
    lines: tuple[OrderLineView, ...]
    totals: Totals
    payments: tuple[PaymentView, ...]
    invoices: tuple[str, ...]
    created_by: str
    created_at: datetime
    #: The order discount as given ("-5%", "-20.00"; "" for none), its reason and approver.
    discount_label: str = ""
    discount_reason: str | None = None
    discount_approved_by: str | None = None
    #: An exchange sale: the refund note whose credit it carries.
    exchange_of: str | None = None

    def line_by_id(self, line: int) -> OrderLineView:
        for found in self.lines:
            if found.line == line:
                return found
        raise BadRequest(f"order {self.order} has no line {line}")

    @property
    def pending_serials(self) -> int:
        return sum(
            1
            for ln in self.lines
            if ln.status is LineStatus.OPEN and ln.indicator is SerialIndicator.MISSING_REQUIRED
        )


@dataclass(frozen=True)
class OrderSummary:
    order: str
    type: SaleType
    delivery: DeliveryMode
    status: OrderStatus
    customer_name: str | None
    total: Decimal
    lines: int
    created_at: datetime
    pending_serials: int
    #: What is left to pay (0.00 when paid up): a fulfilled order owing (a till's void
    #: booked by ``refund``) is listed at the counter to collect it.
    due: Decimal = ZERO
    #: What has been paid on it so far (a lay-by's deposit and payments).
    paid: Decimal = ZERO


@dataclass(frozen=True)
class PendingLine:
    """An open line still waiting for its required serial (the fulfilment report's "items
    pending serial"); the serial is entered in place with :func:`set_serial`."""

    order: str
    line: int
    number: int
    sku: str
    name: str
    type: SaleType
    delivery: DeliveryMode
    customer_name: str | None
    created_at: datetime


@dataclass(frozen=True)
class AddResult:
    order: OrderView
    line: int
    prompt_serial: bool
    merged: bool
    message: str


@dataclass(frozen=True)
class FulfilResult:
    order: OrderView
    invoice: str
    change_due: Decimal
    #: What the order holds over its total after a store terminal's fulfilment that named
    #: the change it gave (``change_given``): central took money on the order the till's
    #: copy did not know of, and the till took the balance its copy showed. Zero otherwise.
    paid_over: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class PaymentTaken:
    """A payment taken at the counter on an order that stays open: the order after it and
    the cash given back (zero unless cash over the due was handed over)."""

    order: OrderView
    change: Decimal


@dataclass(frozen=True)
class HeldLine:
    """A product scanned first at the counter whose line is held on screen until its serial
    comes, nothing written (services/held_line.py). Shaped as a line for the serial prompt:
    ``line`` 0 (no line id yet), ``number`` the number its line takes when committed (as
    the order stood at the scan)."""

    sku: str
    name: str
    price: Decimal
    number: int
    scanned: str
    serial_mode: SerialMode = SerialMode.REQUIRED
    serial: str | None = None
    line: int = 0
