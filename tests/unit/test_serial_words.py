"""A serial format said in words for the cashier (issue 14, item 10): the common shapes read as
"8 digits after ZB" with an example that fits; anything more complex gets the plain sentence;
the regular expression itself is never shown. No database."""

from __future__ import annotations

import re

import pytest

from serialpos.domain.serial_words import format_refusal, serial_format_words
from serialpos.domain.serials import NAMED_CHECKS, SerialFormat


@pytest.mark.parametrize(
    ("spec", "words", "example"),
    [
        ("^ZB[0-9]{8}$", "8 digits after ZB", "ZB12345678"),
        (r"SN\d{4}", "4 digits after SN", "SN1234"),
        ("^A[0-9]+$", "one or more digits after A", "A1234"),
        ("^[0-9]{15}$", "15 digits", "123456789012345"),
        ("^[A-Z]{2}-[0-9]{6}$", "2 capital letters, then a dash, then 6 digits", "AA-123456"),
        (
            "^SN[0-9]{6,8}[A-Z]?$",
            "SN, then 6 to 8 digits, then an optional capital letter",
            "SN123456A",
        ),
        ("^[A-Za-z0-9]{10,}$", "10 or more letters or digits", "AAAAAAAAAA"),
        ("^[0-9A-F]{12}$", "12 hex digits", "AAAAAAAAAAAA"),
        ("^X[a-z]*$", "any number of small letters after X", "Xaaaa"),
        (r"^LOT\.[0-9]{1,3}$", "1 to 3 digits after LOT.", "LOT.123"),
        ("^[A-Z]$", "1 capital letter", "A"),
        ("^DEMO$", "exactly DEMO", "DEMO"),
    ],
)
def test_common_shapes_are_said_in_words(spec: str, words: str, example: str) -> None:
    said = serial_format_words(spec)
    assert said is not None
    assert (said.words, said.example) == (words, example)
    assert re.fullmatch(spec, said.example)  # the example really fits the format


@pytest.mark.parametrize(
    "spec",
    [
        "(a+)+$",
        "A|B",
        "^(ZB|ZC)[0-9]{8}$",
        "^SN.{4}$",
        r"^\w{6}$",
        "^A{3}[0-9]$",
        "^[B-Y]{3}$",
        "^[0-9]{5,2}$",
        r"^(?i)sn\d+$",
        "",
    ],
)
def test_anything_more_complex_is_not_guessed_at(spec: str) -> None:
    assert serial_format_words(spec) is None


def test_a_refusal_says_the_words_never_the_regular_expression() -> None:
    fmt = SerialFormat.parse("^ZB[0-9]{8}$")
    assert fmt is not None
    said = fmt.problem("ZB1234")
    assert said == "the format is 8 digits after ZB (example: ZB12345678)"
    assert "[0-9]" not in said and "{8}" not in said and "^" not in said


def test_a_complex_format_gets_the_plain_sentence_with_a_known_example() -> None:
    fits = re.compile("^(ZB|ZC)[0-9]{2}$").fullmatch
    assert format_refusal("^(ZB|ZC)[0-9]{2}$", lambda s: fits(s) is not None) == (
        "it does not match the product's serial format"
    )
    assert format_refusal("^(ZB|ZC)[0-9]{2}$", lambda s: fits(s) is not None, "ZC12") == (
        "it does not match the product's serial format (example: ZC12)"
    )
    # an "example" that does not fit is not offered as one
    assert format_refusal("^(ZB|ZC)[0-9]{2}$", lambda s: fits(s) is not None, "QQ") == (
        "it does not match the product's serial format"
    )
    fmt = SerialFormat.parse("^(ZB|ZC)[0-9]{2}$")
    assert fmt is not None
    assert fmt.problem("ZA11") == "it does not match the product's serial format"


def test_words_whose_example_fails_the_format_fall_back() -> None:
    # A matcher that refuses everything: the words would be wrong, so they are not said.
    assert format_refusal("^ZB[0-9]{8}$", lambda s: False) == (
        "it does not match the product's serial format"
    )


def test_named_checks_keep_their_own_sentences() -> None:
    imei = SerialFormat.parse("imei")
    assert imei is not None and set(NAMED_CHECKS) == {"imei", "digits", "alnum"}
    assert imei.problem("35") == "an IMEI has 15 digits, this has 2"
