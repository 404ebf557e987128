"""A footer that shows every key that does something, wrapping onto a second line when the
terminal is narrow (Textual's own Footer is one line and cuts keys off at 40 columns).

It lists the screen's shown bindings (keys for one action are joined, ``F2/^L``) after the
screen's ``KEY_HINTS``: keys that widgets handle themselves (Enter in a field, Space in a
table) and that a person still needs to be told about.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from serialpos.tui.widgets.in_place import keeps_its_size, shows

#: Screens may set ``KEY_HINTS = (("Enter", "Search"), ...)``.
KeyHints = tuple[tuple[str, str], ...]


def key_pairs(screen: Screen[object]) -> list[tuple[str, str]]:
    """(keys, description) for the footer, in the order a person reads them."""
    hints = getattr(screen, "key_hints", None)  # a screen whose hints depend on who is in
    pairs: list[tuple[str, str]] = list(hints() if hints else getattr(screen, "KEY_HINTS", ()))
    by_action: dict[str, tuple[list[str], str]] = {}
    app = screen.app
    # A screen whose key does another thing by its mode (Returns' F9: Refund, or Exchange
    # when the refund method is exchange) names it by ``binding_words(action, words)``.
    words_of = getattr(screen, "binding_words", None)
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.show or not active.enabled:
            continue
        display = app.get_key_display(binding)
        words = binding.description
        if words_of is not None:
            words = words_of(binding.action, words)
        keys, _ = by_action.setdefault(binding.action, ([], words))
        if display not in keys:
            keys.append(display)
    # The function key first (F9/^Y), whichever node's bindings listed the Ctrl key first.
    hinted = set(pairs)  # a key the hints name already is not said twice ("Esc Cancel")
    pairs.extend(
        pair
        for pair in (
            ("/".join(sorted(keys, key=lambda k: k.startswith("^"))), description)
            for keys, description in by_action.values()
        )
        if pair not in hinted
    )
    # Quit is the least used key: last, wherever the binding chain put it.
    return sorted(pairs, key=lambda pair: pair[1] == "Quit")


def layout(pairs: list[tuple[str, str]], width: int, key_style: Style | str = "bold") -> Text:
    """Pairs on as many lines as needed; a pair is never split across lines."""
    text = Text(no_wrap=True, overflow="crop")
    used = 0
    for keys, description in pairs:
        size = len(keys) + 1 + len(description)
        if used and used + 2 + size > width:
            text.append("\n")
            used = 0
        elif used:
            text.append("  ")
            used += 2
        text.append(keys, style=key_style)
        text.append(" " + description)
        used += size
    return text


class KeyFooter(Static):
    """Docked at the bottom of a screen (see login.tcss, which styles the keys in reverse video
    so that they stand out without colour)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-footer--key"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.pairs: list[tuple[str, str]] = []
        self._home: Screen[object]

    def on_mount(self) -> None:
        self._home = self.screen
        self._home.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.refresh_keys()

    def on_unmount(self) -> None:
        self._home.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self._home:
            self.call_after_refresh(self.refresh_keys)

    def on_resize(self) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        if not self.is_attached:  # a refresh queued just before the screen closed
            return
        self.pairs = key_pairs(self._home)
        width = self.size.width or self.app.size.width
        key_style = self.get_component_rich_style("key-footer--key")
        keys = layout(self.pairs, max(width, 10), key_style)
        # Mounting, focusing the first field and the first resize each ask again, mostly for
        # the same keys: those are not given again (each update lays the whole screen out
        # anew; four of the login's five before its first frame were the same keys) once the
        # footer is as tall as they are. Until then the update, and its layout, still goes:
        # Textual's first layout may leave the footer taller than its keys (at 40x16 a
        # screen's list lost its rows to it until the next update laid it out again).
        if not (shows(self, keys) and keeps_its_size(self, keys.plain)):
            self.update(keys)

    @property
    def plain(self) -> str:
        """What the footer says, for tests and screen readers."""
        return "  ".join(f"{keys} {description}" for keys, description in self.pairs)
