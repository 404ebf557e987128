"""Tender: how the customer pays (cash, card, other) and how much."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from serialpos.tui.screens.closes_once import ClosesOnce
from serialpos.tui.screens.sale_dialogs.money import money, parse_money
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine

METHODS = ("cash", "card", "other")


class Tender(ClosesOnce[tuple[str, Decimal] | None]):
    """Method and amount (the amount due by default); the change due is shown as it is typed."""

    KEY_HINTS: ClassVar[KeyHints] = (("↑↓", "Method"), ("Enter", "Take"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "method(-1)", "Method", show=False),
        Binding("down", "method(1)", "Method", show=False),
        Binding("escape", "cancel", "Cancel"),
    ]

    #: A person types the amount: a scan made while the dialog is up (a product's EAN-8 is
    #: eight digits) is told from typing by the keyboard wedge and refused, never taken as
    #: cash (app_scanners.py ``on_scan_read``); an amount too unlikely to be meant is asked
    #: about by a question a scan cannot answer (domain/money_entry.py).
    REFUSES_SCANS: ClassVar[bool] = True

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

    def scan_not_used(self, raw: str) -> None:
        """A scan while the amount is asked for: refused and named, the field as it was."""
        from serialpos.domain.text import clip, visible

        self.query_one("#tender-message", MessageLine).error(
            f"scan '{clip(visible(raw), 32)}' is not an amount: nothing taken. Type the amount "
            "the customer gives, Enter"
        )

    @on(Input.Submitted, "#tender-amount")
    def submitted(self, event: Input.Submitted) -> None:
        from serialpos.domain.errors import BadValue
        from serialpos.domain.money_entry import tender_doubt
        from serialpos.domain.orders import parse_amount
        from serialpos.tui.screens.serial_mode import Confirm

        event.stop()
        text = event.value
        typed = parse_money(text)
        if typed is None or typed <= 0:
            self._refuse("type an amount above 0")
            return
        try:
            amount = parse_amount(text)  # its refusal quotes the amount as typed
        except BadValue as exc:
            self._refuse(exc.message)
            return
        method = METHODS[self.method]
        doubt = tender_doubt(text, amount, self.due)
        if doubt is None:
            self.dismiss((method, amount))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss((method, amount))
            else:
                self._refuse(f"{amount:,.2f} not taken: type the amount again")

        self.app.push_screen(Confirm(doubt), answered)

    def _refuse(self, message: str) -> None:
        self.query_one("#tender-message", MessageLine).error(message)
        self.app.bell()
