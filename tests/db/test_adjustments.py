"""Adjustments on SQLite and PostgreSQL: managers and admins add and remove units or
quantities with a reason code, as one document with a signed event file; a stockroom user is
refused; a bad unit refuses the whole adjustment."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import (
    BadRequest,
    BadSerial,
    DuplicateSerial,
    NotInStock,
    PermissionDenied,
)
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import adjustments, ledger, lookup, products, stock
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.rtv import StockItem

BOSS = Actor("mia", Role.MANAGER, "office")


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="BIKE", name="Bike", serial_mode="required")
    products.create_product(db, admin, sku="BELL", name="Bell")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="BIKE", serials=["B1", "B2"])
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="BIKE", serials=["B7"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="BELL", quantity=4)
    return db


def state(db: Database, serial: str) -> tuple[str, str]:
    (card,) = lookup.lookup_serial(db, serial)
    return card.state, card.store


def qty(db: Database, store: str, sku: str) -> int:
    return sum(line.quantity for line in stock.stock_levels(db, store=store, sku=sku))


def test_add_and_remove_units_and_quantities_in_one_document(
    shop: Database, outbox_folder: Path
) -> None:
    assert adjustments.check_unit(shop, "S1", "B9", "BIKE", add=True).serial == "B9"
    assert adjustments.check_unit(shop, "S1", "B1", None, add=False).sku == "BIKE"
    done = adjustments.adjust(
        shop,
        BOSS,
        "S1",
        "count_correction",
        "shelf 4",
        add=[StockItem("BIKE", ("B9",)), StockItem("BELL", (), 2)],
        remove=[StockItem("BIKE", ("B1", "B2"))],
        outbox=outbox_folder,
    )
    assert done.number == "A-S1-000001" and done.reason == "count_correction: shelf 4"
    assert state(shop, "B9") == ("in_stock", "S1")
    assert state(shop, "B1") == ("written_off", "S1")
    assert (qty(shop, "S1", "BIKE"), qty(shop, "S1", "BELL")) == (1, 6)
    data = (outbox_folder / "adjustment-A-S1-000001.csv").read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert [r[:3] + r[4:] for r in rows[1:]] == [
        ["adjustment", "A-S1-000001", "S1", "mia", "BELL", "2", ""],
        ["adjustment", "A-S1-000001", "S1", "mia", "BIKE", "1", "B9"],
        ["adjustment", "A-S1-000001", "S1", "mia", "BIKE", "-2", "B1|B2"],
    ]
    # A written-off unit found again comes back with an adjustment.
    again = adjustments.adjust(
        shop, BOSS, "S1", "found", None, add=[StockItem("BIKE", ("B1",))], outbox=outbox_folder
    )
    assert again.lines[0].quantity == 1 and state(shop, "B1") == ("in_stock", "S1")
    assert check_ledger(shop) == []


def test_a_stockroom_user_may_not_adjust(shop: Database, outbox_folder: Path) -> None:
    clerk = Actor("sam", Role.STOCKROOM, "dock")
    with pytest.raises(PermissionDenied, match="sam \\(stockroom\\) may not adjust stock"):
        adjustments.require_adjust(clerk)
    with pytest.raises(PermissionDenied, match="may not adjust stock"):
        adjustments.adjust(
            shop,
            clerk,
            "S1",
            "lost",
            None,
            remove=[StockItem("BIKE", ("B1",))],
            outbox=outbox_folder,
        )
    assert state(shop, "B1") == ("in_stock", "S1")


def test_removing_a_bare_serial_finds_its_own_product(shop: Database, admin: Actor) -> None:
    """BELL selected, removing bare ``B1`` finds the bike (it was refused "is a unit of
    BIKE"); adding a unit follows nothing: the serial is live under BIKE, so refused."""
    products.create_product(shop, admin, sku="LOCK", name="Lock", serial_mode="required")
    picked = adjustments.check_unit(shop, "S1", "B1", "LOCK", add=False)
    assert (picked.sku, picked.serial) == ("BIKE", "B1")
    with pytest.raises(BadSerial, match="serial B1 is a unit of BIKE, not of LOCK"):
        adjustments.check_unit(shop, "S1", "B1", "LOCK", add=False, labelled=True)
    with pytest.raises(DuplicateSerial, match="serial B1 is already BIKE Bike, in stock at S1"):
        adjustments.check_unit(shop, "S1", "B1", "LOCK", add=True)


@pytest.mark.parametrize(
    ("add", "serial", "error", "words"),
    [
        pytest.param(
            False, "B7", NotInStock, "serial B7 is in stock at S2, not at S1", id="remove_elsewhere"
        ),
        pytest.param(
            True,
            "B7",
            DuplicateSerial,
            r"serial B7 is already recorded \(in stock at S2\)",
            id="add_in_stock_elsewhere",
        ),
        pytest.param(
            False, "ZZ", NotInStock, "serial ZZ is not known to the ledger", id="remove_unknown"
        ),
        pytest.param(True, "B\x002", BadSerial, "contains control characters", id="garbage"),
    ],
)
def test_a_refused_unit_refuses_the_whole_adjustment(
    shop: Database, outbox_folder: Path, add: bool, serial: str, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        adjustments.check_unit(shop, "S1", serial, "BIKE", add=add)
    items = [StockItem("BIKE", (serial,))]
    with pytest.raises(error, match=words):
        adjustments.adjust(
            shop,
            BOSS,
            "S1",
            "count_correction",
            None,
            add=items if add else (),
            remove=[StockItem("BIKE", ("B1",))] + ([] if add else items),
            outbox=outbox_folder,
        )
    assert state(shop, "B1") == ("in_stock", "S1")
    assert not (outbox_folder / "adjustment-A-S1-000001.csv").exists()


def test_one_unit_both_added_and_removed_is_refused(shop: Database, outbox_folder: Path) -> None:
    """Adding and removing B1 in one adjustment nets to nothing but wrote two events (written
    off, then found): refused naming the serial, nothing recorded."""
    with pytest.raises(DuplicateSerial, match="serial B1 of BIKE is both added and removed"):
        adjustments.adjust(
            shop,
            BOSS,
            "S1",
            "count_correction",
            None,
            add=[StockItem("BIKE", ("B1",))],
            remove=[StockItem("BIKE", ("B2", " B1"))],
            outbox=outbox_folder,
        )
    assert (state(shop, "B1"), state(shop, "B2")) == (("in_stock", "S1"), ("in_stock", "S1"))
    assert len(lookup.lookup_serial(shop, "B1")[0].events) == 1
    assert not (outbox_folder / "adjustment-A-S1-000001.csv").exists()


def test_reason_codes_and_notes(shop: Database, outbox_folder: Path) -> None:
    remove = [StockItem("BELL", (), 1)]
    with pytest.raises(BadRequest, match="unknown reason 'oops'; one of: damaged, lost, found"):
        adjustments.adjust(shop, BOSS, "S1", "oops", None, remove=remove, outbox=outbox_folder)
    with pytest.raises(BadRequest, match="give the note"):
        adjustments.adjust(shop, BOSS, "S1", "other", " ", remove=remove, outbox=outbox_folder)
    with pytest.raises(BadRequest, match="nothing to adjust"):
        adjustments.adjust(shop, BOSS, "S1", "lost", None, outbox=outbox_folder)
    with pytest.raises(BadRequest, match="needs its product"):
        adjustments.check_unit(shop, "S1", "NEW1", None, add=True)
    done = adjustments.adjust(
        shop, BOSS, "S1", "other", "dropped in the lift", remove=remove, outbox=outbox_folder
    )
    assert done.reason == "other: dropped in the lift" and done.lines[0].quantity == -1
    assert qty(shop, "S1", "BELL") == 3


def test_serialized_inventory_off_adjusts_quantities(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    from serialpos.services import settings

    settings.set_setting(shop, admin, "serialized_inventory", "false", "S1")
    with pytest.raises(BadRequest, match="serialized inventory is off at S1: count BIKE"):
        adjustments.check_unit(shop, "S1", "B1", None, add=False)
    done = adjustments.adjust(
        shop, BOSS, "S1", "theft", None, remove=[StockItem("BIKE", (), 1)], outbox=outbox_folder
    )
    assert [(ln.sku, ln.quantity, ln.serials) for ln in done.lines] == [("BIKE", -1, ())]
    assert qty(shop, "S1", "BIKE") == 1


def test_a_reasons_direction_is_kept(shop: Database, outbox_folder: Path) -> None:
    """The reason "found" adds, never removes: a found adjustment posted in removing mode
    wrote units off with the reason "found". Refused at the scan and at posting, naming the
    reason."""
    with pytest.raises(BadRequest, match="reason 'found' adds units to stock"):
        adjustments.check_unit(shop, "S1", "B1", None, add=False, reason="found")
    with pytest.raises(BadRequest, match="reason 'found' adds units to stock"):
        adjustments.adjust(
            shop, BOSS, "S1", "found", None, remove=[StockItem("BIKE", ("B1",))], outbox=None
        )
    with pytest.raises(BadRequest, match="reason 'theft' removes units from stock"):
        adjustments.adjust(
            shop, BOSS, "S1", "theft", None, add=[StockItem("BIKE", ("B9",))], outbox=None
        )
    assert state(shop, "B1") == ("in_stock", "S1")
    assert adjustments.check_unit(shop, "S1", "B9", "BIKE", add=True, reason="found").serial
