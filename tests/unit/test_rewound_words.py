"""A till restored from an older copy is said in a few words on the status line (40 columns
at the smallest: terminal/link.py ``refusal_words``), and in whole by central's verdict:
what happened, and what a person does (domain/journal_rewind.py)."""

from __future__ import annotations

from serialpos.domain.journal_rewind import rewind_words
from serialpos.terminal.link import refusal_words


def test_the_status_line_says_a_rewound_journal_in_a_few_words() -> None:
    words = refusal_words("journal_rewound", "central did not take journal entry 3 ... " * 5)
    assert words == "journal rewound (restored?)"
    assert len(f"REFUSED {words}") <= 40


def test_central_says_what_happened_and_what_to_do() -> None:
    words = rewind_words("till-1", 3, "e-3", 7, "number_taken", "order number S1-T-000003")
    assert words.startswith(
        "journal rewound: central holds entries of terminal till-1 up to 7, and entry 3 "
        "under another id (e-3)"
    ), words
    assert "restored from an older copy" in words
    assert "It was refused (number_taken: order number S1-T-000003)" in words
    assert "nothing of it is applied at central, and it waits on this till, kept" in words
    assert "serialpos terminal pending lists them" in words
    # No number known (entries taken before migration 0040): the range is left out.
    assert "entries of terminal till-1, and entry 3" in rewind_words(
        "till-1", 3, "e-3", None, "number_taken", "taken"
    )
