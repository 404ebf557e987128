"""Keyboard layouts and the pure key-event decoder behind the evdev scanner source.

A HID scanner is a keyboard: it sends key codes (positions), not characters, and the scanner
was set up for some keyboard layout. Read through evdev the console sees the raw positions, so
it has to map them through the same layout itself. The layouts are plain data (one dict per
layout, key name to the characters on its levels) so that adding one is a data change.

:class:`KeyEventDecoder` is the whole of the decoding: feed it ``(type, code, value)`` triples
and it returns a scan when Enter, keypad Enter or Tab ends one. It is shared by the live evdev
source and by ``serialpos devices replay`` so that a recorded scan decodes exactly as it did
live. It imports nothing from evdev: key codes are the kernel's stable numbers
(``linux/input-event-codes.h``), so replay also works where evdev is not installed.

GS (ASCII 29, the GS1 FNC1 separator) arrives in two ways: Ctrl+] (``]`` with a Ctrl key held;
a plain ``]`` without Ctrl is the start of an AIM prefix such as ``]C1``), and Alt+keypad
0029 (Alt held while typing a decimal code on the keypad; any code gives its character).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

EV_SYN = 0
EV_KEY = 1
SYN_DROPPED = 3
KEY_RELEASED, KEY_PRESSED, KEY_REPEATED = 0, 1, 2

# Linux input-event-codes.h numbers for the keys a scanner can send (a fixed kernel ABI).
KEY_CODES: dict[str, int] = {
    "KEY_ESC": 1, "KEY_1": 2, "KEY_2": 3, "KEY_3": 4, "KEY_4": 5, "KEY_5": 6, "KEY_6": 7,
    "KEY_7": 8, "KEY_8": 9, "KEY_9": 10, "KEY_0": 11, "KEY_MINUS": 12, "KEY_EQUAL": 13,
    "KEY_BACKSPACE": 14, "KEY_TAB": 15, "KEY_Q": 16, "KEY_W": 17, "KEY_E": 18, "KEY_R": 19,
    "KEY_T": 20, "KEY_Y": 21, "KEY_U": 22, "KEY_I": 23, "KEY_O": 24, "KEY_P": 25,
    "KEY_LEFTBRACE": 26, "KEY_RIGHTBRACE": 27, "KEY_ENTER": 28, "KEY_LEFTCTRL": 29,
    "KEY_A": 30, "KEY_S": 31, "KEY_D": 32, "KEY_F": 33, "KEY_G": 34, "KEY_H": 35, "KEY_J": 36,
    "KEY_K": 37, "KEY_L": 38, "KEY_SEMICOLON": 39, "KEY_APOSTROPHE": 40, "KEY_GRAVE": 41,
    "KEY_LEFTSHIFT": 42, "KEY_BACKSLASH": 43, "KEY_Z": 44, "KEY_X": 45, "KEY_C": 46,
    "KEY_V": 47, "KEY_B": 48, "KEY_N": 49, "KEY_M": 50, "KEY_COMMA": 51, "KEY_DOT": 52,
    "KEY_SLASH": 53, "KEY_RIGHTSHIFT": 54, "KEY_KPASTERISK": 55, "KEY_LEFTALT": 56,
    "KEY_SPACE": 57, "KEY_CAPSLOCK": 58, "KEY_NUMLOCK": 69, "KEY_KP7": 71, "KEY_KP8": 72,
    "KEY_KP9": 73, "KEY_KPMINUS": 74, "KEY_KP4": 75, "KEY_KP5": 76, "KEY_KP6": 77,
    "KEY_KPPLUS": 78, "KEY_KP1": 79, "KEY_KP2": 80, "KEY_KP3": 81, "KEY_KP0": 82,
    "KEY_KPDOT": 83, "KEY_102ND": 86, "KEY_KPENTER": 96, "KEY_RIGHTCTRL": 97,
    "KEY_KPSLASH": 98, "KEY_RIGHTALT": 100, "KEY_KPEQUAL": 117, "KEY_KPCOMMA": 121,
}  # fmt: skip
K = KEY_CODES

KEYPAD_DIGITS: dict[int, int] = {K[f"KEY_KP{digit}"]: digit for digit in range(10)}
END_KEYS = frozenset({K["KEY_ENTER"], K["KEY_KPENTER"], K["KEY_TAB"]})
END_CHARACTERS = frozenset("\r\n\t")  # the same, when produced by Ctrl+M/J/I or Alt+013
SHIFT_KEYS = frozenset({K["KEY_LEFTSHIFT"], K["KEY_RIGHTSHIFT"]})
CTRL_KEYS = frozenset({K["KEY_LEFTCTRL"], K["KEY_RIGHTCTRL"]})
LEFT_ALT, RIGHT_ALT = K["KEY_LEFTALT"], K["KEY_RIGHTALT"]
CAPS_LOCK = K["KEY_CAPSLOCK"]
# Ctrl plus one of these characters gives the C0 control character (Ctrl+] is GS, 29).
CONTROL_BASE = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"

# Levels of a key as one string: plain, Shift, AltGr, AltGr+Shift.
US_KEYS: dict[str, str] = {
    "KEY_GRAVE": "`~", "KEY_1": "1!", "KEY_2": "2@", "KEY_3": "3#", "KEY_4": "4$", "KEY_5": "5%",
    "KEY_6": "6^", "KEY_7": "7&", "KEY_8": "8*", "KEY_9": "9(", "KEY_0": "0)", "KEY_MINUS": "-_",
    "KEY_EQUAL": "=+",
    "KEY_Q": "qQ", "KEY_W": "wW", "KEY_E": "eE", "KEY_R": "rR", "KEY_T": "tT", "KEY_Y": "yY",
    "KEY_U": "uU", "KEY_I": "iI", "KEY_O": "oO", "KEY_P": "pP", "KEY_LEFTBRACE": "[{",
    "KEY_RIGHTBRACE": "]}", "KEY_BACKSLASH": "\\|",
    "KEY_A": "aA", "KEY_S": "sS", "KEY_D": "dD", "KEY_F": "fF", "KEY_G": "gG", "KEY_H": "hH",
    "KEY_J": "jJ", "KEY_K": "kK", "KEY_L": "lL", "KEY_SEMICOLON": ";:", "KEY_APOSTROPHE": "'\"",
    "KEY_Z": "zZ", "KEY_X": "xX", "KEY_C": "cC", "KEY_V": "vV", "KEY_B": "bB", "KEY_N": "nN",
    "KEY_M": "mM", "KEY_COMMA": ",<", "KEY_DOT": ".>", "KEY_SLASH": "/?", "KEY_102ND": "\\|",
    "KEY_SPACE": "  ",
    # The keypad, with Num Lock on as scanners assume.
    "KEY_KP0": "00", "KEY_KP1": "11", "KEY_KP2": "22", "KEY_KP3": "33", "KEY_KP4": "44",
    "KEY_KP5": "55", "KEY_KP6": "66", "KEY_KP7": "77", "KEY_KP8": "88", "KEY_KP9": "99",
    "KEY_KPDOT": "..", "KEY_KPSLASH": "//", "KEY_KPASTERISK": "**", "KEY_KPMINUS": "--",
    "KEY_KPPLUS": "++", "KEY_KPEQUAL": "==", "KEY_KPCOMMA": ",,",
}  # fmt: skip

UK_KEYS: dict[str, str] = US_KEYS | {
    "KEY_GRAVE": "`¬¦", "KEY_2": '2"', "KEY_3": "3£", "KEY_4": "4$€", "KEY_APOSTROPHE": "'@",
    "KEY_BACKSLASH": "#~", "KEY_102ND": "\\|",
}  # fmt: skip

# German QWERTZ. The dead keys (^ ´ `) are taken as the plain character: a scanner that sends
# them follows with a space on a real keyboard, which we keep as typed.
DE_KEYS: dict[str, str] = US_KEYS | {
    "KEY_GRAVE": "^°", "KEY_1": "1!", "KEY_2": '2"²', "KEY_3": "3§³", "KEY_4": "4$",
    "KEY_5": "5%", "KEY_6": "6&", "KEY_7": "7/{", "KEY_8": "8([", "KEY_9": "9)]", "KEY_0": "0=}",
    "KEY_MINUS": "ß?\\", "KEY_EQUAL": "´`",
    "KEY_Q": "qQ@", "KEY_E": "eE€", "KEY_Y": "zZ", "KEY_LEFTBRACE": "üÜ", "KEY_RIGHTBRACE": "+*~",
    "KEY_SEMICOLON": "öÖ", "KEY_APOSTROPHE": "äÄ", "KEY_BACKSLASH": "#'",
    "KEY_102ND": "<>|", "KEY_Z": "yY", "KEY_M": "mMµ", "KEY_COMMA": ",;", "KEY_DOT": ".:",
    "KEY_SLASH": "-_", "KEY_KPDOT": ",,",
}  # fmt: skip


@dataclass(frozen=True)
class KeyboardLayout:
    """What each key position types on one national layout, and its Ctrl chords."""

    name: str
    description: str
    keys: Mapping[int, str]  # key code -> levels (plain, Shift, AltGr, AltGr+Shift)
    right_alt_is_altgr: bool = False
    # Ctrl chords whose control character is not found from the key's character: on Windows
    # (where scanners are usually set up) the key right of P gives GS with Ctrl whatever the
    # layout prints on it.
    control: Mapping[int, str] = field(default_factory=dict)
    letters: frozenset[int] = frozenset()  # keys Caps Lock affects

    @classmethod
    def from_names(
        cls,
        name: str,
        description: str,
        keys: Mapping[str, str],
        *,
        right_alt_is_altgr: bool = False,
        control: Mapping[str, str] | None = None,
    ) -> KeyboardLayout:
        by_code = {KEY_CODES[key]: levels for key, levels in keys.items()}
        letters = frozenset(
            code
            for code, levels in by_code.items()
            if len(levels) >= 2
            and levels[0].isalpha()
            and levels[1] == levels[0].upper()
            and levels[0] != levels[1]
        )
        return cls(
            name=name,
            description=description,
            keys=by_code,
            right_alt_is_altgr=right_alt_is_altgr,
            control={KEY_CODES[key]: char for key, char in (control or {}).items()},
            letters=letters,
        )

    def character(self, code: int, shift: bool, altgr: bool, caps_lock: bool) -> str | None:
        levels = self.keys.get(code)
        if not levels:
            return None
        if caps_lock and code in self.letters:
            shift = not shift
        index = (2 if altgr else 0) + (1 if shift else 0)
        if index >= len(levels) or (levels[index] == " " and code != KEY_CODES["KEY_SPACE"]):
            return None
        return levels[index]


LAYOUTS: dict[str, KeyboardLayout] = {
    "us": KeyboardLayout.from_names("us", "US English (QWERTY)", US_KEYS),
    "uk": KeyboardLayout.from_names("uk", "UK English", UK_KEYS, right_alt_is_altgr=True),
    "de": KeyboardLayout.from_names(
        "de",
        "German (QWERTZ)",
        DE_KEYS,
        right_alt_is_altgr=True,
        control={"KEY_RIGHTBRACE": "\x1d", "KEY_102ND": "\x1c"},
    ),
}


def get_layout(name: str) -> KeyboardLayout:
    """The layout called ``name`` (case-insensitive); ValueError naming the known ones."""
    layout = LAYOUTS.get(name.lower())
    if layout is None:
        raise ValueError(f"unknown keyboard layout {name!r} (known: {', '.join(sorted(LAYOUTS))})")
    return layout


class KeyEventDecoder:
    """Turns a scanner's key events into scans. Pure: no device, no clock, no evdev.

    ``feed(type, code, value)`` takes one event (evdev numbers: EV_KEY is 1; value 1 press,
    0 release, 2 auto-repeat) and returns the scan text when Enter, keypad Enter or Tab ends a
    non-empty scan, else None.

    Rules worth knowing:
    - Auto-repeat events are ignored: a scanner presses and releases every key, so a repeat
      only means a key hung for a quarter second (a stuck or slow link), and repeating it would
      put extra characters into a serial number.
    - Alt (left Alt, or right Alt where it is not AltGr) held while keypad digits are typed
      gives the character with that decimal code when Alt is released (0029 gives GS).
    - Ctrl with a key gives its control character (Ctrl+] is GS); other Alt chords are ignored.
    - A lost-events marker from the kernel (SYN_DROPPED), or a scan longer than
      ``max_length`` characters, drops the scan in progress: nothing half-read is returned.
      :meth:`take_dropped` then says why.
    """

    def __init__(self, layout: str | KeyboardLayout = "us", *, max_length: int = 65536) -> None:
        self.layout = get_layout(layout) if isinstance(layout, str) else layout
        self.max_length = max_length
        self._held: set[int] = set()
        self._caps_lock = False
        self._chars: list[str] = []
        self._alt_digits: str | None = None  # None: not in an Alt+keypad sequence
        self._spoiled: str | None = None  # why the scan in progress will be dropped
        self._dropped: str | None = None

    @property
    def pending(self) -> str:
        """What has been typed since the last scan ended."""
        return "".join(self._chars)

    def reset(self) -> None:
        """Forget the scan in progress and the keys held (the device was reopened)."""
        self._held.clear()
        self._chars.clear()
        self._alt_digits = None
        self._spoiled = None

    def take_dropped(self) -> str | None:
        """Why the last scan was dropped, once; None if none was."""
        reason, self._dropped = self._dropped, None
        return reason

    def feed(self, type: int, code: int, value: int) -> str | None:
        if type == EV_SYN and code == SYN_DROPPED:
            self._spoil("the kernel dropped key events (the reader fell behind)")
            self._held.clear()
            return None
        if type != EV_KEY or value == KEY_REPEATED:
            return None
        if value == KEY_RELEASED:
            return self._release(code)
        if value != KEY_PRESSED:
            return None
        return self._press(code)

    # -- internals -------------------------------------------------------------------------

    def _alt_codes(self) -> set[int]:
        return {LEFT_ALT} if self.layout.right_alt_is_altgr else {LEFT_ALT, RIGHT_ALT}

    def _release(self, code: int) -> str | None:
        self._held.discard(code)
        if code in self._alt_codes() and not (self._held & self._alt_codes()):
            digits, self._alt_digits = self._alt_digits, None
            if digits:
                number = int(digits)
                if 0 < number <= 0x10FFFF and not 0xD800 <= number <= 0xDFFF:
                    return self._emit(chr(number))
        return None

    def _press(self, code: int) -> str | None:
        if code in SHIFT_KEYS or code in CTRL_KEYS:
            self._held.add(code)
            return None
        if code in (LEFT_ALT, RIGHT_ALT):
            self._held.add(code)
            if code in self._alt_codes() and self._alt_digits is None:
                self._alt_digits = ""
            return None
        if code == CAPS_LOCK:
            self._caps_lock = not self._caps_lock
            return None
        if code in END_KEYS:
            return self._finish()
        held = self._held
        if held & self._alt_codes():
            # Alt+keypad digits build a character code; any other Alt chord is not text.
            if code in KEYPAD_DIGITS and self._alt_digits is not None:
                self._alt_digits += str(KEYPAD_DIGITS[code])
            else:
                self._alt_digits = None
            return None
        shift = bool(held & SHIFT_KEYS)
        altgr = self.layout.right_alt_is_altgr and RIGHT_ALT in held
        if held & CTRL_KEYS:
            return self._control(code, shift, altgr)
        char = self.layout.character(code, shift, altgr, self._caps_lock)
        return None if char is None else self._emit(char)

    def _control(self, code: int, shift: bool, altgr: bool) -> str | None:
        if not altgr and not shift and code in self.layout.control:
            return self._emit(self.layout.control[code])
        char = self.layout.character(code, shift, altgr, caps_lock=False)
        if char is None:
            return None
        base = char.upper()
        if len(base) == 1 and base in CONTROL_BASE and base != "@":  # Ctrl+@ would be NUL
            return self._emit(chr(ord(base) & 0x1F))
        return None

    def _emit(self, char: str) -> str | None:
        if char in END_CHARACTERS:
            return self._finish()
        if len(self._chars) >= self.max_length:
            self._spoil(f"a scan longer than {self.max_length} characters without Enter")
            self._chars.clear()
            return None
        self._chars.append(char)
        return None

    def _spoil(self, reason: str) -> None:
        if self._spoiled is None:
            self._spoiled = reason

    def _finish(self) -> str | None:
        text = "".join(self._chars)
        self._chars.clear()
        spoiled, self._spoiled = self._spoiled, None
        if spoiled is not None:
            self._dropped = f"scan dropped: {spoiled}"
            return None
        return text or None
