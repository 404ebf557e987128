"""The Sale screen's keys that act without a dialog of their own: the line under the cursor
(its serial, mark, quantity, removal) and the order keys, each handed to
:class:`~serialpos.tui.screens.sale_keys.OrderKeys` (split from tui/screens/sale.py along its
seam, no behaviour changed). The bindings stay on the screen (Textual reads a screen's
``BINDINGS``); the actions they name are found here, a base of
:class:`~serialpos.tui.screens.sale.SaleScreen`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from serialpos.tui.screens import sale_jobs
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.widgets.sale_lines import SaleLines
from serialpos.tui.widgets.scan_input import ScanInput

if TYPE_CHECKING:
    from serialpos.services.orders import OrderView
    from serialpos.tui.screens.sale_keys import OrderKeys
    from serialpos.tui.screens.sale_outcome import Job


class SaleActions(ConsoleScreen):
    """The line keys and the order keys' actions of the Sale screen."""

    keys: OrderKeys
    view: OrderView | None

    if TYPE_CHECKING:  # the Sale screen's own (tui/screens/sale.py)

        @property
        def lines(self) -> SaleLines: ...

        def submit(self, job: Job, busy: str | None = None, pending: str | None = None) -> None: ...

        def prompt_serial(
            self, line_id: int, serial: str | None = None, refusal: str | None = None
        ) -> None: ...

    # -- the line under the cursor ---------------------------------------------------------
    def action_lines(self, step: int) -> None:
        self.lines.focus()
        self.lines.action_move(step if self.lines.has_focus else 0)

    def on_sale_lines_typed(self, message: SaleLines.Typed) -> None:
        field = self.query_one("#scan", ScanInput)
        field.focus()
        if message.ends:  # the Enter of a scan begun on the lines
            field.enter()
            return
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
            self.submit(sale_jobs.quantity_job(line_id, line.number, quantity))
        elif message.action == "remove":
            self.submit(sale_jobs.remove_job(line_id, line.number))

    # -- order keys: sale_keys.OrderKeys does them ------------------------------------------
    def action_back(self) -> None:
        self.keys.back()

    def action_pay(self) -> None:
        self.keys.pay()

    def action_fulfil(self) -> None:
        self.keys.fulfil()

    def action_menu(self) -> None:
        self.keys.menu()

    def action_sale_type(self) -> None:
        self.keys.sale_type()

    def action_customer(self) -> None:
        self.keys.customer()

    def action_park(self) -> None:
        self.keys.park()

    def action_void(self) -> None:
        self.keys.void()

    def action_orders(self) -> None:
        self.keys.orders()

    def action_pdf(self) -> None:
        self.keys.pdf()
