"""What a conflicting stockroom document held that central did not record
(domain/document_not_recorded.py): every unit and every quantity of it, whatever the
document spells a unit without a serial as."""

from __future__ import annotations

from serialpos.domain.document_not_recorded import line_words, not_recorded
from serialpos.domain.resolved_sale import sale_for_people


def test_an_asn_receipt_lists_its_scans_without_a_serial_as_quantities() -> None:
    """ASN-9002 for S02: two drills and three cables scanned; DR-5 had moved at central. A
    till journals each cable as one scan naming only its SKU (services/asn/receiving.py)."""
    scans = [{"sku": "TL-DRL18", "serial": s} for s in ("DR-5", "DR-6")]
    scans += [{"sku": "AC-USBC1"}] * 3
    line = {"op": "asn_receive", "asn": "ASN-9002", "store": "S02", "scans": scans}
    found = not_recorded(line, "DR-5")
    assert found is not None
    assert (found["units"], found["quantities"], found["conflicting"]) == (2, 3, [1])
    assert [line_words(x) for x in found["lines"]] == [
        "TL-DRL18 DR-5",
        "TL-DRL18 DR-6",
        "AC-USBC1 x3",
    ]
    assert "not recorded: 2 units, 3 without serial;" in found["words"], found["words"]


def test_a_blind_receipt_lists_its_quantities_as_before() -> None:
    line = {
        "op": "receive",
        "store": "S02",
        "items": [
            {"sku": "TL-DRL18", "serials": ["DR-5", "DR-6"]},
            {"sku": "AC-USBC1", "quantity": 3},
        ],
    }
    found = not_recorded(line, "DR-5")
    assert found is not None and (found["units"], found["quantities"]) == (2, 3)
    assert [line_words(x) for x in found["lines"]][-1] == "AC-USBC1 x3"


def test_a_resolved_document_conflict_names_the_document_and_no_longer_says_resolve() -> None:
    scans = [{"sku": "TL-DRL18", "serial": s} for s in ("DR-5", "DR-6")]
    scans += [{"sku": "AC-USBC1"}] * 3
    line = {"op": "asn_receive", "asn": "ASN-9002", "store": "S02", "scans": scans}
    conflict = {
        "serial": "DR-5",
        "error": "duplicate_serial",
        "entry": {"line": line},
        "resolution": {"action": "accept", "by": "ada"},
    }
    heading, lines = sale_for_people(conflict)
    assert heading == "RESOLVED"
    assert lines[0] == (
        "accepted by ada: the event that stands stays; the ASN receipt ASN-9002 stays "
        "unrecorded at central: 2 units, 3 without serial; receive the ASN again at the till "
        "(all but the conflicting)"
    ), lines[0]
    assert "sale" not in lines[0] and "resolve" not in lines[0]
    alone = {**conflict, "entry": {"line": {**line, "scans": scans[:1]}}}
    assert sale_for_people(alone)[1][0] == (
        "accepted by ada: the event that stands stays; the ASN receipt ASN-9002 stays "
        "unrecorded at central: 1 unit"
    )


def test_a_transfer_receipt_that_lost_a_quantity_race() -> None:
    """A till's transfer receipt refused ``not_in_transit`` (cables received meanwhile on the
    transfer) names the cables' line as conflicting, by its SKU (the conflict names no
    unit), and says to receive what is still in transit again."""
    line = {
        "op": "transfer_in",
        "store": "S02",
        "transfer": "TX-1",
        "complete": True,
        "items": [{"sku": "AP-FRG300", "serials": ["F2"]}, {"sku": "AC-USBC1", "quantity": 3}],
    }
    found = not_recorded(line, None, "not_in_transit", sku="AC-USBC1")
    assert found is not None
    assert (found["document"], found["number"], found["conflicting"]) == (
        "transfer receipt",
        "TX-1",
        [2],
    )
    assert (found["units"], found["quantities"]) == (1, 3)
    assert found["words"] == (
        "the whole transfer receipt TX-1 was not recorded at central: AC-USBC1 had been "
        "received meanwhile on transfer TX-1; not recorded: 1 unit, 3 without serial; "
        "receive what is still in transit on it again at the till, then resolve by accept"
    )
