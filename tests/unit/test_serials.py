"""Serial numbers without a database: normalising what was typed or scanned, and formats."""

from __future__ import annotations

import pytest

from serialpos.domain.errors import BadSerial, BadValue
from serialpos.domain.serials import (
    MAX_SERIAL_LENGTH,
    SerialFormat,
    normalize_serial,
    require_serial,
)

VALID_IMEI = "490154203237518"


# -- normalising ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SN123", "SN123"),
        ("  SN123  ", "SN123"),
        ("SN123\r\n", "SN123"),  # a scanner's CR/LF suffix
        ("\tSN123", "SN123"),
        ("sn-12 34", "sn-12 34"),  # inner spaces are part of the serial
        ("abC1", "abC1"),  # case is kept
    ],
)
def test_normalize_serial_trims_and_keeps_case(raw: str, expected: str) -> None:
    assert normalize_serial(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "\r\n", "\t \t"])
def test_blank_serial_is_none(raw: str | None) -> None:
    assert normalize_serial(raw) is None


def test_require_serial_refuses_blank() -> None:
    with pytest.raises(BadSerial) as err:
        require_serial("  ")
    assert err.value.code == "bad_serial_format"
    assert "blank" in str(err.value)
    assert require_serial(" X1 ") == "X1"


@pytest.mark.parametrize(
    "bad", ["AB\x00CD", "AB\x1bCD", "AB\tCD", "AB\nCD", "AB\x7fCD", "AB\x9bCD"]
)
def test_control_characters_refused(bad: str) -> None:
    with pytest.raises(BadSerial) as err:
        normalize_serial(bad)
    assert err.value.code == "bad_serial_format"
    assert "control characters" in str(err.value)
    # The message shows the character escaped, never raw (a terminal would interpret it).
    assert bad[2] not in str(err.value)
    assert f"\\x{ord(bad[2]):02x}" in str(err.value)


def test_length_limit() -> None:
    assert normalize_serial("A" * MAX_SERIAL_LENGTH) == "A" * MAX_SERIAL_LENGTH
    with pytest.raises(BadSerial) as err:
        normalize_serial("A" * (MAX_SERIAL_LENGTH + 1))
    assert f"{MAX_SERIAL_LENGTH + 1} characters" in str(err.value)
    assert MAX_SERIAL_LENGTH == 64


def test_huge_serial_message_is_clipped() -> None:
    with pytest.raises(BadSerial) as err:
        normalize_serial("Z" * 1_000_000)
    assert len(str(err.value)) < 200


def test_case_is_significant() -> None:
    assert normalize_serial("ab1") != normalize_serial("AB1")


# -- formats --------------------------------------------------------------------------
def test_no_format() -> None:
    assert SerialFormat.parse(None) is None
    assert SerialFormat.parse("") is None
    assert SerialFormat.parse("   ") is None


@pytest.mark.parametrize("spec", ["imei", "IMEI", " Imei "])
def test_imei_named_check_is_case_insensitive(spec: str) -> None:
    fmt = SerialFormat.parse(spec)
    assert fmt == SerialFormat("imei")


def test_imei_valid() -> None:
    fmt = SerialFormat.parse("imei")
    assert fmt is not None
    assert fmt.problem(VALID_IMEI) is None
    fmt.check(VALID_IMEI, "PH1")  # does not raise


@pytest.mark.parametrize(
    ("serial", "reason"),
    [
        ("490154203237519", "check digit"),  # wrong check digit
        ("490154203237510", "check digit"),
        ("49015420323751", "15 digits, this has 14"),  # 14 digits
        ("4901542032375180", "15 digits, this has 16"),
        ("49015420323751A", "only digits"),  # a letter
        ("ABCDEFGHIJKLMNO", "only digits"),
        ("４９０１５４２０３２３７５１８", "only digits"),  # full-width digits are not ASCII
    ],
)
def test_imei_refusals(serial: str, reason: str) -> None:
    fmt = SerialFormat.parse("imei")
    assert fmt is not None
    problem = fmt.problem(serial)
    assert problem is not None and reason in problem
    with pytest.raises(BadSerial) as err:
        fmt.check(serial, "PH1")
    assert err.value.code == "bad_serial_format"
    assert "PH1" in str(err.value) and reason in str(err.value)


def test_digits_format() -> None:
    fmt = SerialFormat.parse("digits")
    assert fmt is not None
    assert fmt.problem("0123456789") is None
    assert fmt.problem("12A") == "only digits are allowed"
    assert fmt.problem("12 3") == "only digits are allowed"
    assert fmt.problem("١٢٣") == "only digits are allowed"  # Arabic-Indic digits


def test_alnum_format() -> None:
    fmt = SerialFormat.parse("alnum")
    assert fmt is not None
    assert fmt.problem("AB12cd") is None
    assert fmt.problem("AB-12") == "only letters and digits are allowed"
    assert fmt.problem("ÄB12") == "only letters and digits are allowed"


def test_regex_format_must_match_whole_serial() -> None:
    fmt = SerialFormat.parse(r"SN\d{4}")
    assert fmt is not None and fmt.spec == r"SN\d{4}"
    assert fmt.problem("SN1234") is None
    # fullmatch: a prefix or a suffix match is not enough
    assert fmt.problem("SN12345") is not None
    assert fmt.problem("XSN1234") is not None
    assert fmt.problem("SN123") is not None
    assert fmt.problem("sn1234") == "the format is 4 digits after SN (example: SN1234)"
    with pytest.raises(BadSerial) as err:
        fmt.check("SN12", "LT1")
    assert str(err.value) == (
        "serial 'SN12' is not valid for LT1: the format is 4 digits after SN (example: SN1234)"
    )


def test_regex_alternation_is_anchored_as_a_whole() -> None:
    fmt = SerialFormat.parse("A|B")
    assert fmt is not None
    assert fmt.problem("A") is None
    assert fmt.problem("B") is None
    assert fmt.problem("AB") is not None


@pytest.mark.parametrize("spec", ["SN[0-9", "(abc", "*x", "a{2,1}"])
def test_invalid_regex_refused(spec: str) -> None:
    with pytest.raises(BadValue) as err:
        SerialFormat.parse(spec)
    assert err.value.code == "bad_value"
    assert "not a valid regular expression" in str(err.value)


def test_format_with_control_characters_refused() -> None:
    with pytest.raises(BadValue):
        SerialFormat.parse("SN\x00\\d+")


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ("LOOK\uff18", "U+FF18 (\uff18) at position 5"),  # full-width 8
        ("\u0410B123", "U+0410 (\u0410) at position 1"),  # Cyrillic A
        ("SN\u00e91", "U+00E9 (\u00e9) at position 3"),
    ],
)
def test_a_serial_with_a_look_alike_non_ascii_character_is_refused(raw: str, where: str) -> None:
    """A full-width digit or a Cyrillic letter shows like its ASCII twin: a unit of its own
    that nobody could tell apart on screen or find by typing it."""
    with pytest.raises(BadSerial) as refused:
        normalize_serial(raw)
    assert where in str(refused.value)
    assert "not plain ASCII" in str(refused.value)


def test_every_character_outside_printable_ascii_is_refused_inside_a_serial() -> None:
    """The plain-ASCII fast path of ``normalize_serial`` (issue 15) keeps the rule exact:
    a serial holding any character but U+0020..U+007E is refused, whichever check names
    it, and every printable ASCII character (the space too) is kept, for the whole BMP and
    the planes above it sampled."""
    accepted = set()
    for code in [*range(0x10000), *range(0x10000, 0x110000, 0x101)]:
        char = chr(code)
        try:
            kept = normalize_serial(f"AB{char}12")
        except BadSerial:
            continue
        assert kept == f"AB{char}12"
        accepted.add(code)
    assert accepted == set(range(0x20, 0x7F))


def test_only_ascii_space_tab_cr_and_lf_are_trimmed_from_around_a_serial() -> None:
    """``str.strip()`` took U+00A0, U+2028, U+3000, U+0085 and U+001C-U+001F from around a
    serial and stored it without them; each is refused now, as it is inside a serial, and
    only what scanners and people add around a read (space, tab, CR, LF) is trimmed."""
    trimmed = set()
    for code in range(0x3100):
        char = chr(code)
        for raw in (f"AB12{char}", f"{char}AB12"):
            try:
                kept = normalize_serial(raw)
            except BadSerial:
                continue
            if kept != raw:
                assert kept == "AB12", repr(raw)
                trimmed.add(code)
    assert trimmed == {0x09, 0x0A, 0x0D, 0x20}


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ("356938030000013\u00a0", "U+00A0 at position 16"),
        ("W2D-3\u2028", "U+2028 at position 6"),
        ("W2D-3\u3000", "U+3000 at position 6"),
        ("W2D-3\u0085", "control characters"),
        ("W2D-3\u001c", "control characters"),
        ("\u001fW2D-US", "control characters"),
        ("\u00a0", "U+00A0 at position 1"),  # not blank: a character the label does not hold
    ],
)
def test_an_invisible_character_at_either_end_is_refused_naming_it(raw: str, named: str) -> None:
    with pytest.raises(BadSerial) as err:
        normalize_serial(raw)
    assert named in str(err.value)
