"""One keymap for the whole console: every Ctrl key and every command letter means one thing
on every screen where it appears (issue 14 item 9).

A cashier learns a key once. So the Ctrl keys and the letters screens bind as commands are
given here, each with the one thing it means; a screen's ``BINDINGS`` take their keys from
:func:`keys`, and ``tests/tui/test_keymap.py`` fails when a binding anywhere in the console
gives a key a second meaning, binds a key a terminal or multiplexer takes for itself
(:data:`FORBIDDEN`), or when ``docs/keys.md`` (written by ``python -m
serialpos.tui.keymap_doc``) no longer says what the bindings do.

Function keys are the counter's fast keys: each has its job on its screen (the footer shows
it), and the Ctrl key beside it, when there is one, is the same everywhere. Menu letters are
choices in a list shown with the letter beside each (the home menu, the order menu, the sale
type, Admin's sections, the reports, the serial modes): they belong to their menu and are
listed per menu in ``docs/keys.md``.
"""

from __future__ import annotations

#: Keys a terminal or a multiplexer takes before the console sees them: tmux's prefix (^B)
#: and XON/XOFF flow control (^S, ^Q). Nothing in the console is bound to them.
FORBIDDEN = frozenset({"ctrl+b", "ctrl+s", "ctrl+q"})

#: Ctrl key → what it means, wherever it appears.
CTRL: dict[str, str] = {
    "ctrl+l": "look up a serial (the serial card)",
    "ctrl+o": "log out",
    "ctrl+x": "quit the console",
    "ctrl+y": "tender: take the payment (sale) or pay out the refund (return)",
    "ctrl+f": "finish the document on screen (fulfil, complete, post, ship, return, approve)",
    "ctrl+n": "start a new one (count batch, transfer)",
    "ctrl+p": "park the order",
    "ctrl+t": "the order menu (sale type, customer, park, orders, void)",
    "ctrl+g": "get it as a file (the invoice PDF, a report export)",
    "ctrl+r": "reload the list from the database",
    "ctrl+j": "Enter, as a line feed: ends a scan in a scan field (a scanner set to end "
    "with LF), logs in on the login screen (Enter typed before the console took the terminal)",
}

#: Command letter → what it means, wherever it is a command (not a menu choice).
LETTERS: dict[str, str] = {
    "a": "add (a user, a store)",
    "b": "blind receipt",
    "c": "clear this store's own value",
    "d": "mark the returned unit damaged",
    "e": "enable or disable the user",
    "g": "toggle the chain default",
    "i": "reset the user's PIN",
    "m": "change the serial mode",
    "n": "no",
    "o": "the stores the user may log in at",
    "p": "the lines still pending a serial",
    "r": "the user's role; replace a line's serial by the scan refused on it",
    "s": "the serial of the line",
    "t": "toggle the setting at this store",
    "v": "the delivery mode",
    "y": "yes",
}

#: Each action bound to a Ctrl key or a command letter → the meaning's key in CTRL/LETTERS.
#: A new action on such a key is added here, under the meaning it shares.
ACTION_KEY: dict[str, str] = {
    "lookup": "ctrl+l",
    "logout": "ctrl+o",
    "quit": "ctrl+x",
    "login": "ctrl+j",  # Enter typed before the console took the terminal arrives as ^J
    "submit": "ctrl+j",  # a scanner set to end a scan with LF instead of CR
    "pay": "ctrl+y",
    "refund": "ctrl+y",
    "fulfil": "ctrl+f",
    "complete": "ctrl+f",
    "finish": "ctrl+f",
    "approve": "ctrl+f",
    "new_batch": "ctrl+n",
    "new": "ctrl+n",
    "park": "ctrl+p",
    "menu": "ctrl+t",
    "pdf": "ctrl+g",
    "export": "ctrl+g",
    "reload": "ctrl+r",
    "x_report": "ctrl+r",  # the shift's takings read again
    "add": "a",
    "blind": "b",
    "clear": "c",
    "act('damaged')": "d",
    "enable_or_disable": "e",
    "chain": "g",
    "pin": "i",
    "serial_mode": "m",
    "answer(False)": "n",
    "stores": "o",
    "pending": "p",
    "role": "r",
    "replace": "r",
    "act('serial')": "s",
    "serial": "s",
    "toggle_here": "t",
    "delivery": "v",
    "answer(True)": "y",
}


def keys(function_key: str | None, action: str) -> str:
    """The keys of ``action``: its function key on this screen (if any) and the Ctrl key or
    letter the keymap gives its meaning, as one Textual key list ("f9,ctrl+y")."""
    shared = ACTION_KEY[action]
    return ",".join(key for key in (function_key, shared) if key)


def is_shared_key(key: str) -> bool:
    """A Ctrl+letter key or a plain letter: the keys that must mean one thing everywhere."""
    if key.startswith("ctrl+"):
        rest = key.removeprefix("ctrl+")
        return len(rest) == 1 and rest.isalpha()
    return len(key) == 1 and key.isalpha()
