"""Receive all on one terminal while another receives the same ASN: what is missing is worked
out from the scans saved, not from this terminal's checklist. It added the whole remaining
quantity as its own checklist showed it, on top of what the other terminal had counted (a
case pack, a quantity): a phantom quantity received."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db.asn_tables import asn_scan_t
from serialpos.db.engine import Database
from serialpos.domain.errors import Conflict
from serialpos.services import products, stock
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.asn.opening import open_asn
from serialpos.services.asn.receiving import AsnReceiving
from serialpos.services.context import Actor
from serialpos.services.receiving import Discrepancies
from serialpos.services.receiving_scans import ChecklistScans

ASN = """ASN,Vendor,SKU,Quantity,Serials,CasePack
ASN-T2,Acme,PHONE,1,P-1,
ASN-T2,Acme,CABLE,20,,CP-T2-A
ASN-T2,Acme,CABLE,12,,CP-T2-B
"""


def _quiet(_said: str) -> None:
    """No progress to show."""


def _terminals(
    db: Database, admin: Actor, outbox: Path
) -> tuple[AsnReceiving, ChecklistScans, AsnReceiving, ChecklistScans]:
    """Two terminals receiving ASN-T2, each with its own checklist (opened before either
    scans)."""
    products.create_product(db, admin, sku="PHONE", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CABLE", name="Cable")
    import_asn_data(db, admin, "asn.csv", ASN.encode(), "S1")
    a = open_asn(db, admin, "ASN-T2", "S1", outbox)
    b = open_asn(db, admin, "ASN-T2", "S1", outbox)
    return a, ChecklistScans(a, lambda: db, _quiet), b, ChecklistScans(b, lambda: db, _quiet)


def _saved(db: Database) -> list[tuple[str, str | None, int, str | None]]:
    c = asn_scan_t.c
    query = sa.select(c.sku, c.serial, c.quantity, c.case_pack).order_by(c.id)
    return db.read(
        lambda conn: [(r.sku, r.serial, int(r.quantity), r.case_pack) for r in conn.execute(query)]
    )


def test_receive_all_adds_only_what_no_terminal_counted(
    db: Database, admin: Actor, outbox_folder: Path
) -> None:
    a, scans_a, b, scans_b = _terminals(db, admin, outbox_folder)
    scans_a.take("CP-T2-A", None, None)  # terminal A counts a case of 20 cables
    b.scan("PHONE", "P-1")
    said = scans_b.receive_all()  # B's checklist shows no cable counted
    assert _saved(db) == [  # A's case as it was saved; B's 12, not 32
        ("CABLE", None, 20, "CP-T2-A"),
        ("PHONE", "P-1", 1, None),
        ("CABLE", None, 12, None),
    ]
    cable = b.checklist.lines["CABLE"]
    assert cable.counted == 32 and b.checklist.cases_counted.keys() == {"CP-T2-A"}
    assert said.message == (
        "taken as arrived: without serials in full: CABLE 32; counted on another terminal "
        "meanwhile, taken into account: CABLE +20"
    )
    # A presses it too, its checklist at 20 cables and no phone: B's 12 and phone taken in,
    # nothing added.
    assert a.receive_all() == {"CABLE": 12}
    assert a.checklist.lines["CABLE"].counted == 32 and len(_saved(db)) == 3
    done = a.complete()
    assert (done.received, done.discrepancies) == (33, ())
    [level] = stock.stock_levels(db, "S1", "CABLE")
    assert level.quantity == 32


def test_receive_all_never_takes_away_another_terminals_count(
    db: Database, admin: Actor, outbox_folder: Path
) -> None:
    a, _, b, _ = _terminals(db, admin, outbox_folder)
    a.count("CABLE", 40)  # more than the ASN says arrived, counted on A
    b.scan("PHONE", "P-1")
    assert b.receive_all() == {"CABLE": 40}
    assert b.checklist.lines["CABLE"].counted == 40
    assert _saved(db) == [("CABLE", None, 40, None), ("PHONE", "P-1", 1, None)]
    with pytest.raises(Discrepancies, match="CABLE: 40 received, 32 expected"):
        b.complete()


def test_a_rescan_on_an_asn_received_elsewhere_is_refused_and_deletes_nothing(
    db: Database, admin: Actor, outbox_folder: Path
) -> None:
    """B's Rescan of a product deleted its saved scans even after A had received the ASN:
    the rows of a recorded receipt gone."""
    a, _, b, _ = _terminals(db, admin, outbox_folder)
    a.scan("PHONE", "P-1")
    a.count("CABLE", 32)
    a.complete()
    saved = _saved(db)
    with pytest.raises(Conflict, match="ASN ASN-T2 was already received"):
        b.rescan("CABLE")
    assert _saved(db) == saved == [("PHONE", "P-1", 1, None), ("CABLE", None, 32, None)]
