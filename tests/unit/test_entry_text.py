"""The console's entry fields refuse an entry holding an invisible character with the rule
``apply`` uses (``invisible_character``): named, with its position counted as ``apply`` counts
it."""

from __future__ import annotations

import re

import pytest

from serialpos.domain.entry_text import entry_refusal, hidden, marked, unmarked
from serialpos.domain.errors import BadSerial
from serialpos.domain.serials import normalize_serial

HIDDEN = ["\u200b", "\u00a0", "\ufeff", "\u202e", "\u2028", "\u2060", "\u00ad", "\u3000"]


@pytest.mark.parametrize("char", HIDDEN)
@pytest.mark.parametrize(("text", "position"), [("SN{}01", 3), ("SN01{}", 5), ("{}SN01", 1)])
def test_an_entry_is_refused_where_apply_refuses_the_serial(
    char: str, text: str, position: int
) -> None:
    entry = text.format(char)
    code = f"U+{ord(char):04X}"
    refusal = entry_refusal(f"  {entry}\r\n")  # ASCII around it is trimmed, as by apply
    assert refusal is not None and f"({code} at position {position})" in refusal
    assert f"<{code}>" in refusal  # the entry shown with the character written out
    with pytest.raises(BadSerial, match=re.escape(f"{code} at position {position}")):
        normalize_serial(f"  {entry}\r\n")


@pytest.mark.parametrize("text", ["SN-001", "ZB24 0001", "0195012345678903\x1d21SN1", "ü1", ""])
def test_plain_entries_and_gs1_strings_pass(text: str) -> None:
    assert entry_refusal(text) is None


def test_a_gs_keeps_the_positions_of_what_follows() -> None:
    refusal = entry_refusal("01\x1d2\u200b")
    assert refusal is not None and "U+200B at position 5" in refusal


@pytest.mark.parametrize("char", HIDDEN)
def test_a_hidden_character_is_marked_and_given_back(char: str) -> None:
    assert hidden(char)
    shown = marked(f"A{char}B")
    assert shown == f"A⟨U+{ord(char):04X}⟩B" and shown.isprintable()
    assert unmarked(shown) == f"A{char}B"


@pytest.mark.parametrize("char", ["a", " ", "\x1d", "\x01", "\t", "ü", "⟨"])
def test_keys_and_visible_characters_are_not_hidden(char: str) -> None:
    assert not hidden(char)
    assert marked(char) == char


def test_a_marker_of_a_visible_character_stays_as_typed() -> None:
    assert unmarked("A⟨U+0041⟩B⟨U+110000⟩") == "A⟨U+0041⟩B⟨U+110000⟩"
