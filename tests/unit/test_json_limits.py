"""domain/json_text.py's shortcut: a text the scans in C call plainly within the limits is
one the walk over its values would have accepted, so skipping the walk changes no answer."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serialpos.domain import json_text
from serialpos.domain.json_text import MAX_DEPTH, JsonRefused, LoneSurrogate

_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=40,
)


def _walked(text: str) -> str | None:
    """What the walk over the values says of ``text`` (None: nothing)."""
    try:
        json_text._check(json.loads(text), 0)
    except JsonRefused as exc:
        return exc.reason
    return None


@given(_VALUES, st.booleans())
def test_a_text_called_plain_is_one_the_walk_accepts(value: object, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    if json_text._plainly_within_limits(text):
        assert _walked(text) is None


@pytest.mark.parametrize(
    "text",
    [
        '{"serial": "\\ud800"}',  # a lone surrogate by its escape
        '{"serial": "\ud800"}',  # a lone surrogate in the text itself
        "[" * (MAX_DEPTH + 1) + "1" + "]" * (MAX_DEPTH + 1),  # nested too deeply
    ],
)
def test_what_the_walk_refuses_is_still_refused(text: str) -> None:
    assert not json_text._plainly_within_limits(text)
    with pytest.raises(JsonRefused) as refused:
        json_text.loads(text)
    assert refused.value.reason == _walked(text)


def test_a_pushed_line_skips_the_walk_and_reads_as_before() -> None:
    line = '{"id": "e-1", "op": "sell", "store": "S1", "serial": "Ä1", "journal": {"seq": 1}}'
    assert json_text._plainly_within_limits(line)
    assert json_text.loads(line) == json.loads(line)
    assert isinstance(LoneSurrogate("x"), JsonRefused)
