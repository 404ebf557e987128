"""Blind receiving (no ASN) on SQLite and PostgreSQL: scans checked like an ASN receipt's, the
receipt recorded in one transaction (document, ledger, owed event file), the file written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db.engine import Database
from serialpos.domain.checklist import Verdict
from serialpos.domain.errors import (
    BadRequest,
    BadSerial,
    BadValue,
    DomainError,
    DuplicateSerial,
    NotInStock,
    UnknownProduct,
    UnknownStore,
)
from serialpos.domain.events import DocumentRef
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import event_files, ledger, products, settings
from serialpos.services.blind_receiving import (
    ReceiptClosed,
    blind_drafts,
    open_blind_receipt,
    resume_blind_receipt,
)
from serialpos.services.context import Actor
from serialpos.services.database_identity import database_identity
from serialpos.services.lookup import lookup_serial
from serialpos.services.stock import stock_levels
from serialpos.services.stock_documents import document_t

IMEI = "356938035643809"
IMEI2 = "490154203237518"
IMEI3 = "352099001761481"
PHONE_BARCODE = "4006381333931"


@pytest.fixture
def catalogue(db: Database, admin: Actor) -> None:
    products.create_product(
        db,
        admin,
        sku="PHONE",
        name="Phone",
        serial_mode="required",
        serial_format="imei",
        barcodes=(PHONE_BARCODE,),
    )
    products.create_product(db, admin, sku="CABLE", name="Cable")
    products.create_product(db, admin, sku="LAPTOP", name="Laptop", serial_mode="required")


def read_event_file(path: Path) -> dict[str, tuple[int, list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["sku"]: (int(row["quantity"]), row["serials"].split("|") if row["serials"] else [])
        for row in rows
    }


def state(db: Database, serial: str) -> tuple[str, str]:
    (card,) = lookup_serial(db, serial)
    return card.state, card.store


def test_a_blind_receipt_end_to_end(
    db: Database, admin: Actor, catalogue: None, outbox_folder: Path
) -> None:
    session = open_blind_receipt(db, admin, "S1", " Acme Phones ", "PS-991", outbox_folder)
    assert session.title == "Blind receipt PS-991 from Acme Phones"
    line = session.add_product("PHONE")
    assert (line.serialized, line.expected, line.received) == (True, 0, 0)
    assert session.scan("PHONE", IMEI).verdict is Verdict.ADDED
    again = session.scan("PHONE", f" {IMEI} ")
    assert again.verdict is Verdict.DUPLICATE and "counted once" in again.message
    session.scan("PHONE", IMEI2)
    assert session.count("CABLE", 5).received == 5  # a product without serials: counted
    assert session.checklist.lines["PHONE"].received == 2
    assert session.checklist.complete  # nothing was announced: what came is all there is

    result = session.complete()
    assert result.document == "R-S1-000001"
    assert result.received == 7 and result.discrepancies == ()
    assert result.files.message == "" and len(result.files.written) == 1
    assert state(db, IMEI) == ("in_stock", "S1") and state(db, IMEI2) == ("in_stock", "S1")
    levels = {line.sku: line.quantity for line in stock_levels(db, "S1")}
    assert levels == {"CABLE": 5, "PHONE": 2}
    header = db.read(lambda conn: conn.execute(sa.select(document_t)).one())
    assert (header.number, header.kind, header.vendor, header.reference) == (
        "R-S1-000001",
        "blind_receipt",
        "Acme Phones",
        "PS-991",
    )
    written = result.files.written[0]
    assert written == outbox_folder / "blind_receipt-R-S1-000001.csv"
    assert read_event_file(written) == {"CABLE": (5, []), "PHONE": (2, sorted([IMEI, IMEI2]))}

    with pytest.raises(ReceiptClosed, match="completed as R-S1-000001"):
        session.scan("PHONE", IMEI3)
    second = open_blind_receipt(db, admin, "S1", "Acme", None, outbox_folder)
    second.scan("PHONE", IMEI3)  # a product's line starts with its first serial
    assert second.complete().document == "R-S1-000002"


def test_refusals_name_the_problem_and_change_nothing(
    db: Database, admin: Actor, catalogue: None, outbox_folder: Path
) -> None:
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PHONE", serials=[IMEI2])
    ledger.move(
        db,
        admin,
        Action.EXPECT,
        store="S1",
        sku="PHONE",
        serials=[IMEI3],
        document=DocumentRef("asn", "ASN-7"),
    )
    session = open_blind_receipt(db, admin, "S1", "Acme", "PS-1", outbox_folder)
    with pytest.raises(BadSerial, match="check digit"):
        session.scan("PHONE", "356938035643808")
    assert "PHONE" not in session.checklist.lines  # the refused scan started no line
    session.add_product("PHONE")
    with pytest.raises(BadSerial, match="is the barcode of PHONE, not a serial"):
        session.scan("LAPTOP", PHONE_BARCODE)
    with pytest.raises(DuplicateSerial, match=r"already recorded \(in stock at S2\)"):
        session.scan("PHONE", IMEI2)
    with pytest.raises(NotInStock, match="expected on ASN ASN-7 at S1: receive it on that"):
        session.scan("PHONE", IMEI3)
    with pytest.raises(UnknownProduct, match="no product with SKU 'NOPE'"):
        session.add_product("NOPE")
    with pytest.raises(BadRequest, match="CABLE is not serialized here"):
        session.scan("CABLE", "C-1")
    with pytest.raises(BadRequest, match="PHONE needs a serial for every unit"):
        session.count("PHONE", 2)
    assert session.checklist.lines["PHONE"].received == 0
    with pytest.raises(BadRequest, match="nothing has been scanned"):
        session.complete()
    assert (
        db.read(
            lambda conn: conn.execute(
                sa.select(sa.func.count()).select_from(document_t)
            ).scalar_one()
        )
        == 0
    )


def test_rescan_clears_one_product(
    db: Database, admin: Actor, catalogue: None, outbox_folder: Path
) -> None:
    session = open_blind_receipt(db, admin, "S1", "Acme", None, outbox_folder)
    session.scan("PHONE", IMEI)
    session.count("CABLE", 3)
    assert session.rescan("PHONE").received == 0
    assert session.checklist.lines["CABLE"].received == 3
    result = session.complete()
    assert read_event_file(result.files.written[0]) == {"CABLE": (3, [])}
    assert lookup_serial(db, IMEI) == []


def test_a_store_without_serialized_inventory_counts_quantities(
    db: Database, admin: Actor, catalogue: None, outbox_folder: Path
) -> None:
    settings.set_setting(db, admin, "serialized_inventory", "false", "S1")
    session = open_blind_receipt(db, admin, "S1", "Acme", None, outbox_folder)
    line = session.add_product("PHONE")
    assert not line.serialized  # no serials asked there
    session.count("PHONE", 4)
    result = session.complete()
    assert read_event_file(result.files.written[0]) == {"PHONE": (4, [])}
    assert {ln.sku: ln.quantity for ln in stock_levels(db, "S1")} == {"PHONE": 4}


def test_completion_is_one_transaction(
    db: Database, admin: Actor, catalogue: None, outbox_folder: Path
) -> None:
    """Two docks take the same unit: the second receipt is refused whole at completion and
    leaves no document, no ledger change and no owed file."""
    first = open_blind_receipt(db, admin, "S1", "Acme", None, outbox_folder)
    second = open_blind_receipt(db, admin, "S2", "Acme", None, outbox_folder)
    first.scan("PHONE", IMEI)
    second.count("CABLE", 2)
    second.scan("PHONE", IMEI)
    first.complete()
    with pytest.raises(DomainError) as refused:
        second.complete()
    assert refused.value.code in ("duplicate_serial", "conflict")
    assert second.number is None
    assert event_files.owed_count(db) == 0
    assert [ln.sku for ln in stock_levels(db, "S2")] == []
    assert (
        db.read(
            lambda conn: conn.execute(
                sa.select(sa.func.count()).select_from(document_t)
            ).scalar_one()
        )
        == 1
    )


def test_who_and_what_may_open_one(db: Database, admin: Actor, outbox_folder: Path) -> None:
    cashier = Actor("carl", Role.CASHIER, "T1")
    with pytest.raises(DomainError, match="may not"):
        open_blind_receipt(db, cashier, "S1", "Acme", None, outbox_folder)
    with pytest.raises(BadValue, match="needs the vendor"):
        open_blind_receipt(db, admin, "S1", "  ", None, outbox_folder)
    with pytest.raises(BadValue, match=r"reference .* is longer than 64"):
        open_blind_receipt(db, admin, "S1", "Acme", "R" * 65, outbox_folder)
    with pytest.raises(UnknownStore, match="no store 'S9'"):
        open_blind_receipt(db, admin, "S9", "Acme", None, outbox_folder)


def test_a_draft_keeps_every_change_and_resumes_after_a_crash(
    db: Database, admin: Actor, catalogue: None, outbox_folder: Path, tmp_path: Path
) -> None:
    drafts = tmp_path / "drafts"
    session = open_blind_receipt(db, admin, "S1", "Acme", "PS-5", outbox_folder, drafts)
    assert session.journal is not None and session.journal.parent == drafts
    session.scan("PHONE", IMEI)
    session.scan("PHONE", IMEI)  # a repeat changes nothing, journals nothing
    session.scan("PHONE", IMEI2)
    session.count("CABLE", 4)
    session.add_product("LAPTOP")
    session.scan("LAPTOP", "LT-1")
    session.rescan("LAPTOP")
    session.scan("LAPTOP", "LT-2")
    with session.journal.open("a", encoding="utf-8") as torn:  # the process died mid-line
        torn.write('{"op":"scan","sku":"PHO')
    # The console is gone; meanwhile IMEI2 arrives at S2 another way.
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PHONE", serials=[IMEI2])

    (draft,) = blind_drafts(drafts, "S1", database_identity(db, "S1"))
    assert (draft.vendor, draft.reference, draft.user, draft.units) == ("Acme", "PS-5", "ada", 7)
    assert draft.title == "Blind receipt PS-5 from Acme"
    assert blind_drafts(drafts, "S2", database_identity(db, "S2")) == []

    resumed, left_out = resume_blind_receipt(db, admin, draft.path, outbox_folder)
    assert left_out == [f"PHONE: serial {IMEI2} of PHONE is already recorded (in stock at S2)"]
    lines = resumed.checklist.lines
    assert lines["PHONE"].scanned == [IMEI] and lines["CABLE"].counted == 4
    assert lines["LAPTOP"].scanned == ["LT-2"]
    assert (
        blind_drafts(drafts, "S1", database_identity(db, "S1"))[0].units == 6
    )  # the draft now says what was kept
    resumed.scan("PHONE", IMEI3)
    result = resumed.complete()
    assert read_event_file(result.files.written[0]) == {
        "CABLE": (4, []),
        "LAPTOP": (1, ["LT-2"]),
        "PHONE": (2, sorted([IMEI, IMEI3])),
    }
    assert list(drafts.iterdir()) == []  # completed: the draft is gone


def test_a_draft_given_up_goes_and_an_unwritable_one_is_said(
    db: Database, admin: Actor, catalogue: None, outbox_folder: Path, tmp_path: Path
) -> None:
    drafts = tmp_path / "drafts"
    session = open_blind_receipt(db, admin, "S1", "Acme", None, outbox_folder, drafts)
    session.scan("PHONE", IMEI)
    session.discard()
    assert list(drafts.iterdir()) == []
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    memory_only = open_blind_receipt(
        db, admin, "S1", "Acme", None, outbox_folder, blocker / "drafts"
    )
    assert memory_only.journal is None
    assert "cannot be made" in memory_only.journal_problem
    memory_only.scan("PHONE", IMEI)  # scanning goes on, in memory
    assert memory_only.complete().received == 1


def test_a_draft_is_offered_and_resumed_only_on_its_own_database(
    db: Database,
    admin: Actor,
    catalogue: None,
    outbox_folder: Path,
    tmp_path: Path,
    migrated_sqlite: Path,
) -> None:
    """Drafts live in the user's data folder, shared by every database the console opens: a
    demo's draft was offered to resume at another database with a store S1. Now a draft is
    offered and resumed only on the database it was started on."""
    from serialpos.services import stores, users
    from serialpos.services.context import SYSTEM

    drafts = tmp_path / "drafts"
    session = open_blind_receipt(db, admin, "S1", "Acme", "PS-5", outbox_folder, drafts)
    session.scan("PHONE", IMEI)
    assert session.journal is not None
    other_path = tmp_path / "other.sqlite"
    other_path.write_bytes(migrated_sqlite.read_bytes())
    other = Database(f"sqlite:///{other_path}")
    try:
        stores.add_store(other, SYSTEM, "S1", "Main Street")
        users.add_user(other, None, "ada", "admin", "1234")
        there = users.actor_for(other, "ada", "test-terminal")
        assert database_identity(other, "S1") != database_identity(db, "S1")
        assert blind_drafts(drafts, "S1", database_identity(other, "S1")) == []
        with pytest.raises(BadRequest, match="started on another database: not resumed"):
            resume_blind_receipt(other, there, session.journal, outbox_folder)
    finally:
        other.dispose()
    (draft,) = blind_drafts(drafts, "S1", database_identity(db, "S1"))  # still there, here
    assert draft.units == 1
    # A draft naming no database (written before drafts named theirs) is offered nowhere.
    head = json.loads(session.journal.read_text(encoding="utf-8").splitlines()[0])
    assert head.pop("database") == database_identity(db, "S1")
    (drafts / "S1-old.jsonl").write_text(json.dumps(head) + "\n", encoding="utf-8")
    assert [d.path for d in blind_drafts(drafts, "S1", database_identity(db, "S1"))] == [draft.path]
