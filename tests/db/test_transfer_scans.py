"""A transfer's receipt in progress is saved scan by scan (``transfer_scan``), on SQLite and
PostgreSQL: a console that restarts, or a second terminal opening the same transfer, finds
every serial scanned so far; a second terminal's repeat is an alert, never a second unit;
completion receives the saved units once and deletes them; a terminal whose transfer was
received elsewhere meanwhile is told so and saves (or deletes) nothing.

The console kept the scans in memory until completion: a restart lost them all, and a
second terminal saw none of them and could count the same units again."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db.engine import Database
from serialpos.domain.checklist import Verdict
from serialpos.domain.errors import BadRequest, Conflict
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import ledger, lookup, products
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.transfers.receiving import TransferReceiving
from serialpos.services.transfers.sending import add_units, create_transfer, set_quantity, ship
from serialpos.services.transfers.views import get_transfer

IMEIS = ["356938035643809", "490154203237518", "352099001761481"]
DOCK = Actor("sam", Role.STOCKROOM, "dock")
HANDHELD = Actor("kim", Role.STOCKROOM, "handheld-2")


@pytest.fixture
def shipped(db: Database, admin: Actor, outbox_folder: Path) -> str:
    """A transfer S1 -> S2 shipped with three phones and five cables: its number."""
    products.create_product(
        db, admin, sku="PHONE", name="Phone", serial_mode="required", serial_format="imei"
    )
    products.create_product(db, admin, sku="CABLE", name="Cable")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PHONE", serials=IMEIS)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CABLE", quantity=10)
    t = create_transfer(db, DOCK, "S1", "S2")
    add_units(db, DOCK, t.number, "S1", "PHONE", IMEIS)
    set_quantity(db, DOCK, t.number, "S1", "CABLE", 5)
    ship(db, DOCK, t.number, "S1", outbox_folder)
    return t.number


def receiving(db: Database, number: str, outbox: Path, actor: Actor = DOCK) -> TransferReceiving:
    return TransferReceiving(db, actor, "S2", number, outbox)


def saved(db: Database) -> list[tuple[str, str | None, int]]:
    """Every saved scan, in the order made."""
    query = sa.text("SELECT sku, serial, quantity FROM transfer_scan ORDER BY id")
    return db.read(lambda conn: [(r[0], r[1], int(r[2])) for r in conn.execute(query)])


def where(db: Database, serial: str) -> tuple[str, str]:
    (card,) = lookup.lookup_serial(db, serial)
    return card.state, card.store


def test_scans_survive_a_restart(db: Database, shipped: str, outbox_folder: Path) -> None:
    first = receiving(db, shipped, outbox_folder)
    first.scan("PHONE", IMEIS[0])
    first.scan("PHONE", IMEIS[1])
    first.count("CABLE", 2)
    first.count("CABLE", -1)  # one taken back
    # The console restarts: a new session on the same transfer starts where it was.
    again = receiving(db, shipped, outbox_folder)
    lines = again.checklist.lines
    assert lines["PHONE"].scanned == IMEIS[:2] and lines["CABLE"].counted == 1
    assert again.scan("PHONE", IMEIS[0]).verdict is Verdict.DUPLICATE
    assert saved(db) == [
        ("PHONE", IMEIS[0], 1),
        ("PHONE", IMEIS[1], 1),
        ("CABLE", None, 2),
        ("CABLE", None, -1),
    ]


def test_a_second_terminal_sees_the_first_ones_scans_and_counts_nothing_twice(
    db: Database, shipped: str, outbox_folder: Path
) -> None:
    dock = receiving(db, shipped, outbox_folder)
    handheld = receiving(db, shipped, outbox_folder, HANDHELD)  # opened before any scan
    dock.scan("PHONE", IMEIS[0])
    dock.count("CABLE", 4)
    repeat = handheld.scan("PHONE", IMEIS[0])
    assert repeat.verdict is Verdict.DUPLICATE
    assert (
        repeat.message
        == f"serial {IMEIS[0]} was already scanned on another terminal (counted once)"
    )
    assert handheld.checklist.lines["PHONE"].scanned == [IMEIS[0]]  # shown here too
    words = f"only 5 shipped on transfer {shipped}, 4 counted already"
    with pytest.raises(BadRequest, match=words):
        handheld.count("CABLE", 3)  # its checklist shows none: the dock's 4 count
    assert handheld.checklist.lines["CABLE"].counted == 0
    later = receiving(db, shipped, outbox_folder, HANDHELD)  # opened after: sees them
    assert later.checklist.lines["PHONE"].scanned == [IMEIS[0]]
    assert later.checklist.lines["CABLE"].counted == 4
    assert later.scan("PHONE", IMEIS[0]).verdict is Verdict.DUPLICATE
    assert saved(db) == [("PHONE", IMEIS[0], 1), ("CABLE", None, 4)]


def test_completion_receives_the_saved_units_once(
    db: Database, shipped: str, outbox_folder: Path
) -> None:
    dock = receiving(db, shipped, outbox_folder)
    handheld = receiving(db, shipped, outbox_folder, HANDHELD)
    dock.scan("PHONE", IMEIS[0])
    handheld.scan("PHONE", IMEIS[1])
    handheld.count("CABLE", 5)
    # The dock's checklist shows one phone; every terminal's saved scans are received.
    done = dock.complete(accept_discrepancies=True)
    assert done.received == 7 and [d.missing for d in done.discrepancies] == [(IMEIS[2],)]
    assert where(db, IMEIS[1]) == ("in_stock", "S2")
    assert where(db, IMEIS[2]) == ("in_transit", "S2")
    assert saved(db) == []
    view = get_transfer(db, shipped)
    assert (view.status, view.in_transit) == ("received", 1)
    # The handheld is told, and saves nothing more.
    with pytest.raises(Conflict, match=f"transfer {shipped} was received on another terminal"):
        handheld.scan("PHONE", IMEIS[2])
    with pytest.raises(Conflict, match="received on another terminal"):
        handheld.receive_all()
    with pytest.raises(BadRequest, match="was received already"):
        handheld.complete(accept_discrepancies=True)
    assert saved(db) == []
    rest = receiving(db, shipped, outbox_folder)  # the phone still in transit: the rest
    assert rest.rest and rest.checklist.received == 0
    assert check_ledger(db) == []


def test_rescan_after_a_receipt_elsewhere_is_refused_and_deletes_nothing(
    db: Database, shipped: str, outbox_folder: Path
) -> None:
    dock = receiving(db, shipped, outbox_folder)
    handheld = receiving(db, shipped, outbox_folder, HANDHELD)
    dock.scan("PHONE", IMEIS[0])
    handheld.count("CABLE", 5)
    handheld.complete(accept_discrepancies=True)
    rest = receiving(db, shipped, outbox_folder, HANDHELD)  # the rest, scanned meanwhile
    rest.scan("PHONE", IMEIS[1])
    with pytest.raises(Conflict, match="received on another terminal meanwhile"):
        dock.rescan("PHONE")
    assert saved(db) == [("PHONE", IMEIS[1], 1)]
    assert dock.checklist.lines["PHONE"].scanned == [IMEIS[0]]  # left as it was
    # Before any receipt, a Rescan deletes the product's saved scans, every terminal's.
    rest.rescan("PHONE")
    assert saved(db) == [] and rest.checklist.lines["PHONE"].scanned == []
