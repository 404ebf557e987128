"""The link to central on a store terminal, in one line: ``ONLINE`` or ``OFFLINE``, the
entries waiting for central and the oldest one's age (issue 16). Said in words, OFFLINE in
bold, so it reads the same without colour; a short form fits 40 columns.

It is fed by the console's sync worker (terminal/link.py ``LinkWatch``): each round posts
the state it found and the line is redrawn; nothing here touches the database.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def age_text(seconds: int | None) -> str:
    """``<1m``, ``42m``, ``3h05m``, ``2d04h``."""
    if seconds is None:
        return ""
    minutes = seconds // 60
    if minutes < 1:
        return "<1m"
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def link_text(
    link: str | None, pending: int, oldest_seconds: int | None, width: int = 0, message: str = ""
) -> Text:
    """``OFFLINE · 12 waiting · oldest 3h05m``, or on a narrow screen ``OFFLINE 12 3h05m``.
    ``REFUSED`` (central answered but refused this till: a revoked token...) keeps its
    ``message`` at any width, before the age: the problem is a person's to fix, and
    without it the line would read as a link that is down."""
    said = {"online": "ONLINE", "offline": "OFFLINE", "refused": "REFUSED"}.get(
        link or "", "CONNECTING"
    )
    text = Text(said, style="bold" if said != "ONLINE" else "")
    age = age_text(oldest_seconds)
    long = f" · {pending} waiting" + (f" · oldest {age}" if pending and age else "")
    told = long + (f" · {message}" if message else "")
    if not width or len(said) + len(told) <= width:
        text.append(told)
        return text
    if said != "REFUSED" and len(said) + len(long) <= width:
        # A long reason (the address central could not be reached at) gives way before
        # the words do: the 80-column form stays ``OFFLINE · 1 waiting · oldest 2m``.
        text.append(long)
        return text
    short = f" {pending} waiting" + (f" {age}" if pending and age else "")
    if said == "REFUSED" and message:
        for told in (f" {pending} waiting · {message}", f" {pending} · {message}"):
            if len(said) + len(told) <= width:
                text.append(told)
                return text
        told = f" {pending} · {message}"
        text.append(told[: max(0, width - len(said) - 1)] + "…")
        return text
    text.append(short if len(said) + len(short) <= width else f" {pending}")
    return text


class LinkStatus(Static):
    """One line under the status line of a store terminal's console."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(link_text(None, 0, None), id=id, markup=False)
        self.state: tuple[str | None, int, int | None, str] = (None, 0, None, "")

    def show_link(
        self, link: str | None, pending: int, oldest_seconds: int | None, message: str = ""
    ) -> None:
        self.state = (link, pending, oldest_seconds, message)
        self._render_link()

    def on_resize(self) -> None:
        self._render_link()

    @property
    def plain(self) -> str:
        """What the line says, for tests."""
        return link_text(*self.state[:3], self.content_size.width, self.state[3]).plain

    def _render_link(self) -> None:
        self.update(link_text(*self.state[:3], self.content_size.width, self.state[3]))
