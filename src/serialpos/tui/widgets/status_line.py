"""The top line of every signed-in screen: where you are, who you are, which store and terminal.

Built from plain text (never markup): user and store names come from the database.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from serialpos.domain.text import visible
from serialpos.tui.session import Session


def status_text(title: str, session: Session | None, width: int = 0) -> Text:
    """``title │ user (role) │ store S01 │ terminal T1``; when that does not fit in ``width``,
    who-and-where goes on a second line (rather than wrapping at a random word)."""
    text = Text()
    text.append(title, style="bold")
    if session is None:
        return text
    user, store, terminal = visible(session.user), visible(session.store), visible(
        session.terminal)
    who = f"{user} ({session.role}) │ store {store} │ terminal {terminal}"
    if not width or len(title) + 3 + len(who) <= width:
        text.append(" │ " + who)
    else:
        text.append(f"\n{user} ({session.role}) · {store} · {terminal}")
    return text


class StatusLine(Static):
    """A one- or two-line header (it wraps on a narrow terminal rather than cut anything)."""

    def __init__(self, title: str, session: Session | None, *, id: str | None = None) -> None:
        super().__init__(status_text(title, session), id=id, markup=False)
        self.title = title
        self.session = session

    def on_resize(self) -> None:
        self.update(status_text(self.title, self.session, self.content_size.width))
