"""ASN import (the bulk path), listing, and receiving through AsnReceiving, on SQLite and
PostgreSQL: checks, saved scans across a re-open, completion with and without differences,
the event file read back, and the ASN's hold on its units while it is open."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa
from stdnum import luhn

from serialpos.db import repo
from serialpos.db.asn_tables import asn_scan_t, asn_t
from serialpos.db.engine import Database
from serialpos.domain.asn_rows import AsnFileRefused
from serialpos.domain.checklist import NotOnDocument, UnscannedUnits, Verdict
from serialpos.domain.errors import (
    BadRequest,
    BadSerial,
    Conflict,
    DuplicateSerial,
    NotInStock,
    PermissionDenied,
)
from serialpos.domain.event_files import EventType
from serialpos.domain.states import Action
from serialpos.services import ledger, products, settings, stock, users
from serialpos.services.asn import importing as asn_importing
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.asn.opening import open_asn
from serialpos.services.asn.views import ImportResult, UnknownAsn, asn_detail, list_asns
from serialpos.services.context import Actor
from serialpos.services.event_files import event_file, owed_count
from serialpos.services.integrity import check_ledger
from serialpos.services.receiving import Discrepancies, check_receivable
from serialpos.services.terminal_links import WrongStore


def imei(n: int) -> str:
    body = f"35693804{n:06d}"
    return body + luhn.calc_check_digit(body)


@pytest.fixture
def catalogue(db: Database, admin: Actor) -> None:
    products.create_product(
        db,
        admin,
        sku="PHONE",
        name="Phone",
        serial_mode="required",
        serial_format="imei",
        barcodes=("4006381333931",),
    )
    products.create_product(db, admin, sku="DRILL", name="Drill", serial_mode="optional")
    products.create_product(db, admin, sku="CABLE", name="Cable", serial_mode="disabled")


def csv_bytes(rows: list[list[str]]) -> bytes:
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ASN", "Vendor", "SKU", "Quantity", "Serials", "CasePack"])
    writer.writerows(rows)
    return out.getvalue().encode()


def import_rows(
    db: Database, actor: Actor, rows: list[list[str]], store: str = "S1"
) -> ImportResult:
    return import_asn_data(db, actor, "asn.csv", csv_bytes(rows), store)


SERIALS = [imei(i) for i in range(1, 4)]


@pytest.fixture
def asn7(db: Database, admin: Actor, catalogue: None) -> str:
    import_rows(
        db,
        admin,
        [
            ["ASN-7", "Acme", "PHONE", "3", "|".join(SERIALS), ""],
            ["ASN-7", "Acme", "CABLE", "10", "", "CP-1"],
            ["ASN-7", "Acme", "DRILL", "2", "", ""],
        ],
    )
    return "ASN-7"


def count(db: Database, table: sa.Table) -> int:
    return int(
        db.read(
            lambda conn: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        )
    )


# -- import ---------------------------------------------------------------------------------
def test_import_creates_expected_units_with_one_event_each(
    db: Database, admin: Actor, asn7: str
) -> None:
    units = db.read(
        lambda conn: conn.execute(
            sa.select(repo.unit_t.c.serial, repo.unit_t.c.state).order_by(repo.unit_t.c.serial)
        ).all()
    )
    assert [tuple(u) for u in units] == [(s, "expected") for s in sorted(SERIALS)]
    events = db.read(
        lambda conn: conn.execute(
            sa.select(
                repo.event_t.c.action,
                repo.event_t.c.serial,
                repo.event_t.c.from_state,
                repo.event_t.c.to_state,
                repo.event_t.c.quantity,
                repo.event_t.c.document_type,
                repo.event_t.c.document_id,
                repo.event_t.c.document_line,
            ).where(repo.event_t.c.action == "expect")
        ).all()
    )
    assert sorted(tuple(e) for e in events) == sorted(
        ("expect", s, None, "expected", 0, "asn", "ASN-7", "1") for s in SERIALS
    )
    assert check_ledger(db) == []
    [summary] = list_asns(db, "S1")
    assert (
        summary.asn,
        summary.vendor,
        summary.store,
        summary.status,
        summary.lines,
        summary.units,
    ) == ("ASN-7", "Acme", "S1", "open", 3, 15)
    assert list_asns(db, "S2") == []
    assert list_asns(db, None, status="received") == []
    detail = asn_detail(db, "ASN-7")
    assert [
        (ln.number, ln.sku, ln.quantity, ln.listed, ln.case_pack, ln.received)
        for ln in detail.lines
    ] == [(1, "PHONE", 3, 3, None, 0), (2, "CABLE", 10, 0, "CP-1", 0), (3, "DRILL", 2, 0, None, 0)]


def test_a_refused_file_lists_every_problem_and_imports_nothing(
    db: Database, admin: Actor, asn7: str
) -> None:
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PHONE", serials=[imei(50)])
    before = (count(db, repo.unit_t), count(db, repo.event_t), count(db, asn_t))
    rows = [
        ["ASN-8", "Acme", "PHONE", "2", f"{imei(10)}|{imei(11)}", ""],  # line 2: fine
        ["ASN-8", "Acme", "NOPE", "1", "", ""],  # 3: unknown product
        ["ASN-8", "Acme", "PHONE", "two", "", ""],  # 4: bad quantity
        ["ASN-8", "Acme", "PHONE", "2", imei(12), ""],  # 5: 1 serial for 2
        ["ASN-8", "Acme", "PHONE", "1", imei(10), ""],  # 6: duplicate inside the file
        ["ASN-8", "Acme", "DRILL", "1", "", "CP-9"],  # 7: serialized in a case pack
        ["ASN-8", "Acme", "PHONE", "1", "356938040000010", ""],  # 8: check digit
        ["ASN-8", "Acme", "PHONE", "1", imei(50), ""],  # 9: in stock at S2
        ["ASN-7", "Acme", "CABLE", "1", "", ""],  # 10: ASN already imported
        ["ASN-8", "Acme", "CABLE", "0", "", ""],  # 11: quantity 0
        ["ASN-8", "Acme", "CA\x07BLE", "1", "", ""],  # 12: control character
        ["ASN-8", "Acme", "CABLE", "1", "C-1", ""],  # 13: serials for a product without
        ["ASN-8", "Acme", "PHONE", "1", SERIALS[0], ""],  # 14: expected on ASN-7 already
    ]
    with pytest.raises(AsnFileRefused) as caught:
        import_rows(db, admin, rows)
    problems = [str(p) for p in caught.value.problems]
    expected = [
        "line 3: there is no product with SKU 'NOPE'",
        "line 4: Quantity 'two' is not a positive whole number",
        "line 5: 1 serials listed for a quantity of 2",
        f"line 6: serial {imei(10)} of PHONE is listed twice in the file (first at line 2)",
        "line 7: DRILL is serialized (optional): serialized units are tracked one by one: "
        "CasePack cannot hold a serialized product",
        "line 8: serial '356938040000010' is not valid for PHONE: the IMEI check digit is wrong",
        f"line 9: serial {imei(50)} of PHONE is already known to the ledger (in stock at S2)",
        "line 10: ASN ASN-7 was already imported",
        "line 11: Quantity '0' is not a positive whole number",
        "line 12: SKU 'CA\\x07BLE' contains control characters",
        "line 13: CABLE is not serialized: list no serials for it",
        f"line 14: serial {SERIALS[0]} of PHONE is already known to the ledger (expected at S1)",
    ]
    for want in expected:
        assert any(p.startswith(want) for p in problems), (want, problems)
    assert len(problems) == len(expected), problems
    assert caught.value.code == "bad_asn_file"
    assert (count(db, repo.unit_t), count(db, repo.event_t), count(db, asn_t)) == before


def test_a_file_of_valid_serials_names_each_known_one_and_imports_nothing(
    db: Database, admin: Actor, asn7: str
) -> None:
    """Every serial of the file fits its format (the import's quick path for the rows): a
    serial the ledger knows is still refused at its line, and nothing is written."""
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PHONE", serials=[imei(50)])
    before = (count(db, repo.unit_t), count(db, repo.event_t), count(db, asn_t))
    rows = [
        ["ASN-8", "Acme", "PHONE", "2", f"{imei(10)}|{imei(11)}", ""],  # line 2: fine
        ["ASN-8", "Acme", "PHONE", "2", f"{imei(12)}|{imei(50)}", ""],  # 3: in stock at S2
        ["ASN-9", "Acme", "PHONE", "1", SERIALS[0], ""],  # 4: expected on ASN-7 already
    ]
    with pytest.raises(AsnFileRefused) as caught:
        import_rows(db, admin, rows)
    assert [str(p) for p in caught.value.problems] == [
        f"line 3: serial {imei(50)} of PHONE is already known to the ledger (in stock at S2)",
        f"line 4: serial {SERIALS[0]} of PHONE is already known to the ledger (expected at S1)",
    ]
    assert (count(db, repo.unit_t), count(db, repo.event_t), count(db, asn_t)) == before


def test_missing_columns_are_named(db: Database, admin: Actor, catalogue: None) -> None:
    with pytest.raises(AsnFileRefused) as caught:
        import_asn_data(db, admin, "x.csv", b"ASN,Sku,Qty\nA,PHONE,1\n", "S1")
    assert [str(p) for p in caught.value.problems] == [
        "line 1: unknown column 'Qty' (known: ASN, Vendor, SKU, Quantity, Serials, CasePack)",
        "line 1: missing column Vendor",
        "line 1: missing column Quantity",
    ]


def test_json_import_and_several_asns_in_one_file(
    db: Database, admin: Actor, catalogue: None
) -> None:
    data = (
        b'[{"asn": "J-1", "vendor": "Acme", "lines": [{"sku": "PHONE", "quantity": 1, '
        b'"serials": ["' + imei(20).encode() + b'"]}, {"sku": "CABLE", "quantity": 5, '
        b'"case_pack": "CP-2"}]}, {"asn": "J-2", "vendor": "Bolt", "lines": '
        b'[{"sku": "DRILL", "quantity": 2}]}]'
    )
    result = import_asn_data(db, admin, "asn.json", data, "S2")
    assert [(a.asn, a.lines, a.units, a.serials) for a in result.asns] == [
        ("J-1", 2, 6, 1),
        ("J-2", 1, 2, 0),
    ]
    assert {a.asn for a in list_asns(db, "S2", status="open")} == {"J-1", "J-2"}


def test_a_store_without_serialized_inventory_keeps_serials_on_events(
    db: Database, admin: Actor, catalogue: None, outbox_folder: Path
) -> None:
    settings.set_setting(db, admin, "serialized_inventory", "false", "S1")
    result = import_rows(db, admin, [["ASN-Q", "Acme", "PHONE", "2", f"{imei(30)}|{imei(31)}", ""]])
    assert result.serial_tracked is False
    assert count(db, repo.unit_t) == 0
    assert db.read(
        lambda conn: sorted(
            conn.execute(
                sa.select(repo.event_t.c.serial).where(repo.event_t.c.action == "expect")
            ).scalars()
        )
    ) == [imei(30), imei(31)]
    session = open_asn(db, admin, "ASN-Q", "S1", outbox_folder)
    line = session.checklist.lines["PHONE"]
    assert not line.serialized  # counted, no serials asked
    with pytest.raises(BadRequest, match="not serialized here: count it"):
        session.scan("PHONE", imei(30))
    session.count("PHONE", 2)
    done = session.complete()
    assert done.received == 2 and done.discrepancies == ()
    [level] = stock.stock_levels(db, "S1", "PHONE")
    assert level.quantity == 2


# -- receiving --------------------------------------------------------------------------------
def test_receiving_checks_each_scan(
    db: Database, admin: Actor, asn7: str, outbox_folder: Path
) -> None:
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PHONE", serials=[imei(60)])
    session = open_asn(db, admin, asn7, "S1", outbox_folder)
    assert session.title == "ASN ASN-7 from Acme"
    assert session.scan("PHONE", SERIALS[0]).verdict is Verdict.ADDED
    alert = session.scan("PHONE", f" {SERIALS[0]}\r\n")
    assert alert.verdict is Verdict.DUPLICATE and "counted once" in alert.message
    with pytest.raises(NotOnDocument, match=f"serial {imei(9)} of PHONE is not on ASN ASN-7"):
        session.scan("PHONE", imei(9))
    with pytest.raises(BadSerial, match="check digit"):
        session.scan("PHONE", "356938040000010")
    with pytest.raises(NotOnDocument, match="NOPE is not on ASN ASN-7"):
        session.scan("NOPE", "X1")
    with pytest.raises(NotOnDocument, match="NOPE is not on ASN ASN-7"):
        session.add_product("NOPE")
    with pytest.raises(BadRequest, match="CABLE is not serialized here"):
        session.scan("CABLE", "C-1")
    with pytest.raises(BadSerial, match="is the barcode of PHONE"):
        session.scan("DRILL", "4006381333931")
    with pytest.raises(DuplicateSerial, match=r"already recorded \(in stock at S2\)"):
        session.scan("PHONE", imei(60))
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="DRILL", serials=["D-9"])
    with pytest.raises(DuplicateSerial, match=r"already recorded \(in stock at S2\)"):
        session.scan("DRILL", "D-9")
    assert session.checklist.lines["PHONE"].scanned == [SERIALS[0]]
    assert session.checklist.lines["DRILL"].scanned == []
    with pytest.raises(UnscannedUnits):
        session.receive_all()
    assert session.checklist.lines["CABLE"].counted == 0


def test_scans_survive_a_reopen_and_rescan_clears_them(
    db: Database, admin: Actor, asn7: str, outbox_folder: Path
) -> None:
    session = open_asn(db, admin, asn7, "S1", outbox_folder)
    session.scan("PHONE", SERIALS[1])
    session.scan("PHONE", SERIALS[0])
    session.scan("DRILL", "D-1")
    session.count("CABLE", 4)
    session.count("CABLE", -1)
    again = open_asn(db, admin, asn7, "S1", outbox_folder)  # the console died
    assert again.checklist.lines["PHONE"].scanned == [SERIALS[1], SERIALS[0]]
    assert again.checklist.lines["DRILL"].scanned == ["D-1"]
    assert again.checklist.lines["CABLE"].counted == 3
    assert asn_detail(db, asn7).lines[0].received == 2
    again.rescan("PHONE")
    third = open_asn(db, admin, asn7, "S1", outbox_folder)
    assert third.checklist.lines["PHONE"].scanned == []
    assert third.checklist.lines["DRILL"].scanned == ["D-1"]
    with pytest.raises(BadRequest, match="cannot take away more than the 3 counted"):
        third.count("CABLE", -4)
    assert count(db, asn_scan_t) == 3  # D-1 and the two counts


def test_complete_in_full_receives_writes_the_file_and_closes(
    db: Database, admin: Actor, asn7: str, outbox_folder: Path
) -> None:
    session = open_asn(db, admin, asn7, "S1", outbox_folder)
    for serial in SERIALS:
        session.scan("PHONE", serial)
    session.scan("DRILL", "D-1")
    session.scan("DRILL", "D-2")
    session.receive_all()
    done = session.complete()
    assert (done.document, done.received, done.discrepancies) == ("ASN-7", 15, ())
    assert done.files.failed == ()
    [path] = done.files.written
    assert path == outbox_folder / "asn_receipt-ASN-7.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    got = {
        r["sku"]: (int(r["quantity"]), r["serials"].split("|") if r["serials"] else [])
        for r in rows
    }
    assert got == {"PHONE": (3, sorted(SERIALS)), "CABLE": (10, []), "DRILL": (2, ["D-1", "D-2"])}
    assert {r["event_type"] for r in rows} == {"asn_receipt"}
    assert {r["document_id"] for r in rows} == {"ASN-7"}
    assert owed_count(db) == 0
    units: dict[str, str] = db.read(
        lambda conn: dict(conn.execute(sa.select(repo.unit_t.c.serial, repo.unit_t.c.state)).all())
    )
    assert units == {**dict.fromkeys(SERIALS, "in_stock"), "D-1": "in_stock", "D-2": "in_stock"}
    levels = {lv.sku: lv.quantity for lv in stock.stock_levels(db, "S1")}
    assert levels == {"PHONE": 3, "CABLE": 10, "DRILL": 2}
    assert check_ledger(db) == []
    detail = asn_detail(db, asn7)
    assert detail.status == "received" and detail.received == 15 and detail.discrepancies == ()
    with pytest.raises(Conflict, match="already received"):
        open_asn(db, admin, asn7, "S1", outbox_folder)
    with pytest.raises(Conflict, match="already received"):
        session.scan("DRILL", "D-3")
    with pytest.raises(Conflict, match="received meanwhile"):
        session.complete()


def test_an_optional_product_the_asn_lists_no_serial_for_is_scanned_or_counted(
    db: Database, admin: Actor, asn7: str, outbox_folder: Path
) -> None:
    """Drills (serials optional) arrive, one with its serial and one without: the one
    without is counted, saved across a re-open, and received as a quantity. A phone
    (serials required) still cannot be counted."""
    session = open_asn(db, admin, asn7, "S1", outbox_folder)
    for serial in SERIALS:
        session.scan("PHONE", serial)
    with pytest.raises(BadRequest, match="PHONE needs a serial for every unit"):
        session.count("PHONE", 1)
    session.scan("DRILL", "D-1")
    session.count("DRILL", 1)
    session.count("CABLE", 10)
    again = open_asn(db, admin, asn7, "S1", outbox_folder)
    drill = again.checklist.lines["DRILL"]
    assert (drill.scanned, drill.counted, drill.received) == (["D-1"], 1, 2)
    assert again.checklist.unscanned_serialized() == 0
    done = again.complete()
    assert (done.received, done.discrepancies) == (15, ())
    units = db.read(
        lambda conn: dict(conn.execute(sa.select(repo.unit_t.c.serial, repo.unit_t.c.state)).all())
    )
    assert units == {**dict.fromkeys(SERIALS, "in_stock"), "D-1": "in_stock"}
    levels = {lv.sku: lv.quantity for lv in stock.stock_levels(db, "S1")}
    assert levels == {"PHONE": 3, "CABLE": 10, "DRILL": 2}
    # A drill without its serial is what optional means: a note, not a violation.
    [note] = check_ledger(db)
    assert (note.rule, note.sku, note.violation) == ("optional_units_differ", "DRILL", False)
    assert note.detail == "quantity 2, 1 known units in stock"


def test_receive_all_takes_an_optional_products_unscanned_units_without_serials(
    db: Database, admin: Actor, asn7: str, outbox_folder: Path
) -> None:
    session = open_asn(db, admin, asn7, "S1", outbox_folder)
    with pytest.raises(UnscannedUnits, match="3 serialized units not scanned"):
        session.receive_all()  # the phones must each be seen
    for serial in SERIALS:
        session.scan("PHONE", serial)
    session.scan("DRILL", "D-1")
    session.receive_all()
    again = open_asn(db, admin, asn7, "S1", outbox_folder)
    assert again.checklist.lines["DRILL"].counted == 1  # saved, not only on screen
    assert again.complete().received == 15
    levels = {lv.sku: lv.quantity for lv in stock.stock_levels(db, "S1")}
    assert levels == {"PHONE": 3, "CABLE": 10, "DRILL": 2}


def test_complete_with_differences_is_confirmed_and_recorded(
    db: Database, admin: Actor, asn7: str, outbox_folder: Path
) -> None:
    session = open_asn(db, admin, asn7, "S1", outbox_folder)
    session.scan("PHONE", SERIALS[0])
    session.scan("DRILL", "D-1")
    session.scan("DRILL", "D-2")
    session.scan("DRILL", "D-3")  # one more than the ASN says
    session.count("CABLE", 9)
    with pytest.raises(Discrepancies) as caught:
        session.complete()
    assert "PHONE: 1 of 3 received" in caught.value.message
    assert count(db, repo.event_t) == 3  # only the import's expect events
    done = session.complete(accept_discrepancies=True)
    assert done.received == 13
    assert [(d.sku, d.expected, d.received, d.missing) for d in done.discrepancies] == [
        ("PHONE", 3, 1, tuple(sorted(SERIALS[1:]))),
        ("CABLE", 10, 9, ()),
        ("DRILL", 2, 3, ()),
    ]
    detail = asn_detail(db, asn7)
    assert detail.discrepancies[0] == {
        "sku": "PHONE",
        "expected": 3,
        "received": 1,
        "missing": sorted(SERIALS[1:]),
    }
    assert [ln.received for ln in detail.lines] == [1, 9, 3]
    recorded = event_file(db, EventType.ASN_RECEIPT.value, "ASN-7")
    assert recorded is not None
    assert [(ln.sku, ln.quantity, ln.serials) for ln in recorded.lines] == [
        ("CABLE", 9, ()),
        ("DRILL", 3, ("D-1", "D-2", "D-3")),
        ("PHONE", 1, (SERIALS[0],)),
    ]
    # Listed serials that did not arrive stay expected; with the ASN closed they may come in
    # another way.
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PHONE", serials=[SERIALS[1]])
    assert check_receivable(db, "S1", "PHONE", SERIALS[2]) == SERIALS[2]


def test_an_open_asn_holds_its_units(
    db: Database, admin: Actor, asn7: str, outbox_folder: Path
) -> None:
    import_rows(db, admin, [["ASN-9", "Acme", "PHONE", "1", "", ""]])
    with pytest.raises(
        NotInStock,
        match=f"serial {SERIALS[0]} of PHONE is expected on ASN ASN-7: receive it on that ASN",
    ):
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PHONE", serials=[SERIALS[0]])
    with pytest.raises(NotInStock, match="expected on ASN ASN-7 at S1: receive it on that"):
        check_receivable(db, "S1", "PHONE", SERIALS[0])
    other = open_asn(db, admin, "ASN-9", "S1", outbox_folder)
    with pytest.raises(NotInStock, match="expected on ASN ASN-7"):
        other.scan("PHONE", SERIALS[0])
    with pytest.raises(WrongStore, match="ASN ASN-7 is for store S1, not S2"):
        open_asn(db, admin, asn7, "S2", outbox_folder)
    with pytest.raises(UnknownAsn, match="there is no ASN 'ASN-0'"):
        open_asn(db, admin, "ASN-0", "S1", outbox_folder)


def test_cashiers_cannot_import_or_receive(
    db: Database, admin: Actor, asn7: str, outbox_folder: Path
) -> None:
    users.add_user(db, admin, "cass", "cashier", "3333")
    cashier = users.actor_for(db, "cass", "t")
    with pytest.raises(PermissionDenied):
        import_rows(db, cashier, [["ASN-10", "Acme", "CABLE", "1", "", ""]])
    with pytest.raises(PermissionDenied):
        open_asn(db, cashier, asn7, "S1", outbox_folder)


def test_the_unique_constraint_still_guards_the_bulk_insert(
    db: Database, admin: Actor, catalogue: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if another terminal recorded the serial between the checks and the insert."""
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PHONE", serials=[imei(70)])
    monkeypatch.setattr(asn_importing, "_check_against_database", lambda *args: None)
    before = (count(db, repo.unit_t), count(db, repo.event_t), count(db, asn_t))
    with pytest.raises(Conflict, match="another terminal recorded one of these"):
        import_rows(db, admin, [["ASN-R", "Acme", "PHONE", "2", f"{imei(71)}|{imei(70)}", ""]])
    assert (count(db, repo.unit_t), count(db, repo.event_t), count(db, asn_t)) == before


def test_an_asn_id_a_file_name_cannot_hold_is_kept_in_the_file(
    db: Database, admin: Actor, catalogue: None, outbox_folder: Path
) -> None:
    import_rows(
        db,
        admin,
        [
            ["ASN/2026/7", "Acme", "CABLE", "2", "", ""],
            ["ASN/2026/7", "Acme", "PHONE", "1", "", ""],
        ],
    )
    session = open_asn(db, admin, "ASN/2026/7", "S1", outbox_folder)
    session.count("CABLE", 2)
    done = session.complete(accept_discrepancies=True)
    [path] = done.files.written
    assert path == outbox_folder / "asn_receipt-ASN_2026_7.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    # Every product of the ASN has its row; one that did not arrive says 0.
    assert [(r["document_id"], r["sku"], r["quantity"]) for r in rows] == [
        ("ASN/2026/7", "CABLE", "2"),
        ("ASN/2026/7", "PHONE", "0"),
    ]


def test_migration_0006_builds_and_drops_the_asn_tables(db_url: str) -> None:
    from alembic import command

    from serialpos.db import migrate

    fresh = Database(db_url)
    try:
        migrate.upgrade(fresh, "0006")

        def tables() -> set[str]:
            return set(fresh.read(lambda conn: sa.inspect(conn).get_table_names()))

        assert {"asn", "asn_line", "asn_scan"} <= tables()
        cfg = migrate._config()
        with fresh.engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005")
            conn.commit()
        assert migrate.current_revision(fresh) == "0005"
        assert not {"asn", "asn_line", "asn_scan"} & tables()
        assert "event_outbox" in tables()
        migrate.upgrade(fresh, "0006")
        assert {"asn", "asn_line", "asn_scan"} <= tables()
    finally:
        fresh.dispose()


def test_two_terminals_on_one_asn_receive_every_saved_scan(
    db: Database, admin: Actor, asn7: str, outbox_folder: Path
) -> None:
    dock1 = open_asn(db, admin, asn7, "S1", outbox_folder)
    dock2 = open_asn(db, admin, asn7, "S1", outbox_folder)
    dock1.scan("PHONE", SERIALS[0])
    dock2.scan("PHONE", SERIALS[1])
    dock2.scan("PHONE", SERIALS[0])  # dock 1 saved it first: it lands here too, once
    dock2.count("CABLE", 10)
    dock1.scan("DRILL", "D-1")
    dock1.scan("DRILL", "D-2")
    with pytest.raises(Discrepancies, match="PHONE: 2 of 3 received"):
        dock1.complete()  # refused: the ASN stays open
    assert asn_detail(db, asn7).status == "open"
    assert dock1.checklist.lines["CABLE"].counted == 10  # dock 2's count, read back
    dock2.scan("PHONE", SERIALS[2])
    done = dock1.complete()  # dock 2's last scan is received too
    assert done.received == 15 and done.discrepancies == ()
    with pytest.raises(Conflict, match="already received"):
        dock2.count("CABLE", 1)


def test_a_product_on_several_lines_is_one_checklist_line(
    db: Database, admin: Actor, catalogue: None, outbox_folder: Path
) -> None:
    import_rows(
        db,
        admin,
        [
            ["ASN-C", "Acme", "CABLE", "5", "", "CP-1"],
            ["ASN-C", "Acme", "PHONE", "2", f"{imei(80)}|{imei(81)}", ""],
            ["ASN-C", "Acme", "CABLE", "3", "", "CP-2"],
            ["ASN-C", "Acme", "PHONE", "1", imei(82), ""],
        ],
    )
    session = open_asn(db, admin, "ASN-C", "S1", outbox_folder)
    assert [(ln.sku, ln.expected) for ln in session.checklist.lines.values()] == [
        ("CABLE", 8),
        ("PHONE", 3),
    ]
    assert session.checklist.lines["PHONE"].expected_serials == frozenset(
        {imei(80), imei(81), imei(82)}
    )
    session.count("CABLE", 9)
    session.scan("PHONE", imei(82))
    session.scan("PHONE", imei(80))
    session.complete(accept_discrepancies=True)
    detail = asn_detail(db, "ASN-C")
    assert [(ln.number, ln.sku, ln.quantity, ln.received) for ln in detail.lines] == [
        (1, "CABLE", 5, 5),
        (2, "PHONE", 2, 1),
        (3, "CABLE", 3, 4),
        (4, "PHONE", 1, 1),
    ]
    lines = db.read(
        lambda conn: conn.execute(
            sa.select(repo.event_t.c.serial, repo.event_t.c.document_line).where(
                repo.event_t.c.action == "receive", repo.event_t.c.serial.is_not(None)
            )
        ).all()
    )
    assert sorted(tuple(x) for x in lines) == [(imei(80), "2"), (imei(82), "4")]
