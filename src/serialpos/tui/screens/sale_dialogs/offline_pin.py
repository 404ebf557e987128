"""The manager's PIN that lets a store terminal sell on while its link to central is down
(issue 16): asked when a sale is refused for it (``offline_needs_manager``, the store setting
``offline_requires_manager_pin``), as the discount dialog asks for an approval. The PIN is
checked and audited by terminal/offline_rules.py ``allow_offline``, exactly as ``serialpos
--user MANAGER terminal allow-offline`` does; nothing of the sale was kept before, so the
cashier takes the payment again (F9) once it is given."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from serialpos.tui.screens.closes_once import ClosesOnce
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.text_field import TextField

if TYPE_CHECKING:
    from serialpos.tui.screens.base import ConsoleScreen


class OfflinePinDialog(ClosesOnce[tuple[str, str] | None]):
    """Manager and PIN (masked); Enter goes to the PIN and gives it, Esc keeps the refusal."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Next/Allow"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                "Offline: a manager's PIN to sell on", classes="dialog-title", markup=False
            )
            yield TextField(id="offline-manager", placeholder="manager", max_length=32)
            yield TextField(id="offline-pin", placeholder="PIN", password=True, max_length=32)
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#offline-manager", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        manager = self.query_one("#offline-manager", Input).value.strip()
        if event.input.id == "offline-manager":
            self.query_one("#offline-pin", Input).focus()
            return
        self.dismiss((manager, self.query_one("#offline-pin", Input).value))

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask_offline_pin(screen: ConsoleScreen) -> None:
    """Ask for a manager's PIN over ``screen``; said on its message line either way."""

    def given(answer: tuple[str, str] | None) -> None:
        if answer is None:
            screen.show_error("not allowed offline: the sale waits for central or a manager")
            return
        manager, pin = answer
        screen.message_line.note("checking the manager's PIN…")
        screen.run_worker(lambda: _allow(screen, manager, pin), thread=True, group="offline-pin")

    screen.app.push_screen(OfflinePinDialog(), given)


def _allow(screen: ConsoleScreen, manager: str, pin: str) -> None:
    """On a thread: check the PIN and record the permission (audited), then say so."""
    from serialpos.terminal.offline_rules import allow_offline

    console = screen.console
    try:
        chain = console.chain()
        if chain is None:
            raise RuntimeError("this console is not a store terminal's")
        allowed = allow_offline(console.database(), manager, pin, chain.terminal)
    except Exception as exc:
        from serialpos.tui.backend import describe

        screen.app.call_from_thread(screen.show_error, describe(exc))
        return
    said = (
        f"{manager} allowed selling offline until the link is back: F9 to take the payment again"
        if allowed
        else "the link to central is back: F9 to take the payment again"
    )
    screen.app.call_from_thread(screen.message_line.ok, said)
