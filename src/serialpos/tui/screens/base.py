"""What every console screen shares: the status line, the message line, the key footer,
and how a refusal or a cut paste is shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.screen import Screen

from serialpos.tui.messages import ActionFailed
from serialpos.tui.session import Session
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.key_footer import KeyHints
from serialpos.tui.widgets.message_line import MessageLine

if TYPE_CHECKING:
    from serialpos.tui.app import SerialposApp


class ConsoleScreen(Screen[None]):
    """A full screen of the console. Subclasses compose a :class:`MessageLine`."""

    KEY_HINTS: ClassVar[KeyHints] = ()

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
