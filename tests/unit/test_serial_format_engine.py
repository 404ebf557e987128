"""Serial formats run on RE2: linear time whatever the pattern, what RE2 cannot run refused
with its reason, and a bare word read as a mistyped check name."""

from __future__ import annotations

import time

import pytest

from serialpos.domain.errors import BadValue
from serialpos.domain.serials import SerialFormat


def test_a_pattern_that_stalled_python_re_runs_in_linear_time() -> None:
    fmt = SerialFormat.parse("(a+)+$")
    assert fmt is not None
    started = time.perf_counter()
    for length in (20, 26, 31, 64):
        assert fmt.problem("a" * length + "b") == ("it does not match the product's serial format")
    assert time.perf_counter() - started < 0.5  # Python's re took 35 s at 31 characters
    assert fmt.problem("aaaa") is None


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        (
            "imeii",
            "serial format 'imeii' is neither a known check (imei, digits, alnum) nor a "
            "regular expression (a pattern such as ^SN[0-9]{6}$); did you mean imei?",
        ),
        ("digit", "did you mean digits?"),
        ("SN12345", "is neither a known check"),
        (
            "(a)\\1",
            "is not a valid regular expression (invalid escape sequence: \\1; "
            "back-references and look-arounds are not allowed: they cannot be matched in "
            "linear time)",
        ),
        ("(?=ZB)ZB[0-9]+", "invalid perl operator: (?="),
        ("[0-9", "missing ]"),
        ("x" * 150 + "[0-9]" * 20, "at most 200"),
    ],
)
def test_formats_refused_with_the_reason(spec: str, said: str) -> None:
    with pytest.raises(BadValue) as info:
        SerialFormat.parse(spec)
    assert said in info.value.message


@pytest.mark.parametrize(
    "spec", ["imei", "IMEI", "digits", "^ZB[0-9]{8}$", "[A-Z]{2}\\d{6}", "SN-.*"]
)
def test_formats_accepted(spec: str) -> None:
    assert SerialFormat.parse(spec) is not None


def test_a_stored_format_re2_cannot_run_refuses_with_a_reason_not_a_crash() -> None:
    assert SerialFormat("(a)\\1").problem("aa") == (
        "the product's serial format cannot be checked (invalid escape sequence: \\1); a "
        "manager must correct it"
    )
