"""A scan (decoder) and a pasted list of serials are trimmed and parted at the ASCII space,
tab, CR and LF only, as ``apply`` trims a serial: a no-break space, U+2028 or a byte-order
mark at either end of a scan, or between two serials of a list, is refused, named, never
dropped (README "One serial, one live unit")."""

from __future__ import annotations

import pytest

from serialpos.domain.decoder import decode
from serialpos.domain.errors import BadSerial
from serialpos.domain.serial_lists import parse_serial_list


@pytest.mark.parametrize("char", ["\u00a0", "\u2028", "\ufeff", "\u3000", "\u0085"])
@pytest.mark.parametrize("raw", ["SN01{}\r\n", "{}SN01"])
def test_a_scan_is_not_trimmed_of_an_invisible_character(char: str, raw: str) -> None:
    decoded = decode(raw.format(char))
    assert decoded.kind == "unreadable", decoded
    assert decoded.error is not None
    if char != "\u0085":  # a C1 control: "scan contains control characters"
        assert f"U+{ord(char):04X} at position" in decoded.error


def test_a_scan_is_still_trimmed_of_ascii_space_tab_cr_lf() -> None:
    assert decode(" \tSN01 \r\n").serial == "SN01"


@pytest.mark.parametrize("char", ["\u00a0", "\u2028", "\u3000"])
def test_a_pasted_list_is_not_parted_at_an_invisible_space(char: str) -> None:
    with pytest.raises(BadSerial, match=f"entry 2 .*U\\+{ord(char):04X} at position 4"):
        parse_serial_list(f"SN1\nSN2{char}SN3")
    assert parse_serial_list("SN1 SN2,SN3;\tSN4\r\nSN5") == ["SN1", "SN2", "SN3", "SN4", "SN5"]
