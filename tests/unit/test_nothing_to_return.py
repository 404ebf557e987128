"""Why an order has nothing left to return, in words (the returns screen said "0 sold lines;
choose with Space, d for damaged" for a voided order, a fully returned one and one never
handed over alike)."""

from __future__ import annotations

import pytest

from serialpos.domain.orders import nothing_to_return


def test_an_order_with_a_sold_line_has_something_to_return() -> None:
    assert nothing_to_return("S01-000001", "fulfilled", ["returned", "fulfilled"]) is None


@pytest.mark.parametrize(
    ("status", "lines", "words"),
    [
        ("voided", ["open"], "S01-000004 was voided: nothing on it was sold, nothing to return"),
        ("fulfilled", ["returned"], "nothing left to return on S01-000004: its line was returned"),
        (
            "fulfilled",
            ["returned", "returned"],
            "nothing left to return on S01-000004: all 2 lines were returned already",
        ),
        (
            "open",
            ["returned", "open"],
            "nothing left to return on S01-000004: 1 returned already, 1 line not fulfilled yet",
        ),
        (
            "parked",
            ["open", "open"],
            "nothing to return on S01-000004: it is parked, 2 lines not fulfilled yet",
        ),
        ("open", [], "S01-000004 has no lines: nothing to return"),
    ],
)
def test_why_nothing_can_come_back(status: str, lines: list[str], words: str) -> None:
    said = nothing_to_return("S01-000004", status, lines)
    assert said is not None and said.startswith(words), said
    assert "0 sold" not in said
