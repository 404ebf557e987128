"""The console's scanners: built from the terminal config once someone logs in, read on
their own threads, every scan handed to the screen in front.

The sources decode on their reader threads and post :class:`ScanRead` (and their state) to the
app, which never waits for them; a keyboard-wedge burst is posted as the same message. A scan
that reaches a form a person fills in, or a dialog with no field, is refused with a bell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from serialpos.tui.app_flows import FlowsApp
from serialpos.tui.messages import (
    ScanDropped,
    ScannersFailed,
    ScannersReady,
    ScannerStateChanged,
    ScanRead,
)
from serialpos.tui.scanners import (
    KEYBOARD,
    KeyboardWedge,
    describe_state,
    scanner_summary,
    type_into_focused,
)
from serialpos.tui.screens.answer_dialog import GatedDialog
from serialpos.tui.screens.base import ConsoleScreen

if TYPE_CHECKING:
    from serialpos.devices.source import ScanSource, SourceState


class ScannersApp(FlowsApp, inherit_bindings=False):
    """The app's part that runs the scanners (the console's app, tui/app.py, sets them up)."""

    wedge: KeyboardWedge
    scan_sources: tuple[ScanSource, ...]
    scanner_states: dict[str, SourceState]
    gs_substitute: str | None

    @work(thread=True, exclusive=True, group="scanners")
    def load_scanners(self) -> None:
        """Read the ``[scanner]`` table and build its sources, off the screen's thread: the
        decoder's import (biip) and pyserial take a moment, and the config may be wrong."""
        try:
            import serialpos.domain.decoder  # noqa: F401 - loaded now, not at the first scan
            from serialpos.devices.settings import scanner_settings
            from serialpos.devices.source import build_sources

            settings = scanner_settings(self.terminal_config())
            sources = build_sources(
                settings, self._source_scan, self._source_state, self._source_error
            )
        except Exception as exc:  # a bad [scanner] table: said on screen, the console goes on
            from serialpos.tui.backend import describe

            self.post_message(ScannersFailed(describe(exc)))
            return
        self.post_message(ScannersReady(settings, tuple(sources)))

    def on_scanners_ready(self, message: ScannersReady) -> None:
        self.gs_substitute = message.settings.gs_substitute
        self.wedge.configure(message.settings.wedge)
        self.scan_sources = message.sources
        for source in message.sources:
            self.scanner_states[source.name] = source.state
        self._show_scanner_states()
        for source in message.sources:
            source.start()

    def on_scanners_failed(self, message: ScannersFailed) -> None:
        screen = self.screen
        if isinstance(screen, ConsoleScreen):
            screen.show_error(f"scanners are off: {message.message}")
        else:
            self.bell()

    def on_unmount(self) -> None:
        for source in self.scan_sources:
            source.stop(timeout=1.0)

    # These three run on the sources' reader threads: they decode (pure, and off the screen's
    # thread) and post; post_message is thread-safe and never waits for the app.
    def _source_scan(self, raw: str, source: str) -> None:
        from serialpos.domain.decoder import decode

        self.post_message(ScanRead(raw, source, decode(raw, gs_substitute=self.gs_substitute)))

    def _source_state(self, state: SourceState) -> None:
        self.post_message(ScannerStateChanged(state))

    def _source_error(self, message: str, source: str) -> None:
        self.post_message(ScanDropped(message, source))

    def _wedge_burst(self, raw: str) -> None:
        from serialpos.domain.decoder import decode

        self.post_message(ScanRead(raw, KEYBOARD, decode(raw, gs_substitute=self.gs_substitute)))

    def on_scan_read(self, message: ScanRead) -> None:
        """Every scan, from any source, goes to the screen in front as the same message;
        never into a field for words (a :class:`TextField` in focus refuses it, named)."""
        from serialpos.tui.widgets.text_field import TextField

        screen = self.screen
        focused = self.focused
        if isinstance(focused, TextField):
            focused.scan_arrived(message.raw)  # refused, or judged (a CodeField)
        elif isinstance(screen, GatedDialog):  # a question a scan cannot answer: named there
            screen.scan_not_used(message.raw)
        elif isinstance(screen, ConsoleScreen):
            screen.post_message(ScanRead(message.raw, message.source, message.decoded))
        elif getattr(screen, "REFUSES_SCANS", False):  # a form a person fills in
            self.bell()
            said = getattr(screen, "scan_not_used", None)
            if callable(said):
                said(message.raw)
        elif not type_into_focused(screen, message.raw):
            self.bell()  # a dialog without a field is open: the scan is not used

    def on_scanner_state_changed(self, message: ScannerStateChanged) -> None:
        state = message.state
        if state.source not in self.scanner_states:
            return  # a source from before (stopped); not one of ours now
        self.scanner_states[state.source] = state
        self._show_scanner_states()
        screen = self.screen
        if not isinstance(screen, ConsoleScreen):
            return
        if state.status == "error":
            screen.show_error(describe_state(state))
        else:
            screen.message_line.note(describe_state(state))

    def on_scan_dropped(self, message: ScanDropped) -> None:
        screen = self.screen
        if isinstance(screen, ConsoleScreen):
            screen.show_error(f"scanner {message.source}: {message.message}")
        else:
            self.bell()

    @property
    def scanner_status(self) -> str:
        """The scanners' state in a few words, for the status line ("" without scanners)."""
        return scanner_summary(self.scanner_states.values())

    def _show_scanner_states(self) -> None:
        from serialpos.tui.widgets.status_line import StatusLine  # not on the login screen

        summary = self.scanner_status
        for screen in self.screen_stack:
            for line in screen.query(StatusLine):
                line.show_scanners(summary)
