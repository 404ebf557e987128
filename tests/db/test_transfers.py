"""Store-to-store transfers on SQLite and PostgreSQL: picking units onto an open transfer
(they stay in stock and can be taken off), shipping (in transit, one event file), receiving on
the checklist (a unit not shipped is refused; units not received stay in transit and are
reported), quantities, and a store with serialized inventory off."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from serialpos.db.engine import Database
from serialpos.domain.checklist import NotOnDocument, Verdict
from serialpos.domain.errors import (
    AlreadySold,
    BadRequest,
    BadSerial,
    DuplicateSerial,
    NotInStock,
    PermissionDenied,
)
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import ledger, lookup, products, settings, stock
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.receiving import Discrepancies
from serialpos.services.transfers.receiving import TransferReceiving
from serialpos.services.transfers.sending import (
    add_units,
    cancel_transfer,
    create_transfer,
    remove_units,
    set_quantity,
    ship,
)
from serialpos.services.transfers.views import UnknownTransfer, get_transfer, list_transfers

IMEIS = ["356938035643809", "490154203237518", "352099001761481", "353918053330359"]


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(
        db,
        admin,
        sku="PHONE",
        name="Phone",
        serial_mode="required",
        serial_format="imei",
        barcodes=("4006381333931",),
    )
    products.create_product(db, admin, sku="LAPTOP", name="Laptop", serial_mode="required")
    products.create_product(db, admin, sku="CABLE", name="Cable")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PHONE", serials=IMEIS)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LAPTOP", serials=["LT1"])
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="LAPTOP", serials=["LT2"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CABLE", quantity=10)
    return db


@pytest.fixture
def clerk() -> Actor:
    return Actor("sam", Role.STOCKROOM, "dock")


def where(db: Database, serial: str) -> tuple[str, str]:
    (card,) = lookup.lookup_serial(db, serial)
    return card.state, card.store


def on_hand(db: Database, store: str, sku: str) -> int:
    return sum(line.quantity for line in stock.stock_levels(db, store=store, sku=sku))


def read_file(folder: Path, name: str) -> tuple[bytes, list[list[str]]]:
    data = (folder / name).read_bytes()
    return data, list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_pick_ship_and_receive_with_a_unit_left_in_transit(
    shop: Database, clerk: Actor, outbox_folder: Path
) -> None:
    t = create_transfer(shop, clerk, "S1", "S2")
    assert t.number == "T-S1-000001" and t.status == "open"
    done = add_units(shop, clerk, t.number, "S1", "PHONE", IMEIS[:3])
    assert [u.serial for u in done.added] == IMEIS[:3] and done.total == 3
    again = add_units(shop, clerk, t.number, "S1", None, [IMEIS[0], "LT1"])
    assert again.repeated == (IMEIS[0],) and [u.sku for u in again.added] == ["LAPTOP"]
    assert where(shop, IMEIS[0]) == ("in_stock", "S1")  # picked, not shipped: still here
    taken = remove_units(shop, clerk, t.number, "S1", None, [IMEIS[2]])
    assert taken.total == 3
    with pytest.raises(NotOnDocument, match=f"serial {IMEIS[3]} is not on transfer T-S1-0"):
        remove_units(shop, clerk, t.number, "S1", None, [IMEIS[3]])

    shipped = ship(shop, clerk, t.number, "S1", outbox_folder)
    assert shipped.transfer.status == "shipped" and shipped.transfer.in_transit == 3
    assert shipped.files.failed == ()
    assert where(shop, IMEIS[0]) == ("in_transit", "S2")
    assert where(shop, IMEIS[2]) == ("in_stock", "S1")  # taken off before shipping
    assert on_hand(shop, "S1", "PHONE") == 2
    data, rows = read_file(outbox_folder, f"transfer_shipment-{t.number}.csv")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert rows[0] == [
        "event_type",
        "document_id",
        "store",
        "completed_at",
        "user",
        "sku",
        "quantity",
        "serials",
    ]
    assert [r[:3] + r[4:] for r in rows[1:]] == [
        ["transfer_shipment", t.number, "S1", "sam", "LAPTOP", "1", "LT1"],
        ["transfer_shipment", t.number, "S1", "sam", "PHONE", "2", "|".join(sorted(IMEIS[:2]))],
    ]
    with pytest.raises(BadRequest, match="is shipped: units can no longer be added"):
        add_units(shop, clerk, t.number, "S1", "PHONE", [IMEIS[3]])

    assert [s.number for s in list_transfers(shop, "S2", incoming=True)] == [t.number]
    with pytest.raises(BadRequest, match="goes to S2, not to S1"):
        TransferReceiving(shop, clerk, "S1", t.number, outbox_folder)
    session = TransferReceiving(shop, clerk, "S2", t.number, outbox_folder)
    assert session.title == f"Transfer {t.number} from S1"
    assert session.scan("PHONE", IMEIS[0]).verdict is Verdict.ADDED
    assert session.scan("PHONE", IMEIS[0]).verdict is Verdict.DUPLICATE
    with pytest.raises(
        NotOnDocument, match=f"serial {IMEIS[2]} of PHONE is not on transfer {t.number}"
    ):
        session.scan("PHONE", IMEIS[2])
    with pytest.raises(NotOnDocument, match=f"CABLE is not on transfer {t.number}"):
        session.add_product("CABLE")
    session.scan("LAPTOP", "LT1")
    with pytest.raises(Discrepancies, match="PHONE: 1 of 2 received"):
        session.complete()
    assert where(shop, IMEIS[0]) == ("in_transit", "S2")  # refused: nothing received
    result = session.complete(accept_discrepancies=True)
    assert result.received == 2 and result.discrepancies[0].missing == (IMEIS[1],)
    assert where(shop, IMEIS[0]) == ("in_stock", "S2")
    assert where(shop, IMEIS[1]) == ("in_transit", "S2")  # not received: still in transit
    view = get_transfer(shop, t.number)
    assert view.status == "received" and view.in_transit == 1
    assert view.report()["in_transit"] == [{"sku": "PHONE", "quantity": 1, "serials": [IMEIS[1]]}]
    _data, rows = read_file(outbox_folder, f"transfer_receipt-{t.number}.csv")
    assert [r[:3] + r[4:] for r in rows[1:]] == [
        ["transfer_receipt", t.number, "S2", "sam", "LAPTOP", "1", "LT1"],
        ["transfer_receipt", t.number, "S2", "sam", "PHONE", "1", IMEIS[0]],
    ]
    # Still listed as incoming while a unit is in transit on it: when it turns up, the rest
    # is received on the same checklist (only what is still in transit is expected).
    assert [s.in_transit for s in list_transfers(shop, "S2", incoming=True)] == [1]
    rest = TransferReceiving(shop, clerk, "S2", t.number, outbox_folder)
    assert rest.rest and rest.title == f"Transfer {t.number} from S1 (rest)"
    assert [(ln.sku, ln.expected) for ln in rest.checklist.lines.values()] == [("PHONE", 1)]
    with pytest.raises(NotOnDocument):
        rest.scan("PHONE", IMEIS[0])  # received the first time
    rest.scan("PHONE", IMEIS[1])
    again = TransferReceiving(shop, clerk, "S2", t.number, outbox_folder)  # a second terminal
    again.scan("PHONE", IMEIS[1])
    done = rest.complete()
    assert (done.received, done.discrepancies) == (1, ())
    assert where(shop, IMEIS[1]) == ("in_stock", "S2")
    view = get_transfer(shop, t.number)
    assert (view.status, view.in_transit) == ("received", 0)
    # The outbox keeps one receipt file per transfer: the first one's, unchanged.
    _data, rows = read_file(outbox_folder, f"transfer_receipt-{t.number}.csv")
    assert [r[5] for r in rows[1:]] == ["LAPTOP", "PHONE"] and rows[2][7] == IMEIS[0]
    with pytest.raises(BadRequest, match=f"serial {IMEIS[1]} was received on .* meanwhile"):
        again.complete()
    with pytest.raises(BadRequest, match=r"was received already$"):
        TransferReceiving(shop, clerk, "S2", t.number, outbox_folder)  # nothing left
    assert check_ledger(shop) == []


@pytest.mark.parametrize(
    ("sku", "serial", "error", "words"),
    [
        pytest.param("PHONE", "SN\x07X", BadSerial, "contains control characters", id="garbage"),
        pytest.param(
            "PHONE",
            "4006381333931",
            BadSerial,
            "is the barcode of PHONE, not a serial",
            id="product_barcode",
        ),
        pytest.param("PHONE", "356938035643808", BadSerial, "check digit", id="format"),
        pytest.param(
            "LAPTOP",
            "LT2",
            NotInStock,
            "serial LT2 is in stock at S2, not at S1",
            id="at_another_store",
        ),
        pytest.param(
            None, "NOSUCH", NotInStock, "serial NOSUCH is not known to the ledger", id="unknown"
        ),
        pytest.param(
            "CABLE", "C1", Exception, "CABLE has no serials: give a quantity", id="no_serials"
        ),
    ],
)
def test_a_refused_scan_adds_nothing(
    shop: Database, clerk: Actor, sku: str | None, serial: str, error: type[Exception], words: str
) -> None:
    t = create_transfer(shop, clerk, "S1", "S2")
    with pytest.raises(error, match=words):
        good = {"PHONE": [IMEIS[0]], "LAPTOP": ["LT1"], None: [IMEIS[0]]}.get(sku, [])
        add_units(shop, clerk, t.number, "S1", sku, [*good, serial])
    assert get_transfer(shop, t.number).units == 0  # the good one too


def test_a_bare_serial_finds_its_own_product_a_labelled_one_is_refused(
    shop: Database, clerk: Actor
) -> None:
    """Picking with LAPTOP selected, a bare phone IMEI is the phone (it was refused "is a unit
    of PHONE"); on a GS1 label naming LAPTOP the same serial is refused, naming its product."""
    t = create_transfer(shop, clerk, "S1", "S2")
    done = add_units(shop, clerk, t.number, "S1", "LAPTOP", [IMEIS[0]])
    assert [(u.sku, u.serial) for u in done.added] == [("PHONE", IMEIS[0])]
    with pytest.raises(BadSerial, match=f"serial {IMEIS[1]} is a unit of PHONE, not of LAPTOP"):
        add_units(shop, clerk, t.number, "S1", "LAPTOP", [IMEIS[1]], labelled=True)
    assert get_transfer(shop, t.number).units == 1


def test_sold_units_and_units_on_another_transfer_are_refused(
    shop: Database, clerk: Actor, admin: Actor, outbox_folder: Path
) -> None:
    ledger.move(shop, admin, Action.SELL, store="S1", sku="PHONE", serials=[IMEIS[3]])
    t1 = create_transfer(shop, clerk, "S1", "S2")
    with pytest.raises(AlreadySold, match=f"serial {IMEIS[3]} is already sold"):
        add_units(shop, clerk, t1.number, "S1", "PHONE", [IMEIS[3]])
    add_units(shop, clerk, t1.number, "S1", "PHONE", [IMEIS[0], IMEIS[1]])
    t2 = create_transfer(shop, clerk, "S1", "S2")
    with pytest.raises(DuplicateSerial, match=f"already on transfer {t1.number}"):
        add_units(shop, clerk, t2.number, "S1", "PHONE", [IMEIS[0]])
    # Sold between the scan and the ship: the ship is refused whole, naming the unit.
    ledger.move(shop, admin, Action.SELL, store="S1", sku="PHONE", serials=[IMEIS[1]])
    with pytest.raises(AlreadySold, match=f"serial {IMEIS[1]} is already sold"):
        ship(shop, clerk, t1.number, "S1", outbox_folder)
    assert where(shop, IMEIS[0]) == ("in_stock", "S1")
    assert get_transfer(shop, t1.number).status == "open"
    assert not (outbox_folder / f"transfer_shipment-{t1.number}.csv").exists()
    with pytest.raises(BadRequest, match="has nothing on it to ship"):
        ship(shop, clerk, t2.number, "S1", outbox_folder)
    with pytest.raises(BadRequest, match="must go to another store"):
        create_transfer(shop, clerk, "S1", "S1")
    with pytest.raises(BadRequest, match="sent from another store"):
        add_units(shop, clerk, t1.number, "S2", None, ["LT2"])
    with pytest.raises(PermissionDenied):
        create_transfer(shop, Actor("cy", Role.CASHIER, "till"), "S1", "S2")


def test_quantities_ship_and_are_counted_in(
    shop: Database, clerk: Actor, outbox_folder: Path
) -> None:
    t = create_transfer(shop, clerk, "S1", "S2")
    set_quantity(shop, clerk, t.number, "S1", "CABLE", 4)
    with pytest.raises(NotInStock, match="CABLE: 11 on the transfer but only 10 on hand at S1"):
        set_quantity(shop, clerk, t.number, "S1", "CABLE", 7)
    assert set_quantity(shop, clerk, t.number, "S1", "CABLE", -1).on_line == 3
    with pytest.raises(BadRequest, match="PHONE needs a serial for every unit"):
        set_quantity(shop, clerk, t.number, "S1", "PHONE", 1)
    ship(shop, clerk, t.number, "S1", outbox_folder)
    assert on_hand(shop, "S1", "CABLE") == 7
    session = TransferReceiving(shop, clerk, "S2", t.number, outbox_folder)
    with pytest.raises(BadRequest, match="only 3 shipped on transfer"):
        session.count("CABLE", 4)
    session.receive_all()
    assert session.complete().received == 3
    assert on_hand(shop, "S2", "CABLE") == 3
    assert get_transfer(shop, t.number).in_transit == 0
    assert list_transfers(shop, "S2", incoming=True) == []  # nothing left to come
    assert list_transfers(shop, "S1", incoming=False) == []
    _data, rows = read_file(outbox_folder, f"transfer_receipt-{t.number}.csv")
    assert [r[5:] for r in rows[1:]] == [["CABLE", "3", ""]]
    assert check_ledger(shop) == []


def test_serialized_inventory_off_counts_quantities(
    shop: Database, admin: Actor, clerk: Actor, outbox_folder: Path
) -> None:
    settings.set_setting(shop, admin, "serialized_inventory", "false", "S1")
    t = create_transfer(shop, clerk, "S1", "S2")
    with pytest.raises(BadRequest, match="serialized inventory is off at S1: count PHONE"):
        add_units(shop, clerk, t.number, "S1", "PHONE", [IMEIS[0]])
    set_quantity(shop, clerk, t.number, "S1", "PHONE", 2)
    view = ship(shop, clerk, t.number, "S1", outbox_folder).transfer
    assert view.report()["shipped"] == [{"sku": "PHONE", "quantity": 2, "serials": []}]
    assert on_hand(shop, "S1", "PHONE") == 2


def test_a_receiving_store_with_serialized_inventory_off_counts(
    shop: Database, admin: Actor, clerk: Actor, outbox_folder: Path
) -> None:
    t = create_transfer(shop, clerk, "S1", "S2")
    add_units(shop, clerk, t.number, "S1", "PHONE", IMEIS[:2])
    ship(shop, clerk, t.number, "S1", outbox_folder)
    settings.set_setting(shop, admin, "serialized_inventory", "false", "S2")
    session = TransferReceiving(shop, clerk, "S2", t.number, outbox_folder)
    (line,) = session.checklist.lines.values()
    assert (line.sku, line.serialized, line.expected) == ("PHONE", False, 2)
    session.count("PHONE", 1)
    assert session.complete(accept_discrepancies=True).received == 1
    assert on_hand(shop, "S2", "PHONE") == 1
    view = get_transfer(shop, t.number)
    assert (view.received, view.in_transit) == (1, 1)


def test_an_open_transfer_can_be_cancelled_and_frees_its_units(
    shop: Database, clerk: Actor, outbox_folder: Path
) -> None:
    t1 = create_transfer(shop, clerk, "S1", "S2")
    add_units(shop, clerk, t1.number, "S1", "PHONE", IMEIS[:2])
    set_quantity(shop, clerk, t1.number, "S1", "CABLE", 2)
    assert cancel_transfer(shop, clerk, t1.number, "S1") == 4
    with pytest.raises(UnknownTransfer, match=f"there is no transfer '{t1.number}'"):
        get_transfer(shop, t1.number)
    t2 = create_transfer(shop, clerk, "S1", "S2")  # the units are free again
    assert add_units(shop, clerk, t2.number, "S1", "PHONE", IMEIS[:2]).total == 2
    ship(shop, clerk, t2.number, "S1", outbox_folder)
    with pytest.raises(BadRequest, match=f"transfer {t2.number} is shipped"):
        cancel_transfer(shop, clerk, t2.number, "S1")
    assert where(shop, IMEIS[0]) == ("in_transit", "S2")
