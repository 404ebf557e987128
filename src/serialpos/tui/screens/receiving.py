"""The Receiving menu: the open ASNs of this store to pick from, and "Blind receipt" for goods
that came without one. Either opens the one receiving checklist
(:class:`~serialpos.tui.screens.checklist.ChecklistScreen`).

A blind receipt asks for the vendor and the delivery's reference first. A blind receipt left
unfinished (the console closed or its SSH session dropped) is listed as "Resume": its draft
is replayed through the same checks. An ASN can also be opened by scanning its id here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from serialpos.domain.text import clip, visible
from serialpos.tui.backend import describe, one_at_a_time, post_read
from serialpos.tui.keymap import keys
from serialpos.tui.messages import ActionFailed
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.screens.closes_once import ClosesOnce
from serialpos.tui.widgets.code_field import CodeField
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from collections.abc import Callable

    from serialpos.db.engine import Database
    from serialpos.services.blind_receiving import BlindDraft
    from serialpos.services.context import Actor
    from serialpos.services.receiving import ReceivingSession
    from serialpos.tui.messages import ScanRead

BLIND = "blind"
DRAFT = "draft:"


def drafts_folder() -> Path:
    """Where unfinished blind receipts keep their drafts: this user's data directory."""
    from serialpos.config import data_dir

    return data_dir() / "blind-drafts"


@dataclass(frozen=True)
class AsnChoice:
    """An open ASN as the menu lists it."""

    asn: str
    vendor: str
    lines: int
    units: int


def asn_label(choice: AsnChoice, width: int) -> Text:
    """``ASN-7  Acme  3 lines  40 units``; narrow terminals drop the word "lines"."""
    counts = (
        f"{choice.lines} ln {choice.units} u"
        if width < 60
        else f"{choice.lines} lines  {choice.units} units"
    )
    room = max(width - 4 - len(counts) - 2, 8)
    head = visible(f"{choice.asn}  {choice.vendor}")
    if len(head) > room:
        head = head[: room - 1] + "…"
    return Text(f"{head:<{room}}  {counts}")


def open_asns(db: Database, store: str) -> list[AsnChoice]:
    """The ASNs of ``store`` still to receive, newest first."""
    from serialpos.services.asn import list_asns

    return [
        AsnChoice(s.asn, s.vendor, s.lines, s.units) for s in list_asns(db, store, status="open")
    ]


def open_asn_session(
    db: Database, actor: Actor, asn: str, store: str, outbox: Path
) -> ReceivingSession:
    from serialpos.services.asn import open_asn

    return open_asn(db, actor, asn, store, outbox)


def draft_label(draft: BlindDraft, width: int) -> Text:
    """``↺ Resume Blind receipt PS-1 from Acme · 3 units``; on a narrow terminal
    ``↺ PS-1 Acme  3 u`` (the ↺ and the menu's note say it is a receipt to resume)."""
    if width < 60:
        units = f"{draft.units} u"
        head = visible(f"↺ {draft.reference + ' ' if draft.reference else ''}{draft.vendor}")
    else:
        units = f"{draft.units} unit{'s' if draft.units != 1 else ''}"
        head = visible(f"↺ Resume {draft.title}")
    room = max(width - 4 - len(units) - 2, 8)
    if len(head) > room:
        head = head[: room - 1] + "…"
    return Text(f"{head:<{room}}  {units}")


class BlindReceiptDialog(ClosesOnce[tuple[str, str] | None]):
    """Vendor and reference of a blind receipt, typed or scanned; Enter goes on, Escape cancels.

    A scan (a vendor's code label, the packing slip's barcode) fills the field it is read in
    once services/scanned_codes.py has judged it a code, not a unit's serial, a product's
    barcode or a case's label; the vendor's scan moves on to the reference. Scans are judged
    one at a time, in the order read, so a burst fills vendor then reference. The receipt
    starts only on a person's Enter (a scan's Enter never reaches the fields): a new unit's
    serial scanned here cannot be told from a code, and the person sees it in the field."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Next/Start"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    FIELDS = ("vendor", "reference")
    # A refusal names the scan and what it is: the dialog has rows to spare for it (the
    # line's four on a handheld cut its last words).
    DEFAULT_CSS = """
    BlindReceiptDialog MessageLine { max-height: 7; }
    """
    #: A scan slowed by the link (jitter over SSH) reaches the form in pieces: the keyboard
    #: wedge lets each piece in as pasted text and, when the closing burst follows, takes it
    #: out and hands the whole scan on (tui/scanners.py), to be judged as any scan.
    TAKES_PASTED_TEXT: ClassVar[bool] = True

    @dataclass
    class Judged(Message):
        """What the service said of a scan read in the field ``field_id``."""

        field_id: str
        raw: str
        code: str | None  # the code taken, or None when refused
        refusal: str = ""

    def __init__(self, database: Callable[[], Database]) -> None:
        super().__init__()
        self.database = database
        self._scans: list[str] = []  # read, not judged yet, oldest first
        self._judging = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Blind receipt (no ASN)", classes="dialog-title", markup=False)
            yield CodeField(id="vendor", placeholder="vendor", what="vendor", max_length=100)
            yield CodeField(
                id="reference",
                placeholder="reference (packing slip), optional",
                what="reference",
                max_length=64,
            )
            yield MessageLine(id="blind-message")
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#vendor", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_code_field_scanned(self, message: CodeField.Scanned) -> None:
        message.stop()
        self._scans.append(message.raw)
        self._judge_next()

    def _judge_next(self) -> None:
        """Judge the oldest scan not judged yet, for the field in focus (the vendor's scan,
        taken, moved the focus on: the next scan of a burst is the reference's)."""
        if self._judging or not self._scans or self.closed:
            return
        raw = self._scans.pop(0)
        focused = self.focused
        field = focused if isinstance(focused, CodeField) else self.query_one("#vendor", CodeField)
        given = field.value.strip()
        if given:
            field.refuse_code(
                raw,
                f"{clip(visible(raw), 24)} was scanned, not used: the {field.what} is given "
                f"('{clip(visible(given), 24)}'); Enter to go on, or clear it first",
            )
            self._judge_next()
            return
        self._judging = True
        self._judge(field.id or "vendor", field.what, raw)

    @work(thread=True, group="blind-code")
    def _judge(self, field_id: str, what: str, raw: str) -> None:
        from serialpos.domain.errors import DomainError
        from serialpos.services.blind_receiving import MAX_REFERENCE, MAX_VENDOR
        from serialpos.services.scanned_codes import scanned_code

        limit = MAX_VENDOR if field_id == "vendor" else MAX_REFERENCE
        try:
            code = scanned_code(self.database(), raw, what, limit)
        except DomainError as exc:
            self.post_message(self.Judged(field_id, raw, None, exc.message))
            return
        except Exception as exc:
            self.post_message(self.Judged(field_id, raw, None, describe(exc)))
            return
        self.post_message(self.Judged(field_id, raw, code))

    def on_blind_receipt_dialog_judged(self, message: Judged) -> None:
        self._judging = False
        field = self.query_one(f"#{message.field_id}", CodeField)
        line = self.query_one("#blind-message", MessageLine)
        if message.code is None:
            field.refuse_code(message.raw, message.refusal)
        else:
            field.value = message.code
            field.cursor_position = len(message.code)
            field.scans_refused.clear()
            shown = clip(visible(message.code), 24)
            if message.field_id == "vendor":
                self.query_one("#reference", Input).focus()
                line.ok(f"vendor {shown} scanned; the reference (optional), then Enter")
            else:
                line.ok(f"reference {shown} scanned; Enter to start the receipt")
        self._judge_next()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        vendor = self.query_one("#vendor", Input).value.strip()
        if not vendor:
            self.query_one("#blind-message", MessageLine).error("the vendor is needed")
            self.app.bell()
            self.query_one("#vendor", Input).focus()
            return
        if event.input.id == "vendor":
            self.query_one("#reference", Input).focus()
            return
        self.dismiss((vendor, self.query_one("#reference", Input).value.strip()))


class ReceivingScreen(ConsoleScreen):
    """Pick an open ASN, or start a blind receipt."""

    DEFAULT_CSS = """
    ReceivingScreen #asns { height: 1fr; border: none; }
    """
    TAKES_SCANS: ClassVar[bool] = True
    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Open"),)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f3", "blind", "Blind receipt"),
        Binding("b", "blind", "Blind receipt", show=False),
        Binding(keys("f5", "reload"), "reload", "Reload"),
    ]

    @dataclass
    class Listed(Message):
        asns: list[AsnChoice]
        drafts: list[BlindDraft]

    @dataclass
    class Opened(Message):
        session: ReceivingSession
        notice: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.asns: list[AsnChoice] = []
        self.drafts: list[BlindDraft] = []

    def compose(self) -> ComposeResult:
        yield StatusLine("Receiving", self.session)
        yield OptionList(id="asns")
        yield MessageLine(id="message")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._fill()
        self.query_one(OptionList).focus()
        self.action_reload()

    def _fill(self) -> None:
        options = self.query_one(OptionList)
        width = self.app.size.width
        options.clear_options()
        options.add_option(Option(Text("b  Blind receipt (no ASN)"), id=BLIND))
        for index, draft in enumerate(self.drafts):
            options.add_option(Option(draft_label(draft, width), id=f"{DRAFT}{index}"))
        for choice in self.asns:
            options.add_option(Option(asn_label(choice, width), id=f"asn:{choice.asn}"))
        options.highlighted = 0

    def action_back(self) -> None:
        self.dismiss()

    def action_reload(self) -> None:
        self.message_line.note("looking for open ASNs…")
        self._load(self.session.store)

    @work(thread=True, exclusive=True, group="receiving-list")
    def _load(self, store: str) -> None:
        try:
            from serialpos.services.blind_receiving import blind_drafts
            from serialpos.services.database_identity import database_identity

            db = self.console.database()
            asns = open_asns(db, store)
            drafts = blind_drafts(drafts_folder(), store, database_identity(db, store))
        except Exception as exc:
            post_read(self, ActionFailed(describe(exc)))
            return
        # Unless read again meanwhile (a checklist closed): this list may be the older one.
        post_read(self, self.Listed(asns, drafts))

    def on_receiving_screen_listed(self, message: Listed) -> None:
        self.asns = message.asns
        self.drafts = message.drafts
        self._fill()
        count = len(message.asns)
        words = (
            f"{count} open ASN{'s' if count != 1 else ''} at {self.session.store}"
            if count
            else f"no open ASN at {self.session.store}: b for a blind receipt"
        )
        if message.drafts:
            unfinished = len(message.drafts)
            words += (
                f"; {unfinished} unfinished blind receipt{'s' if unfinished != 1 else ''} to resume"
            )
        self.message_line.note(words)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = event.option.id or ""
        if key == BLIND:
            self.action_blind()
        elif key.startswith(DRAFT):
            self.resume(self.drafts[int(key[len(DRAFT) :])])
        elif key.startswith("asn:"):
            self.open_asn(key[4:])

    # -- opening -------------------------------------------------------------------------------
    def action_blind(self) -> None:
        def entered(answer: tuple[str, str] | None) -> None:
            self.query_one(OptionList).focus()
            if answer is None:
                return
            vendor, reference = answer
            self.message_line.note("starting the blind receipt…")
            self._open_blind(vendor, reference)

        self.app.push_screen(BlindReceiptDialog(self.console.database), entered)

    @one_at_a_time("receiving-open")
    def _open_blind(self, vendor: str, reference: str) -> None:
        try:
            from serialpos.services.blind_receiving import open_blind_receipt

            session = open_blind_receipt(
                self.console.database(),
                self.session.actor,
                self.session.store,
                vendor,
                reference or None,
                self.console.terminal_config().resolved_outbox(),
                drafts_folder(),
            )
        except Exception as exc:
            self.post_message(ActionFailed(describe(exc)))
            return
        self.post_message(self.Opened(session))

    def resume(self, draft: BlindDraft) -> None:
        self.message_line.note(f"resuming {draft.title}…")
        self._resume(draft.path)

    @one_at_a_time("receiving-open")
    def _resume(self, path: Path) -> None:
        try:
            from serialpos.services.blind_receiving import resume_blind_receipt

            session, left_out = resume_blind_receipt(
                self.console.database(),
                self.session.actor,
                path,
                self.console.terminal_config().resolved_outbox(),
            )
        except Exception as exc:
            self.post_message(ActionFailed(describe(exc)))
            return
        notice = ""
        if left_out:
            notice = (
                f"resumed; {len(left_out)} change{'s' if len(left_out) != 1 else ''} "
                f"left out, refused now: {'; '.join(left_out)}"
            )
        self.post_message(self.Opened(session, notice))

    def open_asn(self, asn: str) -> None:
        self.message_line.note(f"opening ASN {clip(asn)}…")
        self._open_asn(asn)

    @one_at_a_time("receiving-open")
    def _open_asn(self, asn: str) -> None:
        try:
            session = open_asn_session(
                self.console.database(),
                self.session.actor,
                asn,
                self.session.store,
                self.console.terminal_config().resolved_outbox(),
            )
        except Exception as exc:
            self.post_message(ActionFailed(describe(exc)))
            return
        self.post_message(self.Opened(session))

    def on_receiving_screen_opened(self, message: Opened) -> None:
        from serialpos.tui.screens.checklist import ChecklistScreen

        self.message_line.clear()

        def closed(_: None) -> None:
            self.action_reload()  # a completed ASN leaves the list

        self.app.push_screen(ChecklistScreen(message.session, message.notice), closed)

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        text = (scan.decoded.text or str(scan.raw)).strip()
        if any(choice.asn == text for choice in self.asns):
            self.open_asn(text)
        else:
            self.show_error(f"no open ASN '{clip(text)}' at {self.session.store}")
