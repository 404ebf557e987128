"""Where a serial enters the ledger (receiving, adjustments, ASN files, product files): the pure
rules that keep a wrong serial out, without a database or a screen."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serialpos.domain.asn_file import parse_asn_file
from serialpos.domain.decoder import decode
from serialpos.domain.errors import BadValue
from serialpos.domain.products import SerialMode, check_sku, parse_price
from serialpos.domain.scan_resolution import (
    LedgerFacts,
    ProductFacts,
    ProductSerial,
    Refusal,
    ScanContext,
    UnitFacts,
    known_elsewhere,
    merged_scans,
    new_serial_problem,
    resolve,
)
from serialpos.domain.states import UnitState

BIKE = ProductFacts("BK-CITY7", "City bike", SerialMode.REQUIRED)
DRILL = ProductFacts("TL-DRL18", "Drill 18V", SerialMode.REQUIRED)
BLIND_DRILL = ScanContext("S01", DRILL, fixed_product=True, creates_units=True)
SALE_DRILL = ScanContext("S01", DRILL, fixed_product=True)
HEADER = "ASN,Vendor,SKU,Quantity,Serials,CasePack\n"


def bike(state: UnitState) -> UnitFacts:
    return UnitFacts(BIKE, "WTU123456789A", state, "S01")


@pytest.mark.parametrize(
    ("state", "advice"),
    [
        (UnitState.RETURNED_TO_VENDOR, "returned to vendor): receive it under BK-CITY7"),
        (UnitState.WRITTEN_OFF, "written off): receive it under BK-CITY7"),
        (UnitState.SOLD, "sold): take it back as a return of BK-CITY7"),
    ],
)
def test_a_gone_units_serial_never_becomes_a_new_unit_of_another_product(
    state: UnitState, advice: str
) -> None:
    outcome = resolve(decode("WTU123456789A"), BLIND_DRILL, LedgerFacts((bike(state),)))
    assert isinstance(outcome, Refusal)
    assert outcome.code == "duplicate_serial"
    assert outcome.message == (
        f"WTU123456789A is the serial of BK-CITY7 City bike ({advice}, or check the label"
    )


def test_a_serial_the_selected_product_has_itself_is_not_blocked_by_another_products() -> None:
    own = UnitFacts(DRILL, "WTU123456789A", UnitState.RETURNED_TO_VENDOR, "S01")
    assert known_elsewhere("TL-DRL18", (bike(UnitState.SOLD), own)) is None
    live = bike(UnitState.IN_STOCK)
    assert known_elsewhere("TL-DRL18", (bike(UnitState.SOLD), live)) == live  # live first
    assert known_elsewhere("TL-DRL18", ()) is None


def test_a_flow_that_creates_no_unit_is_not_told_to_receive() -> None:
    """A sale line of a drill scanned with a sold bike's serial is no receipt: the ledger
    says the drill has no such unit, as before."""
    outcome = resolve(decode("WTU123456789A"), SALE_DRILL, LedgerFacts((bike(UnitState.SOLD),)))
    assert outcome == ProductSerial(DRILL, "WTU123456789A")


def test_a_new_serial_is_no_product_barcode_and_no_two_labels() -> None:
    barcode = new_serial_problem("05012345000053", "TL-DRL18")
    assert barcode is not None and barcode.code == "bad_serial_format"
    assert "is the barcode of TL-DRL18, not a serial" in barcode.message
    merged = new_serial_problem("FR-300-1015-FR-300-1017", None)
    assert merged is not None and merged.code == "merged_scan"
    assert "FR-300-1015 and FR-300-1017" in merged.message
    assert new_serial_problem("FR-300-1015", None) is None


def _merged_scans_before(text: str) -> tuple[str, str] | None:
    """The run-together test as it was (every cut tried), to prove the quick one the same."""

    def shape(t: str) -> str:
        return "".join("9" if c.isdigit() else "A" if c.isalpha() else c for c in t)

    n = len(text)
    for cut in range(6, n - 5):
        first, second = text[:cut], text[cut:]
        for sep in ("", "-", " ", "/", ","):
            if sep and not second.startswith(sep):
                continue
            rest = second[len(sep) :]
            if len(rest) != len(first) or first == rest or first[:3] != rest[:3]:
                continue
            if not (any(c.isalpha() for c in first) and any(c.isdigit() for c in first)):
                continue
            if shape(first) == shape(rest):
                return first, rest
    return None


_piece = st.text(alphabet="AB01-/ ,", min_size=0, max_size=12)


@given(_piece, st.sampled_from(["", "-", " ", "/", ",", "x"]), _piece)
def test_merged_scans_tries_only_the_cuts_that_can_split(a: str, sep: str, b: str) -> None:
    for text in (a + sep + b, a + sep + a, a + sep + a[:3] + b):
        assert merged_scans(text) == _merged_scans_before(text)


# -- ASN files -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cell", "named"),
    [
        ("DRL18-X\u200b1", "U+200B at position 8"),
        ("DRL18-X\u00a02", "U+00A0 at position 8"),
        ("DRL18-X\ufeff3", "U+FEFF at position 8"),
        ("DRL18-X\u202e4", "U+202E at position 8"),
    ],
)
def test_an_asn_serial_with_an_invisible_character_is_named_with_row_and_position(
    cell: str, named: str
) -> None:
    text = HEADER + f"A1,Acme,TL-DRL18,2,DRL18-X0|{cell},\n"
    csv_problems = [str(p) for p in parse_asn_file("a.csv", text.encode()).problems]
    assert len(csv_problems) == 1
    assert csv_problems[0].startswith("line 2: serial 2 of the list, 'DRL18-X<U+")
    assert f"holds an invisible character ({named})" in csv_problems[0]
    doc = {
        "asn": "J1",
        "vendor": "Acme",
        "lines": [{"sku": "TL-DRL18", "quantity": 2, "serials": ["DRL18-X0", cell]}],
    }
    json_problems = [str(p) for p in parse_asn_file("a.json", json.dumps(doc).encode()).problems]
    assert len(json_problems) == 1
    assert json_problems[0].startswith("ASN J1 line 1: serial 2 of the list")
    assert f"({named})" in json_problems[0]


def test_an_asn_serial_in_other_scripts_or_run_together_is_refused() -> None:
    text = HEADER + "A1,Acme,TL-DRL18,2,DRL18-Ｘ1|FR-300-1015-FR-300-1017,\n"
    assert [str(p) for p in parse_asn_file("a.csv", text.encode()).problems] == [
        "line 2: serial 1 of the list, 'DRL18-Ｘ1', holds a character that is not plain ASCII "
        "(U+FF38 (Ｘ) at position 7): correct the file",
        "line 2: serial 'FR-300-1015-FR-300-1017' looks like two serials run together "
        "(FR-300-1015 and FR-300-1017): list one serial per unit",
    ]


def test_asn_ids_that_differ_only_in_case_are_one_asn() -> None:
    text = HEADER + "ASN-1001,Acme,TL-DRL18,1,,\nasn-1001,Acme,TL-DRL18,1,,\n"
    assert [str(p) for p in parse_asn_file("a.csv", text.encode()).problems] == [
        "line 3: ASN asn-1001 is ASN ASN-1001 (at line 2) in other letter case: "
        "list each ASN under one id"
    ]


# -- product files -------------------------------------------------------------------------
def test_a_sku_with_an_invisible_character_is_refused_naming_it() -> None:
    with pytest.raises(BadValue) as err:
        check_sku("WK\u200b-2")
    assert str(err.value) == (
        "SKU 'WK<U+200B>-2' holds an invisible character (U+200B at position 3): type the SKU again"
    )
    assert check_sku("WK 2") == "WK 2"  # an ASCII space is no invisible character


@pytest.mark.parametrize("text", ["1e3", "1E3", "2.5e2", "1e-2", "1e309"])
def test_a_price_in_exponent_notation_is_refused(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_price(text)
    assert str(err.value) == (
        f"price '{text}' is written with an exponent: write the price as a plain number (1000.00)"
    )
