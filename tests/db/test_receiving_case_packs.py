"""A case-pack ID the ASN lists, scanned while receiving (without a screen): the carton counts
the units its ASN line lists, on its own product's line whichever is selected, once. It was
refused ("type how many AC-USBC1 arrived", or "not a serial: scan the serial on each unit"
when a phone was selected), though the case's product has no serials to scan and the ASN says
how many the case holds."""

from __future__ import annotations

from pathlib import Path

from serialpos.db.engine import Database
from serialpos.services import products, stock
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.asn.opening import open_asn
from serialpos.services.asn.receiving import AsnReceiving
from serialpos.services.asn.till_copy import open_json
from serialpos.services.context import Actor
from serialpos.services.receiving_scans import ChecklistScans

ASN = """ASN,Vendor,SKU,Quantity,Serials,CasePack
ASN-C1,Acme,PHONE,1,P-1,
ASN-C1,Acme,CABLE,20,,CP-C1-A
ASN-C1,Acme,CABLE,12,,CP-C1-B
"""


def _open(db: Database, admin: Actor, outbox: Path) -> tuple[AsnReceiving, ChecklistScans]:
    products.create_product(db, admin, sku="PHONE", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CABLE", name="Cable")
    import_asn_data(db, admin, "asn.csv", ASN.encode(), "S1")
    session = open_asn(db, admin, "ASN-C1", "S1", outbox)
    return session, ChecklistScans(session, lambda: db, lambda _said: None)


def test_a_case_pack_counts_the_units_its_asn_line_lists_once(
    db: Database, admin: Actor, outbox_folder: Path
) -> None:
    session, scans = _open(db, admin, outbox_folder)
    scans.take("PHONE", None, None)  # a serialized product selected
    done = scans.take("CP-C1-A", None, None)
    cable = session.checklist.lines["CABLE"]
    assert cable.counted == 20 and done.sku == "CABLE" and not done.alert
    assert done.message == "CABLE: case CP-C1-A (20 units), 20 of 32"
    again = scans.take(" CP-C1-A", None, None)  # the same carton scanned twice
    assert again.alert and cable.counted == 20
    assert "already counted on ASN ASN-C1" in again.message
    last = scans.take("CP-C1-B", None, None)
    assert cable.counted == 32 and last.message.endswith("32 of 32 ✓ complete")


def test_a_rescan_lets_its_cases_count_again_and_the_receipt_takes_them(
    db: Database, admin: Actor, outbox_folder: Path
) -> None:
    session, scans = _open(db, admin, outbox_folder)
    scans.take("CP-C1-A", None, None)
    session.rescan("CABLE")
    assert session.checklist.lines["CABLE"].counted == 0
    scans.take("CP-C1-A", None, None)
    scans.take("CP-C1-B", None, None)
    scans.take("P-1", None, None)
    done = session.complete()
    assert done.received == 33 and done.discrepancies == ()
    [level] = stock.stock_levels(db, "S1", "CABLE")
    assert level.quantity == 32


def test_a_case_counted_is_refused_after_a_restart_and_on_another_terminal(
    db: Database, admin: Actor, outbox_folder: Path
) -> None:
    """The cases counted were the console's memory only: after a restart (or on a second
    terminal receiving the same ASN) the same carton counted its 20 units again."""
    _first, scans = _open(db, admin, outbox_folder)
    other = open_asn(db, admin, "ASN-C1", "S1", outbox_folder)  # a second terminal, open now
    scans.take("CP-C1-A", None, None)
    restarted = open_asn(db, admin, "ASN-C1", "S1", outbox_folder)
    for session, shown in ((restarted, 20), (other, 0)):  # the other saw no scan of first's
        again = ChecklistScans(session, lambda: db, lambda _said: None).take("CP-C1-A", None, None)
        assert again.alert and session.checklist.lines["CABLE"].counted == shown
        assert again.message.startswith(
            "case CP-C1-A of CABLE was already counted on ASN ASN-C1 at 20"
        ), again.message
        assert again.message.endswith(" UTC by ada (its 20 units counted once): not counted again")
    assert open_asn(db, admin, "ASN-C1", "S1", outbox_folder).checklist.lines["CABLE"].counted == 20
    [central] = open_json(db, admin, "S1")  # a store terminal's copy of the ASN keeps it too
    assert [scan["case_pack"] for scan in central["scans"]] == ["CP-C1-A"]
