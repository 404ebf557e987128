"""The note that names the documents central did not take says what each is (issue 16):
the X report called a refund note central did not take a "sale"."""

from __future__ import annotations

from serialpos.services.not_taken import note, shift_note


def test_a_refund_note_is_named_a_refund_note() -> None:
    words = shift_note(["RF-S1-B-000003"], {"RF-S1-B-000003"})
    assert words is not None
    assert words.startswith("1 refund note central did not take is in the drawer figures")
    assert "sale" not in words.split(":")[0]


def test_sales_and_refund_notes_are_counted_apart() -> None:
    numbers = ["INV-S1-B-000001", "INV-S1-B-000002", "RF-S1-B-000003"]
    words = note(numbers, {"RF-S1-B-000003"})
    assert words is not None
    assert words.startswith("2 sales and 1 refund note central did not take are not counted (")


def test_sales_alone_read_as_before() -> None:
    assert shift_note(["INV-S1-B-000001"]) == (
        "1 sale central did not take is in the drawer figures, listed apart "
        "(INV-S1-B-000001): serialpos conflicts list / serialpos terminal refused"
    )
    assert note([]) is None
