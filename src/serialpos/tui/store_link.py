"""A store terminal's link to central in the console: the sync worker and the link line.

On a store terminal (a config with ``[chain]``, issue 16) the console runs a sync round (push,
then pull) at login and every :data:`SYNC_INTERVAL_SECONDS`, each on a thread of its own, and
shows the link it found on every screen's status line. Elsewhere (a database named with
``--db``, a config without ``[chain]``) the first round finds no chain and the worker stops for
good. The console's app is a :class:`StoreLinkApp`, so screens and tests call
``app.sync_round()`` and read ``app.link``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Literal

from textual import work
from textual.app import App

from serialpos.tui.messages import LinkChanged
from serialpos.tui.screens.base import ConsoleScreen

if TYPE_CHECKING:
    from serialpos.config import ChainConfig, TerminalConfig
    from serialpos.db.engine import Database
    from serialpos.terminal.link import LinkState, LinkWatch
    from serialpos.tui.app import DataSource
    from serialpos.tui.session import Session

#: Seconds between a store terminal's sync rounds (push, then pull) in the console.
SYNC_INTERVAL_SECONDS = 5.0
#: Console flows whose services do not journal: on a store terminal their changes would never
#: reach central, so they are refused there (issue 16). None today: the counter and the stock
#: flows journal, and the Admin menu of a terminal offers only what works there, Conflicts,
#: read and resolved at central (tui/screens/admin.py ``TERMINAL_SECTIONS``).
UNJOURNALED_FLOWS: dict[str, str] = {}


class StoreLinkApp(App[None], inherit_bindings=False):  # no ^Q: the console binds its keys
    """The app's part that watches a store terminal's link (see the module's docstring)."""

    source: DataSource
    session: Session | None

    #: A store terminal's link to central as last found (None elsewhere).
    link: LinkState | None
    sync_interval: float
    #: The sync worker's rounds (None: not known yet whether this is a store terminal).
    _link_watch: LinkWatch | Literal[False] | None
    _sync_busy: threading.Event
    _sync_started: bool

    if TYPE_CHECKING:  # the console's app (tui/app.py) defines these

        def database(self) -> Database: ...

        def terminal_config(self) -> TerminalConfig: ...

    def _init_store_link(self) -> None:
        self.link = None
        self.sync_interval = SYNC_INTERVAL_SECONDS
        self._link_watch = None
        self._sync_busy = threading.Event()
        self._sync_started = False

    def start_sync(self) -> None:
        """Start the sync rounds, once: the link is watched across log outs."""
        if not self._sync_started:
            self._sync_started = True
            self.sync_round()
            self.set_interval(self.sync_interval, self.sync_round)

    def chain(self) -> ChainConfig | None:
        """The ``[chain]`` of a store terminal's config (None elsewhere). Thread workers only."""
        from serialpos.config import ConfigError

        if getattr(self.source, "db_url", None):
            return None  # another database named with --db: not the terminal's own
        try:
            return self.terminal_config().chain
        except ConfigError:
            return None

    def sync_round(self) -> None:
        """Start a sync round unless one is running or this is no store terminal."""
        if self._link_watch is False or self._sync_busy.is_set():
            return
        self._sync_busy.set()
        self._run_sync_round()

    @work(thread=True, group="sync")
    def _run_sync_round(self) -> None:
        """One round of the sync worker (push, then pull) on its own thread, posting the link
        it found: a slow or silent central never holds the screen. Every entry stays in the
        journal until central answers for it (the push is idempotent), so a round cut short
        loses nothing. One round at a time; the next starts on the timer."""
        from serialpos.terminal.link import LinkWatch, read_state

        try:
            if self._link_watch is None:
                chain = self.chain()
                if chain is None:
                    self._link_watch = False
                    return
                db = self.database()
                self.post_message(LinkChanged(read_state(db)))  # what was last known, at once
                session = self.session
                user = session.user if session is not None else "console"
                self._link_watch = LinkWatch(db, chain, user=user, on_state=self._post_link)
            if self._link_watch is not False:
                self._link_watch.tick()
        except Exception:  # a round must never end the console; the next one tries again
            import logging

            logging.getLogger(__name__).exception("sync round failed")
        finally:
            self._sync_busy.clear()

    def _post_link(self, state: LinkState) -> None:
        self.post_message(LinkChanged(state))

    @work(thread=True, group="link-read")
    def show_recorded_link(self) -> None:
        """Show the link as recorded now, not at the next round: a sale the offline rules
        refused after asking central (terminal/link_probe.py) recorded the link down, and
        the status line said ONLINE beside the refusal for up to a round."""
        from serialpos.terminal.link import read_state

        if self._link_watch is None or self._link_watch is False:
            return  # no store terminal, or its watch not started: nothing shown to correct
        try:
            self.post_message(LinkChanged(read_state(self.database())))
        except Exception:  # the next round shows it anyway
            import logging

            logging.getLogger(__name__).exception("reading the link failed")

    def on_link_changed(self, message: LinkChanged) -> None:
        from serialpos.tui.widgets.status_line import StatusLine  # not on the login screen

        self.link = message.state
        for screen in self.screen_stack:
            for line in screen.query(StatusLine):
                line.show_link(message.state)

    def refused_on_terminal(self, name: str) -> bool:
        """Whether the flow ``name`` is refused on this store terminal, said on the screen."""
        if self.link is None or name not in UNJOURNALED_FLOWS:
            return False
        screen = self.screen
        if isinstance(screen, ConsoleScreen):
            screen.show_error(
                f"{UNJOURNALED_FLOWS[name]} on a store terminal does not go through its "
                "journal yet: do it at central"
            )
        return True
