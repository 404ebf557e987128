"""``serialpos apply`` op ``asn_receive``: a host system receives an ASN in one line; refusals
change nothing and still carry the per-SKU lists, naming every serial not on the ASN."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum import luhn

from serialpos.db import repo
from serialpos.db.asn_tables import asn_scan_t
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.asn.views import asn_detail
from serialpos.services.context import Actor


def imei(n: int) -> str:
    body = f"35693805{n:06d}"
    return body + luhn.calc_check_digit(body)


LISTED = [imei(i) for i in range(1, 4)]


@pytest.fixture
def asn5(db: Database, admin: Actor) -> str:
    products.create_product(
        db, admin, sku="PHONE", name="Phone", serial_mode="required", serial_format="imei"
    )
    products.create_product(db, admin, sku="DRILL", name="Drill", serial_mode="optional")
    products.create_product(db, admin, sku="CABLE", name="Cable", serial_mode="disabled")
    data = (
        "ASN,Vendor,SKU,Quantity,Serials,CasePack\n"
        f"ASN-5,Acme,PHONE,3,{'|'.join(LISTED)},\n"
        "ASN-5,Acme,DRILL,1,,\n"
        "ASN-5,Acme,CABLE,2,,CP-1\n"
    ).encode()
    import_asn_data(db, admin, "a.csv", data, "S1")
    return "ASN-5"


def receive(
    db: Database, actor: Actor, scans: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return apply_object(
        db, actor, {"op": "asn_receive", "asn": "ASN-5", "store": "S1", "scans": scans, **extra}
    )


def state_of(db: Database) -> tuple[int, int, str]:
    events = db.read(
        lambda conn: conn.execute(sa.select(sa.func.count()).select_from(repo.event_t)).scalar_one()
    )
    scans = db.read(
        lambda conn: conn.execute(sa.select(sa.func.count()).select_from(asn_scan_t)).scalar_one()
    )
    return int(events), int(scans), asn_detail(db, "ASN-5").status


def by_sku(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["sku"]: s for s in result["skus"]}


def test_a_full_receipt_completes_in_one_call(
    db: Database, admin: Actor, asn5: str, outbox_folder: Path
) -> None:
    scans = [{"sku": "PHONE", "serial": s} for s in LISTED] + [
        {"sku": "PHONE", "serial": LISTED[0]},
        {"sku": "DRILL", "serial": "D-1"},
        {"sku": "CABLE"},
        {"sku": "CABLE"},
    ]
    result = receive(db, admin, scans)
    assert result["ok"] is True and result["status"] == "received", result
    assert result["received"] == 6 and result["discrepancies"] == []
    phone = by_sku(result)["PHONE"]
    assert phone["expected"] == 3 and phone["received"] == 3
    assert phone["received_serials"] == LISTED and phone["missing"] == []
    assert phone["duplicates"] == [LISTED[0]] and phone["unexpected"] == []
    assert by_sku(result)["CABLE"]["received"] == 2
    assert result["event_file"]["written"] == [str(outbox_folder / "asn_receipt-ASN-5.csv")]
    assert (outbox_folder / "asn_receipt-ASN-5.csv").exists()
    again = receive(db, admin, scans)
    assert again["ok"] is False and again["error"] == "conflict"
    assert "already received" in again["message"]


def test_serials_not_on_the_asn_refuse_and_are_all_named(
    db: Database, admin: Actor, asn5: str
) -> None:
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PHONE", serials=[imei(90)])
    before = state_of(db)
    scans = [
        {"sku": "PHONE", "serial": LISTED[0]},
        {"sku": "PHONE", "serial": imei(7)},
        {"sku": "PHONE", "serial": imei(90)},
        {"sku": "PHONE", "serial": imei(8)},
        {"sku": "NOPE", "serial": "X-1"},
        {"sku": "DRILL", "serial": "D-1"},
    ]
    result = receive(db, admin, scans, complete=True)
    assert result["ok"] is False and result["error"] == "not_on_asn"
    assert result["message"].startswith("4 scans refused, nothing received; the first (scan 2)")
    phone = by_sku(result)["PHONE"]
    assert phone["unexpected"] == sorted([imei(7), imei(8), imei(90)])
    assert phone["received_serials"] == [LISTED[0]]
    assert phone["missing"] == LISTED[1:]
    assert by_sku(result)["NOPE"]["unexpected"] == ["X-1"]
    assert [(p["scan"], p["error"]) for p in result["problems"]] == [
        (2, "not_on_asn"),
        (3, "duplicate_serial"),
        (4, "not_on_asn"),
        (5, "not_on_asn"),
    ]
    assert state_of(db) == before  # nothing recorded, not even saved scans


def test_a_unit_in_stock_elsewhere_is_duplicate_serial(
    db: Database, admin: Actor, asn5: str
) -> None:
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="DRILL", serials=["D-9"])
    result = receive(db, admin, [{"sku": "DRILL", "serial": "D-9"}], complete=True)
    assert result["ok"] is False and result["error"] == "duplicate_serial"
    assert result["problems"][0]["message"].endswith("(in stock at S2)")
    assert by_sku(result)["DRILL"]["unexpected"] == []  # the ASN lists no DRILL serials


def test_short_scans_need_complete(db: Database, admin: Actor, asn5: str) -> None:
    before = state_of(db)
    scans = [{"sku": "PHONE", "serial": LISTED[0]}, {"sku": "CABLE"}]
    result = receive(db, admin, scans)
    assert result["ok"] is False and result["error"] == "unscanned_units"
    # The phones must each be scanned; the drill (serials optional, none listed) may be
    # counted, so it is a difference to complete with, not a unit left unscanned.
    assert result["message"].startswith("2 serialized units not scanned")
    assert "DRILL: 0 of 1 received" in result["message"]
    assert by_sku(result)["PHONE"]["missing"] == LISTED[1:]
    assert state_of(db) == before
    over = receive(
        db,
        admin,
        [{"sku": "PHONE", "serial": s} for s in LISTED]
        + [{"sku": "DRILL", "serial": "D-1"}, {"sku": "CABLE"}, {"sku": "CABLE"}, {"sku": "CABLE"}],
    )
    assert over["ok"] is False and over["error"] == "discrepancies"
    done = receive(db, admin, scans, complete=True)
    assert done["ok"] is True and done["received"] == 2
    assert [d["sku"] for d in done["discrepancies"]] == ["PHONE", "DRILL", "CABLE"]
    assert done["discrepancies"][0]["missing"] == LISTED[1:]


def test_bad_fields_are_bad_requests(db: Database, admin: Actor, asn5: str) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"scans": "x"}, "'scans' must be a list"),
        ({"scans": [{"serial": "1"}]}, "scans[1]: 'sku' is missing"),
        ({"scans": [{"sku": "PHONE", "serial": 5}]}, "scans[1]: 'serial' must be text"),
        ({"scans": [], "asn": None}, "'asn' is missing"),
        ({"scans": [7]}, "scans[1] must be an object"),
    ]
    for extra, message in cases:
        result = apply_object(
            db, admin, {"op": "asn_receive", "asn": "ASN-5", "store": "S1", **extra}
        )
        assert result["ok"] is False and result["error"] == "bad_request", result
        assert message in result["message"]
    unknown = apply_object(
        db, admin, {"op": "asn_receive", "asn": "ASN-0", "store": "S1", "scans": []}
    )
    assert unknown["error"] == "unknown_asn"


def test_a_scan_with_a_quantity_is_refused_not_counted_as_one(
    db: Database, admin: Actor, asn5: str
) -> None:
    """An ASN scan is one unit: ``{"sku": "CABLE", "quantity": 3}`` (a count's scan form) was
    read as ONE cable and, with ``complete``, recorded 1 of 3 received. Any key a scan does
    not know is refused, naming it and the scan, and nothing is recorded."""
    before = state_of(db)
    scans = [{"sku": "PHONE", "serial": s} for s in LISTED] + [
        {"sku": "DRILL"},
        {"sku": "CABLE", "quantity": 2},
    ]
    result = receive(db, admin, scans, complete=True)
    assert result["ok"] is False and result["error"] == "bad_request", result
    assert result["message"].startswith(
        "scans[5]: unknown key 'quantity' (known: sku, serial); an ASN scan is one unit"
    ), result["message"]
    assert state_of(db) == before
    odd = receive(db, admin, [{"sku": "PHONE", "serial": LISTED[0], "serail": "x"}])
    assert odd["error"] == "bad_request", odd
    assert odd["message"] == "scans[1]: unknown key 'serail' (known: sku, serial)"
    assert state_of(db) == before
    # The documented form, one scan a unit, receives the ASN whole.
    scans[-1:] = [{"sku": "CABLE"}, {"sku": "CABLE"}]
    done = receive(db, admin, scans)
    assert done["ok"] is True and done["received"] == 6, done


def test_a_listed_serial_cannot_be_received_another_way_while_the_asn_is_open(
    db: Database, admin: Actor, asn5: str
) -> None:
    other = apply_object(
        db, admin, {"op": "receive", "store": "S1", "sku": "PHONE", "serial": LISTED[0]}
    )
    assert other["ok"] is False and other["error"] == "not_in_stock"
    assert other["message"] == (
        f"serial {LISTED[0]} of PHONE is expected on ASN ASN-5: receive it on that ASN"
    )
    done = receive(db, admin, [{"sku": "PHONE", "serial": LISTED[1]}], complete=True)
    assert done["ok"] is True
    later = apply_object(
        db, admin, {"op": "receive", "store": "S1", "sku": "PHONE", "serial": LISTED[0]}
    )
    assert later["ok"] is True  # the ASN is closed: the vendor's late unit comes in
    assert later["units"] == [{"serial": LISTED[0], "from": "expected", "to": "in_stock"}]
