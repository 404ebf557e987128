"""A product on two ASN lines, one listing serials and one not: a listed serial that never
arrived is said at completion (expected, not arrived), as on a one-line serialized ASN.

Before, the product's line was complete by its count alone: B1 and two serials the ASN does
not list (one in place of the unlisted unit, one in place of B2) completed the ASN as
matching, with no discrepancy, and B2 stayed ``expected`` unsaid. Fails on the code before
(domain/checklist.py ``ChecklistLine.complete``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from serialpos.db.asn_tables import asn_t
from serialpos.db.engine import Database
from serialpos.domain.checklist import Checklist, ChecklistLine, Discrepancy
from serialpos.services import products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.asn.views import asn_detail
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger

MISSING = "PH: 3 of 3 received but listed B2 not among them (expected, not arrived)"


@pytest.fixture
def mixed(db: Database, admin: Actor) -> str:
    products.create_product(db, admin, sku="PH", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CAB", name="Cable")
    data = (
        b"ASN,Vendor,SKU,Quantity,Serials,CasePack\n"
        b"ASN-8,Acme,PH,2,B1|B2,\n"
        b"ASN-8,Acme,PH,1,,\n"
        b"ASN-8,Acme,CAB,2,,\n"
    )
    import_asn_data(db, admin, "a.csv", data, "S1")
    return "ASN-8"


SCANS = [
    {"sku": "PH", "serial": "B1"},
    {"sku": "PH", "serial": "X8"},
    {"sku": "PH", "serial": "X7"},
    {"sku": "CAB"},
    {"sku": "CAB"},
]


def test_a_listed_serial_not_arrived_is_a_discrepancy(
    db: Database, admin: Actor, mixed: str, tmp_path: Path
) -> None:
    line = {"op": "asn_receive", "asn": mixed, "store": "S1", "scans": SCANS}
    refused = apply_object(db, admin, line)
    assert (refused["ok"], refused["error"]) == (False, "discrepancies")
    assert refused["message"] == (
        f'the scans do not match: {MISSING}; send "complete": true to complete with these '
        "differences"
    )
    assert asn_detail(db, mixed).status == "open"  # nothing received
    done = apply_object(db, admin, line | {"complete": True})
    assert done["ok"], done
    assert done["discrepancies"] == [{"sku": "PH", "expected": 3, "received": 3, "missing": ["B2"]}]
    assert check_ledger(db) == []  # B2 stays expected, as the receipt said


def test_db_check_sees_an_asn_received_as_matching_with_a_listed_serial_expected(
    db: Database, admin: Actor, mixed: str
) -> None:
    """What the old completion left, made here by the receipt it recorded: no differences."""
    done = apply_object(
        db, admin, {"op": "asn_receive", "asn": mixed, "store": "S1", "scans": SCANS,
                    "complete": True}
    )  # fmt: skip
    assert done["ok"], done
    db.write(lambda conn: conn.execute(asn_t.update().values(discrepancies=None)))
    found = [(f.rule, f.store, f.sku, f.detail) for f in check_ledger(db)]
    assert found == [
        (
            "asn_listed_unsaid",
            "S1",
            "PH",
            "ASN ASN-8 was received as matching but lists B2, still expected: a unit not "
            "received, never said",
        )
    ]


def test_the_checklist_line_is_complete_only_with_its_listed_serials() -> None:
    line = ChecklistLine("PH", "Phone", 3, True, listed=frozenset({"B1", "B2"}))
    checklist = Checklist([line], document="ASN-8")
    for serial in ("B1", "X8", "X7"):
        checklist.scan("PH", serial)
    assert not checklist.complete
    assert checklist.discrepancies() == [Discrepancy("PH", 3, 3, ("B2",))]
    assert checklist.discrepancies()[0].words == MISSING
    checklist.rescan("PH")
    for serial in ("B1", "X8", "B2"):
        checklist.scan("PH", serial)
    assert checklist.complete and checklist.discrepancies() == []
