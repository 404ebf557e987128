"""One keymap (issue 14 item 9): a Ctrl key or a command letter means one thing on every
screen, nothing is bound to a key tmux or the terminal takes (^B, ^S, ^Q), and docs/keys.md
is what the bindings say."""

from __future__ import annotations

from serialpos.tui import keymap_doc
from serialpos.tui.app import SerialposApp
from serialpos.tui.keymap import FORBIDDEN
from serialpos.tui.keymap_doc import BoundKey, bound_keys, console_classes, problems


def test_every_shared_key_means_one_thing_and_none_is_forbidden() -> None:
    assert problems(bound_keys()) == []


def test_no_forbidden_key_even_through_textual_defaults() -> None:
    for cls in console_classes():
        merged = cls._merge_bindings().key_to_bindings
        assert not FORBIDDEN & set(merged), cls.__qualname__
    assert "ctrl+q" not in SerialposApp._merge_bindings().key_to_bindings


def test_the_check_finds_a_second_meaning_a_forbidden_key_and_an_unknown_action() -> None:
    found = problems(
        [
            BoundKey("A", "ctrl+y", "pay", "Pay", False),
            BoundKey("B", "ctrl+y", "cancel_selected", "Cancel", False),
            BoundKey("C", "ctrl+b", "void", "Void", False),
            BoundKey("D", "d", "delivery", "Delivery", False),
            BoundKey("E", "d", "choose('disabled')", "Disabled", True),  # a menu choice
        ]
    )
    assert found == [
        "B: ctrl+y → cancel_selected: the action is not in keymap.ACTION_KEY",
        "C: ctrl+b → void: the terminal or tmux takes ctrl+b",
        "D: d → delivery: d means 'mark the returned unit damaged'",
    ]


def test_docs_keys_md_is_current() -> None:
    assert keymap_doc.main(["--check"]) == 0, "run: python -m serialpos.tui.keymap_doc"
    text = keymap_doc.DOC.read_text(encoding="utf-8")
    assert "| ^Y | tender" in text and "| ^B" not in text
