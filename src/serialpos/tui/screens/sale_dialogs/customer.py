"""The customer of an order, found or created: type part of a name, phone, email or address
and Enter lists the customer records that hold it (with what the highlighted one bought,
serials included); Enter on one attaches it. "New customer" opens the fields (name, phone,
email, address) and creates the record. Everything a record holds is shown as plain text:
``[bold]`` in a name is never read as markup; control characters are refused by the service.

It calls the customer service itself, on a thread worker, because a search or a refused record
keeps it open (like serial entry).

While the list of customers found has the focus its keys pass the yes/no questions' gate
(:mod:`~serialpos.tui.screens.answer_dialog`): a scan made then attached the highlighted
customer to the order by its Enter. The scan is refused and named on the dialog's message
line; a person's arrows and Enter pick as before. The fields are
:class:`~serialpos.tui.widgets.text_field.TextField` and refuse a scan themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from serialpos.domain.text import clip, visible
from serialpos.tui.backend import one_at_a_time, post_read
from serialpos.tui.screens.answer_dialog import GatedDialog
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.text_field import TextField

if TYPE_CHECKING:
    from textual import events

    from serialpos.devices.answer_gate import Verdict
    from serialpos.services.customers import CustomerCard, CustomerView

NEW = "new-customer"


def customer_prompt(c: CustomerView) -> Text:
    details = " · ".join(visible(v) for v in (c.phone, c.email) if v)
    return Text(f"{visible(c.name)}" + (f" · {details}" if details else ""))


def bought_text(card: CustomerCard) -> Text:
    """What the customer bought, newest first, serials included; plain text."""
    if not card.bought:
        return Text(f"{visible(card.customer.name)}: nothing bought yet")
    lines = [
        f"{visible(b.invoice or b.order)} {visible(b.sku)}"
        + (f" S/N {visible(b.serial)}" if b.serial else "")
        + (" (returned)" if b.status == "returned" else "")
        for b in card.bought[:20]
    ]
    return Text("Bought: " + "; ".join(lines))


class CustomerDialog(GatedDialog["int | None"], ConsoleScreen):  # type: ignore[misc]
    """Find a customer record or create one; returns its id, or None (Esc)."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Find/Pick/Save"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    FIELDS = ("customer-name", "customer-phone", "customer-email", "customer-address")
    ANSWER_LETTERS = ""
    AGAIN = "Press Enter again to pick the highlighted customer, Esc to cancel"

    @dataclass
    class Found(Message):
        """A search answered."""

        customers: tuple[CustomerView, ...]
        more: bool

    @dataclass
    class Card(Message):
        """What the highlighted customer bought."""

        card: CustomerCard

    @dataclass
    class Saved(Message):
        """A new record was made."""

        customer: int

    @dataclass
    class Failed(Message):
        """The service refused (the sentence to show)."""

        message: str

    def __init__(self, now: str = "") -> None:
        super().__init__(self._picked)
        self.now = now  # the order's customer now, named in the title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="customer-dialog"):
            title = f"Customer (now: {visible(self.now)})" if self.now else "Customer"
            yield Static(Text(title), classes="dialog-title", markup=False)
            yield TextField(
                id="customer-find", placeholder="name, phone, email or address", what="customer"
            )
            yield OptionList(id="customer-found")
            yield Static("", id="customer-bought", markup=False)
            with Vertical(id="customer-new"):
                for field, hint in zip(
                    self.FIELDS, ("name", "phone", "email", "address"), strict=True
                ):
                    yield TextField(id=field, placeholder=hint, what=hint, max_length=200)
            yield MessageLine(id="customer-message")
            yield KeyFooter()

    @property
    def message_line(self) -> MessageLine:
        return self.query_one("#customer-message", MessageLine)

    def on_mount(self) -> None:
        self.query_one("#customer-found").display = False
        self.query_one("#customer-bought").display = False
        self.query_one("#customer-new").display = False
        self.query_one("#customer-find", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    # -- a scan while the list has the focus ------------------------------------------------
    def gate_key(self, event: events.Key) -> bool:
        """Only the list's keys pass the gate: the fields refuse scans themselves."""
        if not self.holding and not isinstance(self.focused, OptionList):
            return False
        return super().gate_key(event)

    def say_refused(self, said: str) -> None:
        self.message_line.error(said)

    def _picked(self, verdict: Verdict) -> None:
        """A person's Enter on the list (the gate took it): the highlighted customer."""
        listed = self.query_one("#customer-found", OptionList)
        if listed.highlighted is not None:
            self._choose(listed.get_option_at_index(listed.highlighted).id)

    # -- finding -----------------------------------------------------------------------------
    @on(Input.Submitted, "#customer-find")
    def find_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        query = event.value.strip()
        if not query:
            self.show_error("type part of a name, phone, email or address, then Enter")
            return
        self.message_line.note("finding…")
        self.find(query)

    @work(thread=True, group="customer-find", exclusive=True)
    def find(self, query: str) -> None:
        try:
            from serialpos.services.customers import find_customers

            found = find_customers(self.console.database(), self.session.actor, query)
        except Exception as exc:
            post_read(self, self.Failed(self._said(exc)))
            return
        post_read(self, self.Found(found.customers, found.more))  # unless searched again

    def on_customer_dialog_found(self, message: Found) -> None:
        listed = self.query_one("#customer-found", OptionList)
        listed.clear_options()
        listed.add_options([Option(customer_prompt(c), id=str(c.id)) for c in message.customers])
        typed = clip(self.query_one("#customer-find", Input).value.strip())
        listed.add_option(Option(Text(f"+ new customer {typed}"), id=NEW))
        listed.display = True
        count = len(message.customers)
        more = " (more: type more)" if message.more else ""
        self.message_line.note(
            f"{count} found{more}: Enter picks" if count else "no customer matches: Enter adds one"
        )
        listed.highlighted = 0
        listed.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        chosen = event.option.id
        bought = self.query_one("#customer-bought", Static)
        if chosen is None or chosen == NEW:
            bought.display = False
            return
        self.load_card(int(chosen))

    @work(thread=True, group="customer-card", exclusive=True)
    def load_card(self, customer: int) -> None:
        try:
            from serialpos.services.customers import show_customer

            card = show_customer(self.console.database(), self.session.actor, customer)
        except Exception as exc:
            post_read(self, self.Failed(self._said(exc)))
            return
        # Unless the highlight moved on meanwhile: that customer's card is the one to show.
        post_read(self, self.Card(card))

    def on_customer_dialog_card(self, message: Card) -> None:
        bought = self.query_one("#customer-bought", Static)
        bought.update(bought_text(message.card))
        bought.display = True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a click: a person's
        self._choose(event.option.id)

    def _choose(self, chosen: str | None) -> None:
        if chosen == NEW:
            self.open_new()
        elif chosen is not None:
            self.dismiss(int(chosen))

    # -- creating ----------------------------------------------------------------------------
    def open_new(self) -> None:
        typed = self.query_one("#customer-find", Input).value.strip()
        self.query_one("#customer-found").display = False
        self.query_one("#customer-bought").display = False
        self.query_one("#customer-new").display = True
        name = self.query_one(f"#{self.FIELDS[0]}", Input)
        if not name.value and not any(c.isdigit() for c in typed) and "@" not in typed:
            name.value = typed
        self.message_line.note("new customer: name, phone, email, address; Enter on the last saves")
        name.focus()

    @on(Input.Submitted, "#customer-new Input")
    def field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.FIELDS.index(str(event.input.id))
        if index + 1 < len(self.FIELDS):
            self.query_one(f"#{self.FIELDS[index + 1]}", Input).focus()
            return
        values = [self.query_one(f"#{f}", Input).value for f in self.FIELDS]
        self.message_line.note("saving…")
        self.save(*values)

    @one_at_a_time("customer-save")
    def save(self, name: str, phone: str, email: str, address: str) -> None:
        try:
            from serialpos.domain.customers import CustomerFields
            from serialpos.services.customers import add_customer

            made = add_customer(
                self.console.database(),
                self.session.actor,
                CustomerFields(name, phone, email, address),
            )
        except Exception as exc:
            self.post_message(self.Failed(self._said(exc)))
            return
        self.post_message(self.Saved(made.id))

    def on_customer_dialog_saved(self, message: Saved) -> None:
        self.dismiss(message.customer)

    def on_customer_dialog_failed(self, message: Failed) -> None:
        self.show_error(message.message)

    @staticmethod
    def _said(exc: Exception) -> str:
        from serialpos.tui.backend import describe

        return describe(exc)
