"""A list's key handling on the console: each key shown to the line-key gate
(:mod:`serialpos.devices.line_keys`, where the rule lives and is tested without a screen), and
what the gate says carried out in order: a person's line keys act, a scan's characters and its
Enter go to the screen's scan field, and held keys wait one key gap on a timer.

The gap is the keyboard wedge's (``key_gap_ms`` of the terminal's ``[scanner]`` table, 300 ms
by default), and a key's time is read from the console's key clock (the wedge's: tests set it),
so a burst is told from a person's keys the same way here as on the home menu."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from textual import events
from textual.widget import Widget

from serialpos.devices.line_keys import KeyMeaning, LineKeyGate
from serialpos.domain.entry_text import hidden
from serialpos.tui.held_keys import HeldKeyWait, key_time

#: Keys that end a scan begun on the lines (Enter, a line feed, a scanner's Tab suffix).
SCAN_ENDS = frozenset({"enter", "ctrl+j", "tab"})


class GatedLineKeys:
    """The key handling of one list widget: ``act(action)`` does a line key's action,
    ``typed(character, ends)`` hands a scan's character (or its Enter) to the scan field."""

    def __init__(
        self,
        widget: Widget,
        line_keys: Mapping[str, str],
        act: Callable[[str], None],
        typed: Callable[[str, bool], object],
    ) -> None:
        self.widget = widget
        self.line_keys = dict(line_keys)
        self.act = act
        self.typed = typed
        self.gate = LineKeyGate("".join(line_keys))
        self._wait = HeldKeyWait(widget, self._gap_passed)

    @property
    def holding(self) -> bool:
        """A line key is held, waiting one key gap to see whether a scan follows it."""
        return self.gate.holding

    def key(self, event: events.Key) -> None:
        """One key that reached the list: what the gate says it means is done, and a key
        the gate takes (a character, a scan's Enter) goes no further."""
        char = event.character
        gate = self._configured()
        at = key_time(self.widget.app, event)
        if char and len(char) == 1 and (char.isprintable() or hidden(char)):
            meaning = gate.character(char, at)
        elif event.key in SCAN_ENDS:
            meaning = gate.end(at)
        else:
            meaning = gate.other()
        if not meaning.passes:
            event.stop()
            event.prevent_default()
        self._carry_out(meaning, at)

    def reset(self) -> None:
        """Focus came back to the list by a deliberate key: line keys act again."""
        self.gate.reset()

    def _carry_out(self, meaning: KeyMeaning, at: float = 0.0) -> None:
        """In the gate's order: held keys act, then the scan's characters, then its Enter;
        held keys wait one key gap after the key typed at ``at``."""
        for char in meaning.act:
            self.act(self.line_keys[char])
        for char in meaning.scan:
            self.typed(char, False)
        if meaning.ends:
            self.typed("", True)
        self._wait.stop()
        if meaning.wait:
            self._wait.start(self.gate.window, at)

    def _gap_passed(self) -> None:
        self._carry_out(self.gate.expire())

    def _configured(self) -> LineKeyGate:
        """The gate, with the terminal's key gap once the scanners' settings are read."""
        from serialpos.tui.widgets.scan_input import key_gap

        gate = self.gate
        gap_ms = round(key_gap(self.widget.app) * 1000)
        if round(gate.window * 1000) != gap_ms and not gate.holding and not gate.scanning:
            gate.configure(gap_ms)
        return gate
