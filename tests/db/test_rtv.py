"""Return to vendor on SQLite and PostgreSQL: units in stock here leave as one document with
its header and event file; a unit elsewhere or sold refuses the whole return, naming it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db.engine import Database
from serialpos.domain.errors import AlreadySold, BadRequest, BadSerial, NotInStock
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import ledger, lookup, products, rtv, settings, stock, stock_documents
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.rtv import StockItem

CLERK = Actor("sam", Role.STOCKROOM, "dock")


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="DRILL", name="Drill", serial_mode="required")
    products.create_product(db, admin, sku="SAW", name="Saw", serial_mode="required")
    products.create_product(db, admin, sku="BITS", name="Bits")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRILL", serials=["D1", "D2", "D3"])
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="DRILL", serials=["D9"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="BITS", quantity=5)
    ledger.move(db, admin, Action.SELL, store="S1", sku="DRILL", serials=["D3"])
    return db


def state(db: Database, serial: str) -> str:
    (card,) = lookup.lookup_serial(db, serial)
    return card.state


def documents(db: Database) -> list[tuple[str, str, str | None, str | None]]:
    d = stock_documents.document_t.c
    return db.read(
        lambda conn: [
            tuple(r)
            for r in conn.execute(sa.select(d.number, d.kind, d.vendor, d.reason).order_by(d.id))
        ]
    )


def test_units_and_a_quantity_go_back_in_one_document(shop: Database, outbox_folder: Path) -> None:
    assert rtv.check_unit(shop, "S1", "D2", None).sku == "DRILL"
    done = rtv.return_to_vendor(
        shop,
        CLERK,
        "S1",
        "Bosch",
        "faulty batch",
        [StockItem("DRILL", ("D2", "D1")), StockItem("BITS", (), 2)],
        outbox_folder,
    )
    assert done.number == "V-S1-000001" and done.units == 4 and done.files.failed == ()
    assert state(shop, "D1") == state(shop, "D2") == "returned_to_vendor"
    assert stock.stock_levels(shop, store="S1", sku="BITS")[0].quantity == 3
    assert documents(shop) == [("V-S1-000001", "rtv", "Bosch", "faulty batch")]
    data = (outbox_folder / "rtv-V-S1-000001.csv").read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert [r[:3] + r[4:] for r in rows[1:]] == [
        ["rtv", "V-S1-000001", "S1", "sam", "BITS", "2", ""],
        ["rtv", "V-S1-000001", "S1", "sam", "DRILL", "2", "D1|D2"],
    ]
    assert check_ledger(shop) == []


@pytest.mark.parametrize(
    ("serial", "error", "words"),
    [
        pytest.param("D9", NotInStock, "serial D9 is in stock at S2, not at S1", id="elsewhere"),
        pytest.param("D3", AlreadySold, "serial D3 is already sold", id="sold"),
        pytest.param("NOPE", NotInStock, "serial NOPE is not known to the ledger", id="unknown"),
        pytest.param("D\x1b1", BadSerial, "contains control characters", id="garbage"),
    ],
)
def test_a_unit_not_in_stock_here_refuses_the_whole_return(
    shop: Database, outbox_folder: Path, serial: str, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        rtv.check_unit(shop, "S1", serial, "DRILL")
    with pytest.raises(error, match=words):
        rtv.return_to_vendor(
            shop,
            CLERK,
            "S1",
            "Bosch",
            "faulty",
            [StockItem("DRILL", ("D1", serial))],
            outbox_folder,
        )
    assert state(shop, "D1") == "in_stock"
    assert documents(shop) == []
    assert not (outbox_folder / "rtv-V-S1-000001.csv").exists()


def test_vendor_reason_and_an_empty_return_are_refused(shop: Database, outbox_folder: Path) -> None:
    item = [StockItem("DRILL", ("D1",))]
    with pytest.raises(BadRequest, match="give the vendor"):
        rtv.return_to_vendor(shop, CLERK, "S1", "  ", "faulty", item, outbox_folder)
    with pytest.raises(BadRequest, match="give the reason"):
        rtv.return_to_vendor(shop, CLERK, "S1", "Bosch", "", item, outbox_folder)
    with pytest.raises(BadRequest, match="nothing scanned or counted yet"):
        rtv.return_to_vendor(shop, CLERK, "S1", "Bosch", "faulty", [], outbox_folder)
    with pytest.raises(NotInStock, match="BITS: 9 needed but only 5 on hand at S1"):
        rtv.return_to_vendor(
            shop, CLERK, "S1", "Bosch", "faulty", [StockItem("BITS", (), 9)], outbox_folder
        )
    assert documents(shop) == []


def test_serialized_inventory_off_returns_a_quantity(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    settings.set_setting(shop, admin, "serialized_inventory", "false", "S1")
    done = rtv.return_to_vendor(
        shop, CLERK, "S1", "Bosch", "faulty", [StockItem("DRILL", (), 1)], outbox_folder
    )
    assert done.lines[0].quantity == 1 and done.lines[0].serials == ()


def test_a_bare_serial_finds_its_own_product_whichever_is_selected(shop: Database) -> None:
    """SAW selected, a bare drill serial is the drill (it was refused "is a unit of DRILL");
    on a GS1 label naming SAW it is refused, naming the unit's own product."""
    picked = rtv.check_unit(shop, "S1", "D1", "SAW")
    assert (picked.sku, picked.serial) == ("DRILL", "D1")
    with pytest.raises(BadSerial, match="serial D1 is a unit of DRILL, not of SAW"):
        rtv.check_unit(shop, "S1", "D1", "SAW", labelled=True)
    with pytest.raises(NotInStock, match="serial D9 is in stock at S2, not at S1"):
        rtv.check_unit(shop, "S1", "D9", "SAW")  # followed, then checked as its own unit
