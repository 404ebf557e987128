"""The receiving checklist: per-product expected and scanned, errors and alerts."""

from __future__ import annotations

import pytest

from serialpos.domain.checklist import (
    Checklist,
    ChecklistLine,
    NotOnDocument,
    UnscannedUnits,
    Verdict,
)
from serialpos.domain.errors import BadRequest


def asn() -> Checklist:
    return Checklist(
        [
            ChecklistLine("PHONE", "Phone", 2, True, frozenset({"P1", "P2"})),
            ChecklistLine("LAPTOP", "Laptop", 2, True),  # serials not listed
            ChecklistLine("CABLE", "Cable", 10, False),
        ],
        document="ASN-7",
    )


def test_scans_fill_lines_and_mark_them_complete() -> None:
    checklist = asn()
    assert checklist.scan("PHONE", "P1").verdict is Verdict.ADDED
    assert not checklist.line("PHONE").complete
    result = checklist.scan("PHONE", "P2")
    assert result.line.complete and result.message == "PHONE P2: 2 of 2"
    checklist.scan("LAPTOP", "L9")
    assert checklist.received == 3 and checklist.expected == 14


def test_a_serial_not_on_the_asn_is_refused_and_changes_nothing() -> None:
    checklist = asn()
    with pytest.raises(NotOnDocument, match="serial P3 of PHONE is not on ASN ASN-7") as err:
        checklist.scan("PHONE", "P3")
    assert err.value.code == "not_on_asn"
    assert checklist.line("PHONE").received == 0
    with pytest.raises(NotOnDocument, match="TV is not on ASN ASN-7"):
        checklist.scan("TV", "T1")


def test_a_second_scan_alerts_and_counts_once() -> None:
    checklist = asn()
    checklist.scan("LAPTOP", "L1")
    result = checklist.scan("LAPTOP", "L1")
    assert result.verdict is Verdict.DUPLICATE and "counted once" in result.message
    assert checklist.line("LAPTOP").received == 1
    assert checklist.line("LAPTOP").duplicates == 1


def test_over_scan_is_kept_and_shown_as_a_discrepancy() -> None:
    checklist = asn()
    for serial in ("L1", "L2", "L3"):
        checklist.scan("LAPTOP", serial)
    line = checklist.line("LAPTOP")
    assert line.over == 1 and not line.complete
    assert [d.words for d in checklist.discrepancies() if d.sku == "LAPTOP"] == [
        "LAPTOP: 3 received, 2 expected"
    ]


def test_rescan_clears_one_product_only() -> None:
    checklist = asn()
    checklist.scan("PHONE", "P1")
    checklist.scan("LAPTOP", "L1")
    checklist.rescan("PHONE")
    assert checklist.line("PHONE").received == 0
    assert checklist.scan("PHONE", "P1").verdict is Verdict.ADDED  # not a duplicate any more
    assert checklist.line("LAPTOP").received == 1


def test_receive_all_is_refused_while_serialized_units_are_unscanned() -> None:
    checklist = asn()
    checklist.scan("PHONE", "P1")
    with pytest.raises(UnscannedUnits, match="3 serialized units not scanned"):
        checklist.receive_all()
    assert checklist.line("CABLE").received == 0
    for sku, serial in (("PHONE", "P2"), ("LAPTOP", "L1"), ("LAPTOP", "L2")):
        checklist.scan(sku, serial)
    checklist.receive_all()
    assert checklist.complete and checklist.discrepancies() == []


def test_missing_listed_serials_are_named() -> None:
    checklist = asn()
    checklist.scan("PHONE", "P2")
    missing = {d.sku: d.missing for d in checklist.discrepancies()}
    assert missing["PHONE"] == ("P1",)
    assert missing["LAPTOP"] == ()


def test_counts_for_products_without_serials() -> None:
    checklist = asn()
    checklist.count("CABLE", 4)
    checklist.count("CABLE", 6)
    assert checklist.line("CABLE").complete
    with pytest.raises(BadRequest, match="needs a serial"):
        checklist.count("PHONE", 1)
    with pytest.raises(BadRequest, match="not serialized"):
        checklist.scan("CABLE", "C1")


def test_a_blind_checklist_grows_with_what_arrives() -> None:
    blind = Checklist([], document="R-S01-000001", kind="receipt", blind=True)
    blind.add_line("PHONE", "Phone", True)
    blind.scan("PHONE", "P1")
    blind.scan("PHONE", "P2")
    assert blind.line("PHONE").expected == 2 and blind.complete
    with pytest.raises(NotOnDocument):
        asn().add_line("TV", "TV", True)
