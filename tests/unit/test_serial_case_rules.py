"""The case-twin rule without a database or a screen (domain/serial_case.py): a new serial
equal to a recorded one ignoring letter case is refused naming it; ASCII-only folding; a
batch or ASN file holding both cases is refused naming both; a lookup's "did you mean"."""

from __future__ import annotations

from serialpos.domain.asn_csv import parse_csv
from serialpos.domain.decoder import decode
from serialpos.domain.products import SerialMode
from serialpos.domain.scan_resolution import (
    KnownUnit,
    LedgerFacts,
    ProductFacts,
    ProductSerial,
    Refusal,
    ScanContext,
    UnitFacts,
    resolve,
)
from serialpos.domain.serial_case import case_twin, did_you_mean, fold, twins_within
from serialpos.domain.states import UnitState

DRILL = ProductFacts("TL-DRL18", "Drill 18V", SerialMode.REQUIRED)
SAW = ProductFacts("TL-SAW", "Saw", SerialMode.REQUIRED)
W2D9 = UnitFacts(DRILL, "W2D-9", UnitState.IN_STOCK, "S01")
RECEIVING = ScanContext("S01", SAW, fixed_product=True, creates_units=True)
LOOKUP = ScanContext("S01")
TWIN = (
    "'w2d-9' differs only in letter case from W2D-9 (TL-DRL18, in stock at S01): "
    "scan the label again (is caps lock on?)"
)


def test_folding_is_ascii_letters_only() -> None:
    assert fold("W2D-9") == "w2d-9"
    assert fold("ÉCLAIR-Ä1") == "Éclair-Ä1"  # never the collation's or Unicode's folding
    assert fold("STRASSE") != fold("straße")
    assert fold("İI") == "İi"


def test_a_twin_is_another_serial_equal_ignoring_case_and_a_live_one_is_named_first() -> None:
    sold = UnitFacts(SAW, "w2D-9", UnitState.SOLD, "S02")
    assert case_twin("w2d-9", [sold, W2D9]) is W2D9
    assert case_twin("w2d-9", [sold]) is sold
    assert case_twin("W2D-9", [W2D9]) is None  # the same serial: no twin of itself
    assert case_twin("W2D-90", [W2D9]) is None


def test_a_new_serial_in_other_case_is_refused_where_units_are_made() -> None:
    facts = LedgerFacts(case_twins=(W2D9,))
    for context in (RECEIVING, ScanContext("S01", DRILL, creates_units=True)):
        assert resolve(decode("w2d-9"), context, facts) == Refusal("duplicate_serial", TWIN)
    # Without the twin it is a new serial; a flow that makes no unit is not refused for it.
    assert resolve(decode("w2d-9"), RECEIVING, LedgerFacts()) == ProductSerial(SAW, "w2d-9")
    sale_line = ScanContext("S01", SAW, fixed_product=True)
    assert resolve(decode("w2d-9"), sale_line, facts) == ProductSerial(SAW, "w2d-9")
    # The unit itself, by its exact serial, is the unit (a return, a transfer in).
    own = ScanContext("S01", DRILL, creates_units=True)
    assert resolve(decode("W2D-9"), own, LedgerFacts((W2D9,))) == KnownUnit(W2D9)


def test_a_lookup_that_misses_says_did_you_mean() -> None:
    outcome = resolve(decode("w2d-9"), LOOKUP, LedgerFacts(case_twins=(W2D9,)))
    assert outcome == Refusal("unknown_serial", "serial w2d-9 is not known: did you mean W2D-9?")
    assert did_you_mean("w2d-9", ["W2D-9", "w2D-9"]) == (
        "did you mean one of W2D-9, w2D-9? (serials differing only in letter case)"
    )
    assert did_you_mean("w2d-9", []) is None
    assert did_you_mean("w2d-9", ["w2d-9"]) is None


def test_a_batch_names_both_cases() -> None:
    assert twins_within(["AB-1", "X-2", "ab-1", "AB-1", "aB-1"]) == [
        ("AB-1", "ab-1"),
        ("AB-1", "aB-1"),
    ]
    assert twins_within(["AB-1", "AB-1", "X-2"]) == []  # a repeat is "listed twice"


def test_an_asn_file_naming_one_label_in_two_cases_is_refused_naming_both() -> None:
    text = (
        "ASN,Vendor,SKU,Quantity,Serials,CasePack\n"
        "ASN-1,Acme,TL-SAW,2,SW-1|SW-2,\n"
        "ASN-1,Acme,TL-SAW,1,sw-1,\n"
    )
    parsed = parse_csv(text)
    assert [str(p) for p in parsed.problems] == [
        "line 3: serials SW-1 and sw-1 differ only in letter case: one label, scanned twice "
        "(is caps lock on?); keep the one printed on the label (at line 2)"
    ]
