"""The Sale screen's keys that act without a dialog of their own: the line under the cursor
(its serial, mark, quantity, removal) and the order keys, each handed to
:class:`~serialpos.tui.screens.sale_keys.OrderKeys` (split from tui/screens/sale.py along its
seam, no behaviour changed). The bindings stay on the screen (Textual reads a screen's
``BINDINGS``); the actions they name are found here, a base of
:class:`~serialpos.tui.screens.sale.SaleScreen`. A line held for its serial (sale_held.py) is
written first, then the key acts on the lines as they then stand. Also here: what a job's
refusal does (the bell and its words, and the dialog a refusal leads to).

A line's quantity or removal is changed once at a time: +, - or Delete again before the
change has answered says "still working" and sends nothing. Each asked for what the screen
still showed (the same line removed again, refused with the bell as "no line 7" over "line 2
removed"; the quantity shown plus one written twice, the second press lost unsaid)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from serialpos.tui.backend import start_running, still_running
from serialpos.tui.screens import sale_jobs
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.widgets.sale_lines import SaleLines
from serialpos.tui.widgets.scan_input import ScanInput

if TYPE_CHECKING:
    from serialpos.services.orders import OrderView
    from serialpos.tui.screens.sale_held import HeldLines
    from serialpos.tui.screens.sale_jobs import Refused
    from serialpos.tui.screens.sale_keys import OrderKeys
    from serialpos.tui.screens.sale_outcome import Job

#: A line's quantity or removal: one change at a time (see the module).
LINE_CHANGING = "sale-line-change"


class SaleActions(ConsoleScreen):
    """The line keys and the order keys' actions of the Sale screen."""

    keys: OrderKeys
    view: OrderView | None
    held_lines: HeldLines
    after_finish: Callable[[], object] | None

    if TYPE_CHECKING:  # the Sale screen's own (tui/screens/sale.py)

        @property
        def lines(self) -> SaleLines: ...

        def submit(
            self,
            job: Job,
            busy: str | None = None,
            pending: str | None = None,
            *,
            then: Callable[[], None] | None = None,
        ) -> None: ...

        def prompt_serial(
            self, line_id: int, serial: str | None = None, refusal: str | None = None
        ) -> None: ...

        def unhold(self, then: Callable[[], object] | None = None) -> None: ...

        def _landed(self) -> bool: ...

        def jump_to_missing(self) -> None: ...

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
        # A line held for its serial is written first (sale_held.py), then the key acts.
        self.unhold(lambda: self._line_acted(message))

    def _line_acted(self, message: SaleLines.Acted) -> None:
        line_id = message.line
        view = self.view
        line = next((ln for ln in view.lines if ln.line == line_id), None) if view else None
        if line is None:
            return
        if message.action == "serial":
            self.prompt_serial(line_id)
        elif message.action == "mark":
            self.lines.toggle_mark()
        elif message.action in ("more", "less", "remove"):
            if still_running(self, LINE_CHANGING):  # asked of what the screen still shows
                return
            if message.action == "remove":
                job = sale_jobs.remove_job(line_id, line.number)
            else:
                quantity = line.quantity + (1 if message.action == "more" else -1)
                job = sale_jobs.quantity_job(line_id, line.number, quantity)
            self.submit(job, then=start_running(self, LINE_CHANGING))

    def on_sale_screen_refused(self, message: Refused) -> None:
        self.after_finish = None  # parking or voiding on the way out was refused: stay
        if message.pending and self._landed():
            self.lines.drop_pending()
        if message.committed is not None:
            self.held_lines.answer(message.committed, None, True, None)
        self._refused(
            message.message, message.code, message.barcode, message.waiting_line, message.text
        )

    def _refused(
        self,
        words: str,
        code: str,
        barcode: str | None,
        waiting_line: int | None,
        text: str | None,
    ) -> None:
        self.show_error(words)
        if code in ("offline_needs_manager", "offline_price_limit"):
            self.console.show_recorded_link()  # asking central may have found the link down
        if code == "serial_required":
            self.jump_to_missing()
        if barcode is not None and code == "unknown_product":
            self.keys.quick_create(barcode)
        elif code == "unknown_unit" and waiting_line is not None:
            # A manager may accept the unit: serial entry opens with it, the fields offered.
            self.prompt_serial(waiting_line, text, words)
        elif code == "customer_required":
            self.action_customer()
        elif code == "offline_needs_manager":  # a store terminal, its link down
            from serialpos.tui.screens.sale_dialogs.offline_pin import ask_offline_pin

            ask_offline_pin(self)

    # -- order keys: sale_keys.OrderKeys does them, a held line written first ------------------
    def action_back(self) -> None:
        self.unhold(self.keys.back)

    def action_pay(self) -> None:
        self.unhold(self.keys.pay)

    def action_fulfil(self) -> None:
        self.unhold(self.keys.fulfil)

    def action_menu(self) -> None:
        self.unhold(self.keys.menu)

    def action_sale_type(self) -> None:
        self.unhold(self.keys.sale_type)

    def action_customer(self) -> None:
        self.unhold(self.keys.customer)

    def action_park(self) -> None:
        self.unhold(self.keys.park)

    def action_void(self) -> None:
        self.unhold(self.keys.void)

    def action_orders(self) -> None:
        self.unhold(self.keys.orders)

    def action_pdf(self) -> None:
        self.unhold(self.keys.pdf)
