"""Refusals a burst of scans leaves behind: kept on the message line until a person has seen
them, listed by F7, and the bell per refusal.

A scanner sends its scans faster than anyone reads (``A\\rB\\rC\\r`` is one burst), and a
handheld's user looks at the goods, not at the screen. The message line showed only the
latest answer, so a refused scan in the middle of a burst (a serial not on the ASN, another
product's serial, a bad format) was gone by the time anyone looked. So a scan's refusal, and
any other answer said with the bell (a repeat, an over-scan), is *kept*:

* the message line keeps saying every kept refusal, the newest scan's outcome first: a good
  scan landing after them leads the line and the refusals follow it (``✓ B · before it: ✗
  A``), a new refusal leads the ones before it (newest first). The latest answer came last
  (``✗ A · then ✓ B``): on a handheld's rows a person read the old refusal first, and the
  last scan's answer came after it, or was cut;
* F7 (shown in the footer while something is kept) lists them whole, one per entry; closing
  the list marks them seen. An empty Enter in the scan field marks them seen too (a scanner
  never sends an empty scan: it is a person's key);
* a single refusal with nothing after it reads exactly as before.

The F7 list's keys pass the yes/no questions' gate (:mod:`~serialpos.tui.screens.answer_dialog`):
a scan's Enter closed it, marking everything seen, and the scan itself was lost. A scan made
while it is up is refused, named in the list, and kept: closing the list lets go only of the
refusals it listed.

What a scan means and whether it is refused stays in the services; a screen hands each scan's
outcome to :meth:`KeepsRefusals.scan_refused`, :meth:`~KeepsRefusals.scan_warned` or
:meth:`~KeepsRefusals.scan_said`. Answers to a person's keys (Complete, Rescan…) are shown as
before: the person is looking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from serialpos.domain.text import visible
from serialpos.tui.screens.answer_dialog import GatedDialog
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.widgets.key_footer import KeyFooter
from serialpos.tui.widgets.message_line import PREFIX, Kind

if TYPE_CHECKING:
    from serialpos.devices.answer_gate import Verdict
    from serialpos.tui.messages import ScanRead

KeptKind = Literal["error", "warn"]


@dataclass(frozen=True)
class Kept:
    """One answer said with the bell and not seen yet: a refusal (``error``) or a scan taken
    with a warning (``warn``)."""

    kind: KeptKind
    message: str


def kept_words(kept: Sequence[Kept], since: tuple[Kind, str] | None = None) -> tuple[Kind, str]:
    """What the message line says while ``kept`` (oldest first) is not seen, and its kind: the
    newest scan's outcome first (``since``, a good scan after them, else the newest kept),
    then the earlier ones, newest first (:func:`earlier_words`). One kept alone, with nothing
    after it, reads as it was said."""
    if since is not None:
        kind, message = since
        return kind, f"{message} · before it: {earlier_words(kept)}"
    newest = kept[-1]
    if len(kept) == 1:
        return newest.kind, newest.message
    return newest.kind, f"{newest.message} · before it: {earlier_words(kept[:-1])}"


def earlier_words(kept: Sequence[Kept]) -> str:
    """The answers before the newest, newest first: one with its mark (``✗ A``); more as
    ``2 refused (F7 lists them), newest first: B; A`` (``2 to see`` when some were taken
    with a warning). A cut line loses the oldest; F7 lists them all."""
    if len(kept) == 1:
        return PREFIX[kept[0].kind] + kept[0].message
    refused = sum(1 for k in kept if k.kind == "error")
    head = f"{len(kept)} refused" if refused == len(kept) else f"{len(kept)} to see"
    return f"{head} (F7 lists them), newest first: " + "; ".join(k.message for k in reversed(kept))


class RefusalsDialog(GatedDialog[None]):
    """The kept refusals, whole, oldest first; a person's Enter or Escape closes (they are
    seen); a scan's Enter closes nothing."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter,escape,f7", "close", "Seen")]
    DEFAULT_CSS = """
    RefusalsDialog #refusals { height: auto; max-height: 20; }
    RefusalsDialog.-short #refusals { height: 1fr; max-height: 100%; }
    """
    ANSWER_LETTERS = ""
    AGAIN = "Close the list (Enter or Esc), then scan it again"

    def __init__(self, kept: Sequence[Kept]) -> None:
        super().__init__(self._answered)
        self.kept = list(kept)

    def compose(self) -> ComposeResult:
        count = len(self.kept)
        refused = sum(1 for k in self.kept if k.kind == "error")
        title = f"{count} scan{'s' if count != 1 else ''} to see"
        if refused == count:
            title = f"{count} refused scan{'s' if count != 1 else ''}"
        with Vertical(classes="dialog"):
            yield Static(f"{title}, oldest first", classes="dialog-title", markup=False)
            with VerticalScroll(id="refusals"):
                for number, kept in enumerate(self.kept, start=1):
                    yield Static(
                        Text(f"{number}. {PREFIX[kept.kind]}{visible(kept.message)}"),
                        classes="refusal",
                        markup=False,
                    )
            yield self.refusal_line()
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#refusals", VerticalScroll).focus()

    def _answered(self, verdict: Verdict) -> None:
        self.action_close()  # a person's Enter (the gate took it, the binding never saw it)

    def action_close(self) -> None:
        self.dismiss(None)


class KeepsRefusals(ConsoleScreen):
    """A scanning screen whose scans' refusals stay on its message line until seen."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("f7", "refusals", "Refused")]

    #: The refusals (and warnings) of scans not seen yet, oldest first.
    kept: list[Kept]
    #: The latest good scan's answer since the first kept one (said after them).
    _since: tuple[Kind, str] | None = None

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name, id, classes)
        self.kept = []

    # -- outcomes of scans -------------------------------------------------------------------
    def scan_refused(self, message: str) -> None:
        """A scan was refused: kept, said with the ones before it, and the bell."""
        self._keep(Kept("error", message))

    def scan_warned(self, message: str) -> None:
        """A scan was taken with a warning (an over-scan, a repeat): kept like a refusal."""
        self._keep(Kept("warn", message))

    def scan_said(self, kind: Kind, message: str) -> None:
        """A scan landed well: said, unless refusals are kept; then it leads them."""
        if not self.kept:
            self.message_line.show(kind, message)
            return
        self._since = (kind, message) if message else self._since
        self._say_kept()

    def refuse_entry(self, message: str) -> None:
        """An entry holding an invisible character is refused like any scan: kept."""
        self.scan_refused(message)

    def refuse_unreadable(self, scan: ScanRead) -> bool:
        """An unreadable scan is refused like any other: kept until seen."""
        if scan.decoded.kind != "unreadable":
            return False
        self.scan_refused(f"unreadable scan: {scan.decoded.error or 'no reason given'}")
        return True

    def _keep(self, kept: Kept) -> None:
        self.kept.append(kept)
        self._since = None
        self._say_kept()
        self.app.bell()
        if len(self.kept) == 1:
            self.refresh_bindings()  # F7 shows

    def _say_kept(self) -> None:
        kind, words = kept_words(self.kept, self._since)
        self.message_line.show(kind, words)

    # -- seeing them -------------------------------------------------------------------------
    def acknowledge(self, seen: int | None = None) -> bool:
        """The kept refusals were seen: the line says so and they are let go. False when
        nothing was kept. ``seen``: only the oldest so many were (the F7 list showed them);
        a scan refused while the list was open stays kept and said."""
        if not self.kept:
            return False
        count = len(self.kept) if seen is None else min(seen, len(self.kept))
        self.kept = self.kept[count:]
        self._since = None
        self.refresh_bindings()
        if self.kept:
            self._say_kept()
            return True
        self.message_line.note(
            f"{count} refusal{'s' if count != 1 else ''} seen: scan on"
            if count > 1
            else "refusal seen: scan on"
        )
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "refusals":
            return bool(self.kept)
        return True

    def action_refusals(self) -> None:
        if not self.kept:
            self.message_line.note("no refused scan to see")
            return

        listed = RefusalsDialog(self.kept)

        def closed(_: None) -> None:
            self.acknowledge(len(listed.kept))
            self.refusals_closed()

        self.app.push_screen(listed, closed)

    def refusals_closed(self) -> None:
        """After the list closes: the screen puts the focus back on its scan field."""
