"""The top line of every signed-in screen: where you are, who you are, which store and terminal,
and (when the terminal has serial or evdev scanners) whether they are connected.

Built from plain text (never markup): user and store names come from the database. A scanner
that is not connected is said in words and in bold, so it reads the same without colour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from serialpos.domain.text import named, visible
from serialpos.tui.session import Session
from serialpos.tui.widgets.link_status import link_text

if TYPE_CHECKING:
    from serialpos.terminal.link import LinkState


def status_text(
    title: str,
    session: Session | None,
    width: int = 0,
    scanners: str = "",
    link: LinkState | None = None,
) -> Text:
    """``title │ scanner connected │ user (role) │ store S01 │ terminal T1``; when that does
    not fit in ``width``, who-and-where goes on a second line (rather than wrapping at a
    random word)."""
    text = Text()
    text.append(title, style="bold")
    head = len(title)
    if scanners:
        text.append(" │ ")
        text.append(scanners, style="" if scanners.endswith(" connected") else "bold")
        head += 3 + len(scanners)
    if session is None:
        return _with_link(text, link, width)
    user, store, terminal = visible(session.user), visible(session.store), visible(session.terminal)
    who = f"{user} ({session.role}) │ {named('store', store)} │ {named('terminal', terminal)}"
    short = f"{user} ({session.role}) · {store} · {terminal}"
    if not width or head + 3 + len(who) <= width:
        text.append(" │ " + who)
    elif scanners and head + 3 + len(short) <= width:  # one line kept for the scanner state
        text.append(" │ " + short)
    else:
        text.append("\n" + short)
    return _with_link(text, link, width)


def _with_link(text: Text, link: LinkState | None, width: int) -> Text:
    """A store terminal's link to central on a line of its own (widgets/link_status.py)."""
    if link is None:
        return text
    text.append("\n")
    text.append(link_text(link.link, link.pending, link.oldest_seconds, width, link.message))
    return text


class StatusLine(Static):
    """A one- or two-line header (it wraps on a narrow terminal rather than cut anything)."""

    def __init__(self, title: str, session: Session | None, *, id: str | None = None) -> None:
        super().__init__(status_text(title, session), id=id, markup=False)
        self.title = title
        self.session = session
        self.scanners = ""
        self.link: LinkState | None = None

    def on_mount(self) -> None:
        # The app keeps the scanners' state; a screen opened later shows it from the start.
        self.scanners = str(getattr(self.app, "scanner_status", ""))
        self.link = getattr(self.app, "link", None)
        self._render_status()

    def show_link(self, link: LinkState) -> None:
        self.link = link
        self._render_status()

    def on_resize(self) -> None:
        self._render_status()

    def show_scanners(self, summary: str) -> None:
        if summary != self.scanners:
            self.scanners = summary
            self._render_status()

    @property
    def plain(self) -> str:
        """What the line says, for tests."""
        return self._text().plain

    def _text(self) -> Text:
        width = self.content_size.width
        return status_text(self.title, self.session, width, self.scanners, self.link)

    def _render_status(self) -> None:
        self.update(self._text())
