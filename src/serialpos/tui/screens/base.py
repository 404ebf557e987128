"""What every console screen shares: the status line, the message line, the key footer,
how a refusal or a cut paste is shown, and where a scan arrives.

Every scan, whichever scanner read it, reaches the screen in front as one
:class:`~serialpos.tui.messages.ScanRead`. A screen that knows scans overrides
:meth:`ConsoleScreen.take_scan` and sets ``TAKES_SCANS``: the keyboard wedge then works on it
(bursts become a ``ScanRead``; letter and digit keys are held back until they are known not
to be a scan). A screen that does not is left as it was: wedge scans are plain typing there,
and a serial or evdev scan is typed into its focused field and submitted, as a wedge would.
"""

from __future__ import annotations

from abc import ABCMeta
from typing import TYPE_CHECKING, ClassVar

from textual.message_pump import _MessagePumpMeta
from textual.screen import Screen

from serialpos.tui.messages import ActionFailed, ScanRead
from serialpos.tui.session import Session
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.key_footer import KeyHints
from serialpos.tui.widgets.message_line import MessageLine

if TYPE_CHECKING:
    from serialpos.tui.app import SerialposApp


class AbstractScreenMeta(_MessagePumpMeta, ABCMeta):
    """Lets a base screen declare ``@abstractmethod`` hooks: a subclass that forgets one
    cannot be made, instead of failing later when the hook is first called."""


class ConsoleScreen(Screen[None]):
    """A full screen of the console. Subclasses compose a :class:`MessageLine`."""

    KEY_HINTS: ClassVar[KeyHints] = ()
    #: True when :meth:`take_scan` is this screen's own: the keyboard wedge is on here.
    TAKES_SCANS: ClassVar[bool] = False

    @property
    def console(self) -> SerialposApp:
        from serialpos.tui.app import SerialposApp  # already loaded: it is running us

        app = self.app
        assert isinstance(app, SerialposApp)
        return app

    @property
    def session(self) -> Session:
        """The signed-in user; screens after the login only exist while there is one."""
        session = self.console.session
        assert session is not None, "a signed-in screen without a session"
        return session

    @property
    def message_line(self) -> MessageLine:
        return self.query_one(MessageLine)

    def show_error(self, message: str) -> None:
        """A refusal: said on the message line (with a symbol, not colour alone) and the bell."""
        self.message_line.error(message)
        self.app.bell()

    def on_action_failed(self, message: ActionFailed) -> None:
        self.show_error(message.message)

    def on_capped_input_paste_cut(self, message: CappedInput.PasteCut) -> None:
        self.message_line.note(message.message)

    # -- scans -------------------------------------------------------------------------------
    def on_scan_read(self, message: ScanRead) -> None:
        self.take_scan(message)

    def take_scan(self, scan: ScanRead) -> None:
        """What this screen does with a scan. By default it is typed into the focused field
        and submitted; with no field in focus it is not used, and that is said."""
        from serialpos.tui.scanners import type_into_focused

        if not type_into_focused(self, scan.raw):
            self.message_line.note("a scan is not used here")

    def refuse_unreadable(self, scan: ScanRead) -> bool:
        """An unreadable scan is acted on nowhere: its reason is said, with the bell."""
        if scan.decoded.kind != "unreadable":
            return False
        self.show_error(f"unreadable scan: {scan.decoded.error or 'no reason given'}")
        return True
