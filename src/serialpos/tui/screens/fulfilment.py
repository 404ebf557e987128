"""The fulfilment report: lines of open and parked orders still to be handed over, with their
serial indicators; serials entered, changed or removed in place, and orders fulfilled here.

**Filters.** This terminal's store by default; ``p`` shows only the items pending a serial (a
product that requires one, none recorded yet), ``d`` steps through the delivery modes, and the
filter dialog (F3) sets the store and the order dates.

**Serials in place.** Enter (or ``s``) on a line opens the counter's own serial entry
(:class:`~serialpos.tui.screens.sale_dialogs.serial_entry.SerialEntry`): the same service, the
same checks, the same manager override for a unit the ledger does not know. A scan goes straight
to the line under the cursor; a refusal is said with the bell and the line keeps what it had.

**Fulfil.** F10/^F fulfils the order under the cursor (all its open lines), after a yes. The
orders service refuses while a required serial is missing and the refusal is shown as it
says it; an amount still due is taken first with the counter's tender dialog.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from serialpos.domain.orders import DeliveryMode, serial_indicator
from serialpos.domain.products import SerialMode
from serialpos.domain.text import clip, visible
from serialpos.tui.backend import one_at_a_time, still_running
from serialpos.tui.keymap import keys
from serialpos.tui.messages import ActionFailed
from serialpos.tui.screens.report_screen import ReportScreen, Row, day
from serialpos.tui.screens.sale_dialogs.money import money
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry
from serialpos.tui.screens.sale_dialogs.tender import Tender
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.key_footer import KeyHints
from serialpos.tui.widgets.report_dialogs import Filters
from serialpos.tui.widgets.report_grid import serial_cell

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from serialpos.db.engine import Database
    from serialpos.services.fulfilment_report import FulfilmentRow
    from serialpos.services.orders import OrderLineView, OrderView
    from serialpos.services.report_filter import ReportFilter
    from serialpos.tui.messages import ScanRead

#: The fulfilment's worker: one at a time (tui/backend.one_at_a_time). F10 and yes again
#: while it ran sent a second fulfilment, refused by the service (the order fulfilled)
#: and said with the bell over the first one's invoice.
FULFILLING = "fulfilment-fulfil"
#: Lines shown at most; the export writes every line of the filter.
SHOWN = 2_000
EXPORT_LIMIT = 1_000_000
#: The delivery filter's steps (``d``): all, then each mode.
DELIVERY_STEPS: tuple[str | None, ...] = (None, *(mode.value for mode in DeliveryMode))


@dataclass(frozen=True)
class Lines:
    """What a load found: the rows shown, and whether there were more."""

    rows: list[FulfilmentRow]
    truncated: bool


def indicator_of(row: FulfilmentRow) -> str:
    return serial_indicator(SerialMode(row.serial_mode), row.serial).value


class FulfilmentScreen(ReportScreen):
    """Open-order lines waiting for fulfilment, at this store by default."""

    TITLE = "Fulfilment"
    EXPORT_NAME = "fulfilment"
    FILTER_FIELDS = ("store", "date_from", "date_to")
    TAKES_SCANS = True
    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Serial"),)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pending", "Pending S/N"),
        Binding("v", "delivery", "Delivery"),
        Binding("s", "serial", "Serial", show=False),
        Binding("r", "replace", "Replace S/N", show=False),
        Binding(keys("f10", "fulfil"), "fulfil", "Fulfil"),
    ]

    @dataclass
    class LineOpened(Message):
        """The order of the chosen line was read: serial entry can open on it."""

        order: str
        line: OrderLineView
        serial: str | None
        refusal: str | None

    @dataclass
    class SerialSet(Message):
        """A scanned serial was recorded on a line."""

        order: str
        number: int
        serial: str

    @dataclass
    class SerialRefused(Message):
        """A scanned serial was refused; ``code`` ``unknown_unit`` offers the override."""

        message: str
        code: str
        order: str
        line: int
        serial: str

    @dataclass
    class Fulfilled(Message):
        """The order was fulfilled and invoiced."""

        order: str
        invoice: str
        change: Decimal

    @dataclass
    class PaymentNeeded(Message):
        """Fulfilment needs money first: the tender dialog opens."""

        view: OrderView
        message: str

    @dataclass
    class ChangeAsked(Message):
        """The change is more than the drawer should hold: asked before it is given."""

        order: str
        payments: list[tuple[str, Decimal]] | None
        words: str

    def __init__(self) -> None:
        super().__init__(Filters())
        self.rows: list[FulfilmentRow] = []
        #: A scan refused because its line has a serial already: (order, line id, serial);
        #: ``r`` offers to replace it, asked first (a scan never replaces one by itself).
        self.refused_replacement: tuple[str, int, str] | None = None

    def on_mount(self) -> None:
        self.filters = replace(self.filters, store=self.session.store)
        super().on_mount()

    # -- the table -------------------------------------------------------------------------
    def set_columns(self) -> None:
        self.grid.add_columns(
            "Order", "Ln", "Serial", "SKU", "Product", "Qty", "Delivery", "Customer", "Date", "Type"
        )

    def fetch(self, db: Database, report_filter: ReportFilter) -> Lines:
        from serialpos.services.fulfilment_report import fulfilment_rows

        rows = fulfilment_rows(db, report_filter, limit=SHOWN + 1)
        return Lines(rows[:SHOWN], len(rows) > SHOWN)

    def cells(self, result: object) -> list[Row]:
        assert isinstance(result, Lines)
        styles = self.styles_now
        return [
            (
                (
                    Text(visible(row.order)),
                    Text(str(row.number)),
                    serial_cell(indicator_of(row), row.serial, styles),
                    Text(visible(row.sku)),
                    Text(visible(row.product)),
                    Text(str(row.quantity)),
                    Text(row.delivery),
                    Text(visible(row.customer or "—")),
                    Text(day(row.created)),
                    Text(row.sale_type),
                ),
                f"{row.order}#{row.line}",
            )
            for row in result.rows
        ]

    def show_result(self, result: object, rows: list[Row]) -> None:
        assert isinstance(result, Lines)
        current = self.current
        keep = (current.order, current.line) if current is not None else None
        at = self.grid.cursor_row
        self.rows = result.rows
        self.fill(
            rows,
            next(
                (i for i, row in enumerate(self.rows) if keep == (row.order, row.line)),
                max(min(at, len(self.rows) - 1), 0),
            ),
        )
        pending = sum(1 for row in self.rows if row.pending_serial)
        count = (
            f"first {len(self.rows):,} lines shown"
            if result.truncated
            else (f"{len(self.rows):,} line{'s' * (len(self.rows) != 1)}")
        )
        of_them = " of them" if result.truncated else ""
        foot = (
            f"{count} · {pending}{of_them} pending S/N"
            if self.rows
            else ("no lines wait for fulfilment in this filter")
        )
        self.query_one("#report-foot", Static).update(Text(foot))

    @property
    def current(self) -> FulfilmentRow | None:
        if not self.rows:
            return None
        index = self.grid.cursor_row
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def export_source(
        self, db: Database, report_filter: ReportFilter
    ) -> tuple[Sequence[str], Iterable[Sequence[object]], int]:
        from serialpos.services.fulfilment_report import (
            FULFILMENT_COLUMNS,
            fulfilment_rows,
            fulfilment_table_rows,
        )

        rows = fulfilment_rows(db, report_filter, limit=EXPORT_LIMIT)
        return FULFILMENT_COLUMNS, fulfilment_table_rows(rows), len(rows)

    # -- filters ---------------------------------------------------------------------------
    def action_pending(self) -> None:
        self.filters = replace(self.filters, pending_serial=not self.filters.pending_serial)
        self.reload()

    def action_delivery(self) -> None:
        step = DELIVERY_STEPS.index(self.filters.delivery)
        self.filters = replace(
            self.filters, delivery=DELIVERY_STEPS[(step + 1) % len(DELIVERY_STEPS)]
        )
        self.reload()

    # -- serials ---------------------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_serial()

    def action_serial(self) -> None:
        row = self._chosen("enter a serial")
        if row is not None:
            self._open_line(row.order, row.line, None, None)

    def _chosen(self, what: str) -> FulfilmentRow | None:
        row = self.current
        if row is None:
            self.show_error(f"no line to {what} on: this filter lists none")
        return row

    @one_at_a_time("fulfilment-line")
    def _open_line(self, order: str, line: int, serial: str | None, refusal: str | None) -> None:
        try:
            from serialpos.services.orders import get_order

            view = get_order(self.console.database(), order)
            found = view.line_by_id(line)
        except Exception as exc:
            from serialpos.tui.backend import describe

            self.post_message(ActionFailed(describe(exc)))
            return
        self.post_message(self.LineOpened(view.order, found, serial, refusal))

    def on_fulfilment_screen_line_opened(self, message: LineOpened) -> None:
        number = message.line.number

        def done(result: OrderView | None) -> None:
            self.grid.focus()
            if result is None:
                self.message_line.note(f"{message.order} line {number}: serial left as it was")
                return
            now = result.line_by_id(message.line.line).serial
            self.message_line.ok(
                f"{message.order} line {number}: "
                + (f"serial {clip(now)} recorded" if now else "serial removed")
            )
            self.reload(note=False)

        self.app.push_screen(
            SerialEntry(message.order, message.line, message.serial, message.refusal), done
        )

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        decoded = scan.decoded
        # As in serial entry: a product barcode goes to the service as the serial, which
        # names the mis-scan.
        text = decoded.serial if decoded.kind != "product" and decoded.serial else decoded.text
        row = self._chosen("put the scanned serial")
        if row is None or not text:
            return
        self.message_line.note(f"checking {clip(text)} for {row.order} line {row.number}…")
        self.refused_replacement = None
        self._scan_serial(row.order, row.line, row.number, text)

    @work(thread=True, group="fulfilment-scan")
    def _scan_serial(
        self, order: str, line: int, number: int, serial: str, *, replace: bool = False
    ) -> None:
        """Record a scanned serial on a line; never over one the line has unless
        ``replace`` (a person's yes to :meth:`action_replace`'s question)."""
        try:
            from serialpos.services.orders import set_serial

            set_serial(
                self.console.database(),
                self.session.actor,
                order,
                line,
                serial,
                keep_recorded=not replace,
            )
        except Exception as exc:
            from serialpos.tui.backend import describe

            self.post_message(
                self.SerialRefused(
                    describe(exc), str(getattr(exc, "code", "")), order, line, serial
                )
            )
            return
        self.post_message(self.SerialSet(order, number, serial))

    def on_fulfilment_screen_serial_set(self, message: SerialSet) -> None:
        self.message_line.ok(
            f"{message.order} line {message.number}: serial {clip(message.serial)} recorded"
        )
        self.reload(note=False)

    def on_fulfilment_screen_serial_refused(self, message: SerialRefused) -> None:
        if message.code == "serial_recorded":
            self.refused_replacement = (message.order, message.line, message.serial)
            self.show_error(f"{message.message} · r: replace, asked first")
            return
        self.show_error(message.message)
        if message.code == "unknown_unit":  # a manager may accept the unit: as at the counter
            self._open_line(message.order, message.line, message.serial, message.message)

    def action_replace(self) -> None:
        """Replace a line's serial by the scan just refused for it, asked first (a question a
        scan cannot answer): the deliberate way to change a recorded serial from a scan."""
        pending = self.refused_replacement
        row = self.current
        if pending is None or row is None or (row.order, row.line) != pending[:2]:
            self.show_error("r replaces a line's serial by a scan refused on it: scan it first")
            return
        order, line, serial = pending
        number, old = row.number, row.serial or ""

        def answered(yes: bool | None) -> None:
            self.grid.focus()
            if not yes:
                self.message_line.note(f"{order} line {number}: serial {clip(old)} kept")
                return
            self.refused_replacement = None
            self.message_line.note(f"replacing {clip(old)} by {clip(serial)}…")
            self._scan_serial(order, line, number, serial, replace=True)

        self.app.push_screen(
            Confirm(
                f"Replace serial {clip(old)} on {order} line {number} by {clip(serial)}? "
                f"{clip(old)} goes back to stock."
            ),
            answered,
        )

    # -- fulfilling ------------------------------------------------------------------------
    def action_fulfil(self) -> None:
        if still_running(self, FULFILLING):  # the fulfilment asked before has not answered
            return
        row = self._chosen("fulfil")
        if row is None:
            return
        lines = sum(1 for r in self.rows if r.order == row.order)
        who = f", {visible(row.customer)}" if row.customer else ""

        def confirmed(yes: bool | None) -> None:
            self.grid.focus()
            if yes:
                self.message_line.note(f"fulfilling {row.order}…")
                self._fulfil(row.order, None)
            else:
                self.message_line.note(f"{row.order} not fulfilled")

        self.app.push_screen(
            Confirm(
                f"Fulfil {visible(row.order)} ({lines} line"
                f"{'s' * (lines != 1)} listed, {row.delivery}{who})?"
            ),
            confirmed,
        )

    @one_at_a_time(FULFILLING)
    def _fulfil(
        self,
        order: str,
        payments: list[tuple[str, Decimal]] | None,
        beyond_drawer: bool = False,
    ) -> None:
        from serialpos.tui.backend import describe

        try:
            from serialpos.services.orders import fulfil, get_order
            from serialpos.services.shifts import ChangeBeyondDrawer

            db = self.console.database()
            try:
                done = fulfil(
                    db,
                    self.session.actor,
                    order,
                    payments=payments,
                    change_beyond_drawer=beyond_drawer,
                )
            except ChangeBeyondDrawer as beyond:  # asked, as at the counter (sale_keys.py)
                self.post_message(self.ChangeAsked(order, payments, beyond.words))
                return
            except Exception as exc:
                if getattr(exc, "code", "") != "payment_due" or payments:
                    raise
                self.post_message(self.PaymentNeeded(get_order(db, order), describe(exc)))
                return
        except Exception as exc:
            self.post_message(ActionFailed(describe(exc)))
            if getattr(exc, "code", "") == "serial_required":
                self.app.call_from_thread(self._go_to_pending, order)
            return
        self.post_message(self.Fulfilled(order, done.invoice, done.change_due))

    def _go_to_pending(self, order: str) -> None:
        for index, row in enumerate(self.rows):
            if row.order == order and row.pending_serial:
                self.grid.move_cursor(row=index)
                return

    def on_fulfilment_screen_change_asked(self, message: ChangeAsked) -> None:
        def answered(yes: bool | None) -> None:
            self.grid.focus()
            if yes:
                self.message_line.note(f"fulfilling {message.order}…")
                self._fulfil(message.order, message.payments, True)
            else:
                self.message_line.note(f"{message.order} not fulfilled: nothing changed")

        question = f"The {message.words}. Give it anyway (cash from the safe)?"
        self.message_line.note(question)
        self.app.push_screen(Confirm(question), answered)

    def on_fulfilment_screen_payment_needed(self, message: PaymentNeeded) -> None:
        view = message.view
        self.show_error(message.message)

        def tendered(result: tuple[str, Decimal] | None) -> None:
            self.grid.focus()
            if result is None:
                self.message_line.note(f"{view.order} not fulfilled: payment still due")
                return
            self.message_line.note(f"fulfilling {view.order}…")
            self._fulfil(view.order, [result])

        self.app.push_screen(
            Tender(view.totals.total, view.totals.paid, view.totals.due, "Pay to fulfil"), tendered
        )

    def on_fulfilment_screen_fulfilled(self, message: Fulfilled) -> None:
        change = f"; change {money(message.change)}" if message.change else ""
        self.message_line.ok(f"{message.order} fulfilled: invoice {message.invoice}{change}")
        self.reload(note=False)
