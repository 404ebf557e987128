"""Returns and refunds: find the sale by its order or invoice number, or by scanning the serial
of a unit sold on it; choose the exact lines coming back (Space), mark the damaged ones (d),
refund them, and see the refund note's number. Re-issue opens a new sale, for a mistake fixed
by return and re-sale. An exchange (refund method "exchange", F4) takes the chosen units
back and opens the sale that carries their refund as credit, so the customer pays or gets
only the difference (services/exchanges.py); Re-issue then returns to that sale. Re-issue on
a found refund note whose exchange sale was voided opens a new sale carrying its credit.

A scanned serial both finds the sale and chooses that unit's line: a customer returning one of
three laptops scans that laptop and nothing else is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static

from serialpos.domain.orders import LineStatus, nothing_to_return
from serialpos.domain.package_parts import SoldLine, part_without_package
from serialpos.domain.refund_note_words import refund_note_words
from serialpos.domain.text import clip, visible
from serialpos.tui.backend import describe, one_at_a_time, post_read, still_running
from serialpos.tui.counter_receipt import counter_receipt
from serialpos.tui.keymap import keys
from serialpos.tui.messages import ActionFailed
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.screens.return_head import return_head
from serialpos.tui.screens.sale_dialogs.money import money
from serialpos.tui.screens.sale_dialogs.tender import METHODS
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.sale_lines import ReturnLines, SaleLines
from serialpos.tui.widgets.scan_input import ScanInput
from serialpos.tui.widgets.status_line import StatusLine

#: What a return may be refunded as: a payment method, or credit carried to an exchange sale.
REFUND_CHOICES = (*METHODS, "exchange")
#: The refund, the exchange and Re-issue's: one at a time (tui/backend.one_at_a_time).
REFUNDING = "returns-refund"

if TYPE_CHECKING:
    from serialpos.services.context import Actor
    from serialpos.services.exchanges import ExchangeResult
    from serialpos.services.orders import OrderView
    from serialpos.services.returns import ReturnResult
    from serialpos.tui.messages import ScanRead


class ReturnsScreen(ConsoleScreen):
    """Find, choose, refund."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Find"), ("↑↓", "Lines"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding(keys("f9", "refund"), "refund", "Refund"),
        Binding("f4", "method", "Method"),
        Binding("f5", "reissue", "Re-issue"),
        Binding("up", "lines(-1)", "Lines", show=False),
        Binding("down", "lines(1)", "Lines", show=False),
    ]

    @dataclass
    class Found(Message):
        """The sale was found; ``serial`` is the unit scanned to find it, if any."""

        view: OrderView
        serial: str | None
        returned: str | None = None  # the unit's returned line on the sale shown before

    @dataclass
    class Refunded(Message):
        """The chosen lines were taken back and refunded."""

        result: ReturnResult
        receipt: str = ""  # what the receipt printer did ("" without one)

    @dataclass
    class Exchanged(Message):
        """The chosen lines were taken back and a sale carrying their credit opened."""

        result: ExchangeResult

    @dataclass
    class CreditSpent(Message):
        """A found refund note's free exchange credit was put on a new sale, or Re-issue goes
        to the exchange sale (``said`` says which)."""

        order: str
        said: str = ""

    def __init__(self, text: str | None = None) -> None:
        super().__init__()
        self.initial = text
        self.view: OrderView | None = None
        self.method = 0
        self.exchange_sale: str | None = None  # the last exchange opened here
        self.found_text: str | None = None  # what the clerk last asked to find

    def compose(self) -> ComposeResult:
        yield StatusLine("Returns", self.session)
        yield Static("", id="return-head", markup=False)
        yield ScanInput(id="find", placeholder="invoice/order number, or scan a serial")
        yield MessageLine(id="message")
        yield ReturnLines(id="lines", empty="find the sale: invoice or a serial")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#find", Input).focus()
        self._head()
        if self.initial:
            self.find(self.initial, None)

    @property
    def lines(self) -> ReturnLines:
        return self.query_one(ReturnLines)

    def _head(self) -> None:
        view = self.view
        # The refund method first: at 40 columns it is what a long invoice list would push off;
        # the newest refund note kept whole (return_head.py).
        words = return_head(
            REFUND_CHOICES[self.method],
            None if view is None else view.order,
            () if view is None else view.invoices,
            self.app.size.width - 2,
        )
        self.query_one("#return-head", Static).update(Text(words))

    def action_back(self) -> None:
        if self.lines.has_focus:
            self.query_one("#find", Input).focus()
            return
        self.dismiss()

    def action_lines(self, step: int) -> None:
        self.lines.focus()

    def action_method(self) -> None:
        self.method = (self.method + 1) % len(REFUND_CHOICES)
        self._head()
        self.refresh_bindings()  # the footer names what F9 does now

    def binding_words(self, action: str, words: str) -> str:
        """The footer's words for ``action``: F9 takes the lines back for an exchange when
        that is the method, and refunds no money then (widgets/key_footer.py)."""
        if action == "refund" and REFUND_CHOICES[self.method] == "exchange":
            return "Exchange"
        return words

    def action_reissue(self) -> None:
        if self.exchange_sale is not None:
            # The exchange sale, or (voided since) the sale carrying its credit now.
            self._resume_exchange(self.session.actor, self.exchange_sale)
            return
        if self.found_text is not None and self.found_text.upper().startswith("RF-"):
            # A refund note found: its exchange credit (given back by a voided exchange
            # sale) goes on a new sale, or the refusal says why not.
            self._spend_credit(self.session.actor, self.found_text)
            return
        self.console.open_flow("sale")

    @one_at_a_time(REFUNDING)
    def _spend_credit(self, actor: Actor, note: str) -> None:
        try:
            from serialpos.services.exchanges import spend_credit

            view = spend_credit(self.console.database(), actor, note, self.session.store)
        except Exception as exc:
            self.post_message(ActionFailed(describe(exc)))
            return
        self.post_message(self.CreditSpent(view.order))

    @one_at_a_time(REFUNDING)
    def _resume_exchange(self, actor: Actor, sale: str) -> None:
        try:
            from serialpos.services.exchanges import resume_exchange

            done = resume_exchange(self.console.database(), actor, sale, self.session.store)
        except Exception as exc:
            self.post_message(ActionFailed(describe(exc)))
            return
        said = f"back to exchange sale {done.sale.order}"
        if done.voided is not None:
            verb = "carried to new sale" if done.opened else "is on sale"
            said = (
                f"{done.voided} was voided; credit of {done.refund_note} {verb} "
                f"{done.sale.order}: add the replacement"
            )
        self.post_message(self.CreditSpent(done.sale.order, said))

    def on_returns_screen_credit_spent(self, message: CreditSpent) -> None:
        self.exchange_sale = message.order
        self.message_line.ok(
            message.said or f"credit carried to sale {message.order}: add the replacement"
        )
        self._open_exchange_sale(message.order)

    def _open_exchange_sale(self, order: str) -> None:
        from serialpos.tui.screens.sale import SaleScreen

        self.app.push_screen(SaleScreen(order))

    # -- finding -------------------------------------------------------------------------------
    @on(ScanInput.Entered, "#find")
    def submitted(self, event: ScanInput.Entered) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.show_error("type an invoice or order number, or scan a unit's serial")
            return
        self.take_scan(self.entered_scan(text))  # typed or scanned: the same keys

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        decoded = scan.decoded
        serial = decoded.serial or decoded.text
        if not serial:
            return
        view = self.view
        if view is not None and self._choose_serial(serial):
            return
        self.find(serial, serial)

    def _choose_serial(self, serial: str, *, follow: bool = True) -> bool:
        """Choose the line of this sale holding ``serial``, or say why it cannot come back.
        A unit returned from this sale and sold again since is on another sale now: with
        ``follow`` that sale is found and its line chosen (it said "line 1 … is returned:
        nothing to return", never where the unit is)."""
        view = self.view
        if view is None:
            return False
        held = [line for line in view.lines if line.serial == serial]
        if not held:
            return False
        line = next((ln for ln in held if ln.status == LineStatus.FULFILLED), None)
        if line is None:
            gone = held[-1]
            why = f"line {gone.number} ({gone.sku} {clip(serial)}) is {gone.status.value}"
            if follow and gone.status == LineStatus.RETURNED:
                self.message_line.note(f"{why} on {view.order}: finding its sale now…")
                self.found_text = serial
                self._find(serial, serial, f"{why} on {view.order}")
                return True
            self.show_error(f"{why}: nothing to return")
            return True
        self.lines.marked.add(line.line)
        self.lines.go_to(line.line)
        self.message_line.ok(f"line {line.number} chosen: {line.sku} {clip(serial)}")
        return True

    def find(self, text: str, serial: str | None) -> None:
        self.found_text = text
        self.message_line.note(f"finding {clip(text)}…")
        self._find(text, serial)

    @work(thread=True, exclusive=True, group="returns-find")
    def _find(self, text: str, serial: str | None, returned: str | None = None) -> None:
        """``returned``: the unit's line on the sale shown was returned (its words); the sale
        it is on now is looked for, and its absence said with them."""
        try:
            from serialpos.services.returns import find_sale

            view = find_sale(self.console.database(), text)
        except Exception as exc:
            why = describe(exc)
            post_read(
                self, ActionFailed(f"{returned}: nothing to return; {why}" if returned else why)
            )
            return
        # Unless another unit or number was scanned meanwhile: its sale is the one to show.
        post_read(self, self.Found(view, serial, returned))

    def on_returns_screen_found(self, message: Found) -> None:
        previous = self.view
        chosen = len(self.lines.marked)
        let_go = (
            f"{previous.order}'s {chosen} chosen line{'s' * (chosen != 1)} let go"
            if previous is not None and chosen and previous.order != message.view.order
            else ""
        )
        self.view = message.view
        self.lines.marked.clear()
        self.lines.damaged.clear()
        self.lines.show_lines(message.view.lines)
        self._head()
        view = message.view
        sold = sum(1 for line in view.lines if str(line.status.value) == "fulfilled")
        empty = nothing_to_return(
            view.order, str(view.status.value), (str(ln.status.value) for ln in view.lines)
        )
        self.lines.focus()
        note = self._found_note(view)
        if message.serial is not None and self._choose_serial(message.serial, follow=False):
            # The scanned unit's line is chosen (or why it cannot come back is said); a
            # return is of one sale, so lines chosen on the sale before are let go: said,
            # never silently (the 096 line was dropped without a word).
            if message.returned and self.lines.marked:
                self.show_warning(
                    f"{message.returned}; {clip(message.serial)} is on sale {view.order} "
                    "now: its line chosen" + (f"; {let_go}" if let_go else "")
                )
            elif let_go and self.lines.marked:
                self.show_warning(f"{view.order}: the scanned unit chosen; {let_go}")
            return
        if empty is not None:
            self.message_line.note(note + empty + (f"; {let_go}" if let_go else ""))
            return
        if let_go:
            self.show_warning(f"{note}{view.order}: {sold} sold line{'s' * (sold != 1)}; {let_go}")
            return
        self.message_line.ok(
            f"{note}{message.view.order}: {sold} sold line{'s' * (sold != 1)}; "
            "choose with Space, d for damaged"
        )

    def _found_note(self, view: OrderView) -> str:
        """``refund note RF-…: 1078.80 kept as exchange credit · ``: the sale was found by a
        refund note's number (domain/refund_note_words.py); "" otherwise."""
        asked = (self.found_text or "").strip().upper()
        note = next((n for n in view.invoices if n.upper() == asked), None)
        if note is None or not note.upper().startswith("RF-"):
            return ""
        refunds = [
            (p.method, p.amount) for p in view.payments if p.kind == "refund" and p.invoice == note
        ]
        return refund_note_words(note, refunds) + " · "

    # -- choosing and refunding ---------------------------------------------------------------
    def on_sale_lines_acted(self, message: SaleLines.Acted) -> None:
        if message.action == "mark":
            self.lines.toggle_mark()
        elif message.action == "damaged":
            self.lines.toggle_damaged()
        count = len(self.lines.marked)
        self.message_line.note(
            f"{count} line{'s' * (count != 1)} chosen"
            + (f", {len(self.lines.damaged)} damaged" if self.lines.damaged else "")
        )

    def on_sale_lines_typed(self, message: SaleLines.Typed) -> None:
        """A scan begun on the lines goes on in the find field, and its Enter ends it there
        (dropped, the second unit's serial sat in the field and the next scan was glued on)."""
        field = self.query_one("#find", ScanInput)
        field.focus()
        if message.ends:  # the Enter of a scan begun on the lines
            field.enter()
            return
        field.value += message.character
        field.cursor_position = len(field.value)

    def action_refund(self) -> None:
        if still_running(self, REFUNDING):  # the refund asked before has not answered yet
            return
        view = self.view
        if view is None:
            self.show_error("find the sale first")
            return
        chosen = sorted(self.lines.marked)
        if not chosen:
            self.show_error("choose the lines coming back (Space), d for damaged")
            return
        refused = part_without_package(
            view.order,
            {
                ln.line: SoldLine(
                    ln.line, ln.number, ln.sku, ln.package_line, ln.status == LineStatus.FULFILLED
                )
                for ln in view.lines
            },
            chosen,
        )
        if refused is not None:  # the service's own rule, said before anything is asked
            self.show_error(refused)
            return
        damaged = sorted(self.lines.damaged)
        good = [line for line in chosen if line not in self.lines.damaged]
        method = REFUND_CHOICES[self.method]
        # Asked first, with the amount, as Void does: a refund's money leaves the drawer; an
        # exchange's refund note is issued and its units come back at once (the credit goes to
        # the new sale), so a stray key must not start one either.
        question = refund_question(view, chosen, damaged, method)

        def confirmed(yes: bool | None) -> None:
            if not yes:
                self.message_line.note(
                    f"not {'exchanged' if method == 'exchange' else 'refunded'}: nothing changed"
                )
                return
            if method == "exchange":
                self.message_line.note("taking back for exchange…")
                self._exchange(self.session.actor, view.order, good, damaged)
                return
            self.message_line.note("refunding…")
            self._refund(self.session.actor, view.order, good, damaged, method)

        self.app.push_screen(Confirm(question), confirmed)

    @one_at_a_time(REFUNDING)
    def _exchange(self, actor: Actor, order: str, lines: list[int], damaged: list[int]) -> None:
        try:
            from serialpos.services.exchanges import start_exchange

            # Booked where the customer hands the units in: this console's store.
            result = start_exchange(
                self.console.database(),
                actor,
                order,
                lines=lines,
                damaged=damaged,
                store=self.session.store,
            )
        except Exception as exc:
            self.post_message(ActionFailed(describe(exc)))
            return
        self.post_message(self.Exchanged(result))

    def on_returns_screen_exchanged(self, message: Exchanged) -> None:
        result = message.result
        self.view = result.returned
        self.exchange_sale = result.sale.order
        self.lines.marked.clear()
        self.lines.damaged.clear()
        self.lines.show_lines(result.returned.lines)
        self._head()
        self.message_line.ok(
            f"exchange {result.refund_note}: credit {money(result.credit)} on sale "
            f"{result.sale.order} — add the replacement there"
        )
        self._open_exchange_sale(result.sale.order)

    @one_at_a_time(REFUNDING)
    def _refund(
        self, actor: Actor, order: str, lines: list[int], damaged: list[int], method: str
    ) -> None:
        try:
            from serialpos.services.returns import return_units

            result = return_units(
                self.console.database(),
                actor,
                order,
                lines=lines,
                damaged=damaged,
                refund_method=method,
                store=self.session.store,
            )
        except Exception as exc:
            self.post_message(ActionFailed(describe(exc)))
            return
        again = f"serialpos receipt print {order} prints it again"
        printed = counter_receipt(
            self.console, self.console.database(), result.refund_invoice, at_sale=True, again=again
        )
        self.post_message(self.Refunded(result, printed))

    def on_returns_screen_refunded(self, message: Refunded) -> None:
        result = message.result
        self.view = result.order
        self.lines.marked.clear()
        self.lines.damaged.clear()
        self.lines.show_lines(result.order.lines)
        self._head()
        units = "; ".join(
            f"{clip(serial)} → {state.replace('_', ' ')}" for serial, state in result.units
        )
        # The method the refund was made in: F4 pressed while it ran changes the next one.
        self.message_line.ok(
            f"refund {result.refund_invoice}: {money(result.amount)} {result.method}"
            + (f"; {units}" if units else "")
            + message.receipt
            + " — Re-issue: F5"
        )


def refund_question(view: OrderView, chosen: list[int], damaged: list[int], method: str) -> str:
    """The refund's (or exchange's) confirmation: how much, how, and what comes back (to stock
    or damaged)."""
    lines = [line for line in view.lines if line.line in chosen]
    amount = sum((line.total for line in lines), Decimal("0"))
    what = ", ".join(
        f"{visible(line.sku)} {clip(line.serial)}" if line.serial else visible(line.sku)
        for line in lines
    )
    broken = f"; {len(damaged)} damaged, written off" if damaged else ""
    count = len(lines)
    if method == "exchange":
        return (
            f"Take back {count} line{'s' * (count != 1)} ({what}){broken} for exchange: "
            f"{money(amount)} credit on a new sale?"
        )
    return (
        f"Refund {money(amount)} {method} to the customer for {count} "
        f"line{'s' * (count != 1)} ({what}){broken}?"
    )
