"""An entry typed, scanned or pasted into one of the console's fields that holds an invisible
character: refused whole, naming the character and its position, as ``apply`` and the ASN
import refuse such a serial.

A zero-width space (U+200B), a no-break space (U+00A0), a byte-order mark (U+FEFF), a bidi
override (U+202E) or a line separator (U+2028) makes a serial that looks the same on screen
and in a search as the label's, but is another unit. A terminal's own text field drops such a
key without a word, so a scan holding one used to be taken as the serial without it; and
``str.strip()`` took one off either end. The rule is ``invisible_character`` (``domain/text.py``),
the one ``normalize_serial`` (``apply``) and the ASN checks use: the three paths agree.

The field shows such a character as a marker (``⟨U+200B⟩``) where it was, so a person sees what
the scanner sent; :func:`marked` and :func:`unmarked` convert between the two.
"""

from __future__ import annotations

import re
import unicodedata

from serialpos.domain.text import invisible_character, shown

#: What is trimmed around an entry, as around a serial (``domain/serials.py``): the ASCII
#: space and tab people type and the CR/LF a scanner ends a read with. Nothing else.
AROUND = " \t\r\n"
GS = "\x1d"
_MARK = re.compile(r"⟨U\+([0-9A-F]{4,6})⟩")


def hidden(char: str) -> bool:
    """True for one character that a field would otherwise drop or show as nothing: an
    invisible, format or non-ASCII space character. Control characters (Ctrl keys, GS) are
    not: they are keys, or shown as ``\\xNN`` text."""
    return (
        len(char) == 1
        and unicodedata.category(char) != "Cc"
        and invisible_character(char) is not None
    )


def marked(text: str) -> str:
    """``text`` with every hidden character written as ``⟨U+200B⟩``, one cell each letter."""
    if text.isascii():
        return text
    return "".join(f"⟨U+{ord(c):04X}⟩" if hidden(c) else c for c in text)


def unmarked(text: str) -> str:
    """The characters :func:`marked` stood for, given back (a marker for a visible character,
    typed by hand, stays as typed)."""
    if "⟨" not in text:
        return text

    def back(match: re.Match[str]) -> str:
        code = int(match[1], 16)
        char = chr(code) if code <= 0x10FFFF else ""
        return char if char and hidden(char) else match[0]

    return _MARK.sub(back, text)


def entry_refusal(text: str) -> str | None:
    """Why an entry holding an invisible character is refused (``'356<U+200B>…' holds an
    invisible character (U+200B at position 4): …``), or None. Positions count from 1 after
    the ASCII space, tab, CR and LF around it, as ``apply`` counts them. GS (GS1's FNC1) is
    data, not an invisible character."""
    entry = text.strip(AROUND)
    if entry.isascii():
        return None  # control characters are the decoder's (it names them)
    odd = invisible_character(entry.replace(GS, " "))  # same length: positions hold
    if odd is None:
        return None
    return f"'{shown(entry)}' holds an invisible character ({odd}): scan or type it again"


def identifier_refusal(what: str, value: str, fix: str = "type it again without it") -> str | None:
    """Why ``value``, an id or name that picks one thing out (an ASN id, a vendor, a document
    or transfer id, an order or refund note a host names, a SKU, a store code, a customer's
    key), is refused for an invisible, format or non-ASCII space character, or None.

    The rule serials follow (``invisible_character``): ``Y-2<U+200B>`` looks like ``Y-2`` on
    screen, in a file and in a search, yet is another text, so a vendor's one ASN could be
    imported and received twice, a transfer shipped under an id nobody can type again, a
    document recorded under an id no search finds. Refused, never trimmed or cleaned: the
    sender sees which character and where (positions count from 1) and sends the id again.
    The ASCII space is allowed inside (``PO 77/1``); whether one may lead or trail is the
    caller's rule."""
    odd = invisible_character(value)
    if odd is None:
        return None
    return (
        f"{what} '{shown(value)}' holds an invisible character ({odd}): it looks like "
        f"another one but is not; {fix}"
    )
