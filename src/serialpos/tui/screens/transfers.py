"""Store-to-store transfers in the console.

**The list** shows this store's transfers: going out (open: being picked; shipped: in transit)
and coming in (shipped here, or received with units still in transit). Enter on one (or type
or scan its number) opens it: an open one to pick, an incoming one to receive on the same
checklist as an ASN (one received already, its units still in transit: the rest, and the
message line says so when the list shows one). New (F5/^N) asks for the store it goes to;
Cancel (F8) drops an open one that will not ship (nothing on it left the store).

**Picking** is the scan-out loop: each unit scanned is put on the transfer at once (it stays in
stock here until shipped, so Take off removes it again); Ship (F10/^F) asks, then puts every
unit in transit and writes the shipment's event file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static

from serialpos.domain.text import clip
from serialpos.tui.backend import describe, one_at_a_time, post_read, still_running
from serialpos.tui.keymap import keys
from serialpos.tui.messages import ActionFailed
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.screens.scan_out import ScanOutScreen
from serialpos.tui.screens.scan_out_entries import Entry, units
from serialpos.tui.widgets.count_list import CountList
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.scan_input import ScanInput
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.services.outgoing import PickedUnit, StockProduct
    from serialpos.services.receiving import ReceivingSession
    from serialpos.services.transfers import TransferSummary, TransferView
    from serialpos.tui.messages import ScanRead


#: A transfer started or cancelled here, one at a time (tui/backend.one_at_a_time); the
#: group of the transfer reads that it outdates.
WRITING = "transfers-open"


def summary_row(item: TransferSummary, here: str, width: int) -> str:
    if item.from_store == here:
        where = f"→ {item.to_store}"
        what = (
            f"open, {units(item.units)}"
            if item.status == "open"
            else "refused at central (see Conflicts)"
            if item.status == "refused"
            else f"{item.in_transit} in transit"
        )
    else:
        where = f"← {item.from_store}"
        what = (
            f"{item.in_transit} in transit"
            if item.status == "shipped"
            else f"{item.in_transit} left in transit"
        )  # received; some never arrived
    return f"{item.number} {where} {what}"


class TransfersScreen(ConsoleScreen):
    """This store's transfers, out and in."""

    DEFAULT_CSS = """
    TransfersScreen #transfers-head { height: 1; padding: 0 1; }
    """
    TAKES_SCANS: ClassVar[bool] = True
    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Open"), ("↓", "List"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding(keys("f5", "new"), "new", "New"),
        Binding("f8", "cancel_selected", "Cancel"),
        Binding("down", "list", "List", show=False),
        Binding("enter", "open_selected", "Open", show=False),
    ]

    @dataclass
    class Listed(Message):
        """The store's transfers were read."""

        items: list[TransferSummary]

    @dataclass
    class Opened(Message):
        """A transfer to pick (``view``) or to receive (``session``) was opened."""

        view: TransferView | None = None
        session: ReceivingSession | None = None
        note: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[TransferSummary] = []
        self.asking_store = False

    def compose(self) -> ComposeResult:
        yield StatusLine("Transfers", self.session)
        yield Static("", id="transfers-head", markup=False)
        yield ScanInput(id="find", placeholder=self._placeholder())
        yield MessageLine(id="message")
        yield CountList(id="transfers")
        yield KeyFooter()

    def _placeholder(self) -> str:
        if self.asking_store:
            return "new transfer to which store? code, Enter"
        return "transfer number (type or scan), Enter"

    @property
    def here(self) -> str:
        return self.session.store

    @property
    def find_field(self) -> Input:
        return self.query_one("#find", Input)

    @property
    def listing(self) -> CountList:
        return self.query_one("#transfers", CountList)

    def on_mount(self) -> None:
        self.listing.show(
            "Transfers", [], lambda item, width: str(item), empty="no transfers: F5/^N starts one"
        )
        self.find_field.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load(self.here)

    @work(thread=True, exclusive=True, group="transfers-list")
    def _load(self, store: str) -> None:
        try:
            from serialpos.services.transfers import list_transfers

            db = self.console.database()
            items = list_transfers(db, store, incoming=False) + list_transfers(
                db, store, incoming=True
            )
        except Exception as exc:
            post_read(self, ActionFailed(describe(exc)))
            return
        # Unless a newer read started (the cancel's, after the one the closing question
        # started): this one's list may be older, and posted after it, it painted the
        # transfer open.
        post_read(self, self.Listed(items))

    def on_transfers_screen_listed(self, message: Listed) -> None:
        self.items = message.items
        out = sum(1 for i in self.items if i.from_store == self.here)
        self.query_one("#transfers-head", Static).update(
            Text(
                f"{self.here}: {out} going out, {len(self.items) - out} coming in",
                no_wrap=True,
                overflow="ellipsis",
            )
        )
        here = self.here
        self.listing.show(
            f"Transfers at {here}",
            self.items,
            lambda item, width: summary_row(item, here, width),
            empty="no transfers: F5/^N starts one",
        )
        left = [i for i in self.items if i.to_store == here and i.status == "received"]
        left = [i for i in left if i.in_transit]
        if left and not self.asking_store and not self.message_line.text:  # nothing said
            first = left[0]
            more = f" (and {len(left) - 1} more)" if len(left) > 1 else ""
            self.message_line.note(
                f"{first.number}{more}: {units(first.in_transit)} left in transit; "
                "↓ to it and Enter (or type its number) receives the rest"
            )

    # -- keys --------------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.asking_store:
            self.asking_store = False
            self.find_field.placeholder = self._placeholder()
            self.message_line.clear()
            return
        if self.listing.has_focus:
            self.find_field.focus()
            return
        self.dismiss()

    def action_list(self) -> None:
        if self.listing.has_focus:
            self.listing.action_move(1)
        else:
            self.listing.focus()

    def action_new(self) -> None:
        self.asking_store = True
        self.find_field.placeholder = self._placeholder()
        self.find_field.focus()
        self.message_line.note("type the code of the store it goes to, Enter (Esc: not now)")

    def action_open_selected(self) -> None:
        if not self.items:
            self.show_error("no transfer to open: F5/^N starts one")
            return
        item = self.items[min(self.listing.cursor, len(self.items) - 1)]
        self.open_number(item.number)

    def action_cancel_selected(self) -> None:
        """Drop the selected open outgoing transfer (asked first); its units stay here."""
        if still_running(self, WRITING):  # a transfer started or cancelled is on its way
            return
        here = self.here
        chosen = self.items[min(self.listing.cursor, len(self.items) - 1)] if self.items else None
        if chosen is None or chosen.from_store != here or chosen.status != "open":
            self.show_error("choose an open transfer going out in the list (↓) to cancel it")
            return
        number = chosen.number
        from serialpos.tui.screens.serial_mode import Confirm

        def answered(yes: bool | None) -> None:
            if yes:
                self._cancel(number)
            else:
                self.message_line.note(f"{number} left as it was")

        self.app.push_screen(
            Confirm(
                f"Cancel {number} to {chosen.to_store}? Its "
                f"{units(chosen.units)} stay in stock here."
            ),
            answered,
        )

    @one_at_a_time(WRITING)
    def _cancel(self, number: str) -> None:
        try:
            from serialpos.services.transfers import cancel_transfer

            count = cancel_transfer(self.console.database(), self.session.actor, number, self.here)
        except Exception as exc:
            self.post_message(ActionFailed(describe(exc)))
            return
        self.post_message(
            self.Opened(note=f"cancelled {number}: its {units(count)} stay in stock here")
        )
        self.app.call_from_thread(self.reload)

    @on(ScanInput.Entered, "#find")
    def submitted(self, event: ScanInput.Entered) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.show_error(
                "type a store code"
                if self.asking_store
                else "type or scan a transfer number, or F5/^N for a new one"
            )
            return
        if self.asking_store:
            self.asking_store = False
            self.find_field.placeholder = self._placeholder()
            self.message_line.note(f"starting a transfer to {clip(text)}…")
            self._create(text)
        else:
            self.take_scan(self.entered_scan(text))  # typed or scanned: the same keys

    @property
    def REFUSES_SCANS(self) -> bool:
        """While the new transfer's store is asked for, the field takes a typed code: a wedge
        scan is told from typing (tui/scanners.py) and refused, never sent as a store."""
        return getattr(self, "asking_store", False)

    def take_scan(self, scan: ScanRead) -> None:
        if self.asking_store:  # a scan (any scanner) is never the store a transfer goes to
            self.show_error(f"{clip(scan.raw)} not taken: type the store's code, Enter")
            return
        if self.refuse_unreadable(scan):
            return
        self.open_number(scan.decoded.text or str(scan.raw))

    def open_number(self, number: str) -> None:
        self.message_line.note(f"opening {clip(number)}…")
        self._open(number)

    @one_at_a_time(WRITING)
    def _create(self, to_store: str) -> None:
        try:
            from serialpos.services.transfers import create_transfer

            view = create_transfer(
                self.console.database(), self.session.actor, self.here, to_store.upper()
            )
        except Exception as exc:
            self.post_message(ActionFailed(describe(exc)))
            return
        self.post_message(self.Opened(view=view))

    @work(thread=True, exclusive=True, group="transfers-open")
    def _open(self, number: str) -> None:
        """Read the transfer and open it as this store may: picked, received, or said. Only
        reads: a number typed or scanned again meanwhile opens that one alone (post_read)."""
        from serialpos.services import transfers

        answer: Message
        try:
            db = self.console.database()
            view = transfers.get_transfer(db, number)
            if view.from_store == self.here and view.status == "open":
                answer = self.Opened(view=view)
            elif view.to_store == self.here and (
                view.status == "shipped" or (view.status == "received" and view.in_transit)
            ):  # shipped here, or received with units still in transit: receive them now
                outbox = self.console.terminal_config().resolved_outbox()
                session = transfers.TransferReceiving(
                    db, self.session.actor, self.here, view.number, outbox
                )
                answer = self.Opened(session=session)
            else:
                answer = self.Opened(note=describe_transfer(view, self.here))
        except transfers.UnknownTransfer as exc:
            # At a till, a transfer shipped here arrives with the sync: it may be on its way.
            answer = ActionFailed(
                # Short enough for a handheld's message rows (40x16 cut the advice).
                f"{exc.message}; just shipped here? sync, then open it again"
            )
        except Exception as exc:
            answer = ActionFailed(describe(exc))
        post_read(self, answer)

    def on_transfers_screen_opened(self, message: Opened) -> None:
        if message.view is not None:
            self.message_line.clear()
            self.app.push_screen(TransferPickScreen(message.view))
        elif message.session is not None:
            from serialpos.tui.screens.checklist import ChecklistScreen

            self.message_line.clear()
            self.app.push_screen(ChecklistScreen(message.session))
        else:
            self.message_line.note(message.note)


def describe_transfer(view: TransferView, here: str) -> str:
    """A sentence for a transfer that is neither picked nor received here now."""
    if view.status == "open":
        return f"{view.number} is being picked at {view.from_store}: not shipped yet"
    if view.status == "refused" and view.to_store == here:
        return (
            f"{view.number}: central did not take the receipt made here; its units are "
            "where central has them: see Conflicts"
        )
    if view.status == "refused":
        return (
            f"{view.number}: central did not take this shipment (a unit had moved); "
            "nothing is in transit, its units are where central has them: see Conflicts"
        )
    left = [f"{ln.sku} {s}" for ln in view.lines for s in ln.outstanding_serials]
    counted = sum(ln.outstanding for ln in view.lines) - len(left)
    if view.status == "shipped":
        words = f"{view.number} shipped to {view.to_store}: {units(view.in_transit)} in transit"
    else:
        words = f"{view.number} received at {view.to_store}"
        if not view.in_transit:
            return words + ": every unit arrived"
        words += f"; {units(view.in_transit)} still in transit"
    if left:
        shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
        words += f" ({shown}{f', {counted} counted' if counted else ''})"
    return words


class TransferPickScreen(ScanOutScreen):
    """Scan units onto an open transfer, then ship it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding(keys("f10", "finish"), "finish", "Ship")]
    KEEPS_SCANS: ClassVar[bool] = True  # every scan is on the transfer at once

    def __init__(self, view: TransferView) -> None:
        super().__init__()
        self.number = view.number
        self.to_store = view.to_store
        for line in view.lines:
            for serial in line.serials:
                self.entries.append(Entry(line.sku, serial))
                self.keys.add((line.sku, serial))
            if line.quantity > len(line.serials):
                self.quantities[(line.sku, -1)] = line.quantity - len(line.serials)

    @property
    def title_text(self) -> str:
        return f"Transfer {self.number}"

    def head_words(self) -> str:
        return f"{self.number} → {self.to_store}"

    def store_units(
        self,
        db: Database,
        sku: str | None,
        serials: list[str],
        labelled: bool = False,
        run_on: tuple[str, str] | None = None,  # a transfer moves units the ledger knows
    ) -> tuple[list[PickedUnit], list[str]]:
        from serialpos.domain.errors import DomainError
        from serialpos.services.transfers import add_units

        try:
            done = add_units(
                db, self.session.actor, self.number, self.store, sku, serials, labelled=labelled
            )
        except DomainError as exc:
            if len(serials) == 1:
                raise
            exc.message = (
                f"the list was refused whole ({len(serials)} serials): "
                f"{exc.message}. Nothing from it was added"
            )
            raise
        return list(done.added), list(done.repeated)

    def unstore_units(self, db: Database, entries: list[Entry]) -> None:
        from serialpos.services.transfers import remove_units

        by_sku: dict[str, list[str]] = {}
        for entry in entries:
            by_sku.setdefault(entry.sku, []).append(entry.serial)
        for sku, serials in by_sku.items():
            remove_units(db, self.session.actor, self.number, self.store, sku, serials)

    def store_quantity(self, db: Database, product: StockProduct, change: int) -> None:
        from serialpos.services.transfers import set_quantity

        set_quantity(db, self.session.actor, self.number, self.store, product.sku, change)
        key = (product.sku, -1)
        self.quantities[key] = self.quantities.get(key, 0) + change

    def finish_question(self) -> str | None:
        return (
            f"Ship {self.number} to {self.to_store}: {units(self.counted())}? They go "
            "in transit now."
        )

    def finish_job(self, db: Database) -> ScanOutScreen.Finished:
        from serialpos.services.transfers import ship

        outbox = self.console.terminal_config().resolved_outbox()
        result = ship(db, self.session.actor, self.number, self.store, outbox)
        return self.Finished(
            result.transfer.number,
            f"shipped {result.transfer.number}: "
            f"{units(result.transfer.in_transit)} in transit to "
            f"{self.to_store}",
            result.files.message,
        )
