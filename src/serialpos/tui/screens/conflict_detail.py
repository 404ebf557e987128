"""One conflict whole, scrollable by keyboard (new-user walk, round two).

The Conflicts list shows each conflict as one option. A till's sale with its lines, tenders
and the sentence of what central did not record runs to a dozen rows at 40 columns, taller
than a handheld's list (eight rows at 40x16): the option list moves from option to option, so
the lines and the money below the fold could not be reached at all. Enter on a conflict opens
it here, in a scrolling view that has the focus: ↑↓ and PgUp/PgDn read all of it, and F5-F8
resolve it from here as from the list (each still asked first), so a manager need not go back
to act on what was read. Escape goes back to the list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from serialpos.tui.screens.conflicts import ConflictsScreen


#: The resolutions' keys, the same on the list and on one conflict opened whole
#: (their footer words: ``RESOLUTION_KEYS`` in domain/conflict_keys.py).
RESOLVE_BINDINGS: list[BindingType] = [
    Binding("f5", "resolve('accept')", "Accept: the first event stands", show=False),
    Binding("f6", "resolve('return')", "Return the unit to stock", show=False),
    Binding("f7", "resolve('write_off')", "Write the unit off", show=False),
    Binding("f8", "resolve('record_sale')", "Record the rest of the sale", show=False),
    Binding("f9", "resolve('refund')", "Void the sale and refund its money", show=False),
]


class ConflictDetailScreen(ConsoleScreen):
    """The conflict the list had highlighted, in full; its resolution keys act on it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *RESOLVE_BINDINGS,
        Binding("escape", "app.pop_screen", "Back", show=False),
    ]

    def __init__(self, listing: ConflictsScreen, conflict_id: str, text: Text) -> None:
        super().__init__()
        self.listing = listing
        self.conflict_id = conflict_id
        self.text = text

    def key_hints(self) -> KeyHints:
        """The resolution keys this conflict offers (domain/conflict_keys.py)."""
        from serialpos.domain.conflict_keys import key_hints

        shown = key_hints(self.listing.listed.get(self.conflict_id))
        return (("↑↓/PgUp/PgDn", "Scroll"), *shown, ("Esc", "Back"))

    def compose(self) -> ComposeResult:
        yield StatusLine(f"Conflict #{self.conflict_id}", self.session)
        with VerticalScroll(id="conflict-detail"):
            yield Static(self.text, id="conflict-text", markup=False)
        yield MessageLine(id="message")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#conflict-detail").focus()

    def action_resolve(self, by: str) -> None:
        """Back to the list, which asks and resolves this conflict (the list's one path, so
        the same question, the same refusals and the list read again after)."""
        listing = self.listing
        from serialpos.domain.conflict_keys import not_offered

        refused = not_offered(listing.listed.get(self.conflict_id, {}), by)
        if refused is not None and self.conflict_id in listing.listed:
            self.show_error(refused)  # said here, nothing sent
            return
        self.app.pop_screen()
        listing.action_resolve(by, self.conflict_id)
