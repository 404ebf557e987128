"""``named``: a label and its value, the word not said twice (the terminal with no id set is
called ``terminal``: the status line and the shift messages read "terminal terminal")."""

from serialpos.domain.text import named


def test_a_value_that_starts_with_its_word_is_said_once() -> None:
    assert named("terminal", "T1") == "terminal T1"
    assert named("terminal", "terminal") == "terminal"
    assert named("store", "Store 2") == "Store 2"
    assert named("terminal", "terminals-2") == "terminal terminals-2"
