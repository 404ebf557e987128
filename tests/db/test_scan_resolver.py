"""Issue 10's wrong-data defects through the services, on SQLite and PostgreSQL: a serial is
never live under two products, a bare serial finds its own product, look-alike serials are
refused, and every refusal names the unit's own product. Each changes nothing recorded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadSerial, DomainError, DuplicateSerial
from serialpos.domain.scan_resolution import KnownUnit, ProductSerial, Refusal, ScanContext
from serialpos.domain.states import Action
from serialpos.services import ledger, products, scan_resolver, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.blind_receiving import open_blind_receipt
from serialpos.services.context import Actor
from serialpos.services.counts.approval import approve
from serialpos.services.counts.batches import close_batch, open_count, start_batch
from serialpos.services.counts.console import take
from serialpos.services.counts.reconciling import reconcile
from serialpos.services.integrity import check_ledger
from serialpos.services.lookup import lookup_serial
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order
from serialpos.services.orders.serials import set_serial

AUR = ["356938030000021", "356938030000039"]  # PH-AUR15 IMEIs in stock at S1
NOVA = ["356938030001011", "356938030001029", "356938030001037"]  # PH-NOVA7 IMEIs at S1


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(
        db,
        admin,
        sku="PH-AUR15",
        name="Aurora 15",
        serial_mode="required",
        serial_format="imei",
        barcodes=("4006381333931",),
    )
    products.create_product(
        db, admin, sku="PH-NOVA7", name="Nova 7", serial_mode="required", serial_format="imei"
    )
    products.create_product(db, admin, sku="AP-FRG300", name="Fridge 300", serial_mode="required")
    products.create_product(db, admin, sku="DRL18", name="Drill 18V", serial_mode="optional")
    products.create_product(db, admin, sku="LT-ZB24", name="Zenbook 24", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH-AUR15", serials=AUR)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH-NOVA7", serials=NOVA)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRL18", serials=["DRL18-A001"])
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="LT-ZB24", serials=["ZB24200003"])
    return db


def units(db: Database) -> list[tuple[str, str, str, int]]:
    u, p = repo.unit_t.c, repo.product_t.c
    return [
        tuple(r)
        for r in db.read(
            lambda conn: conn.execute(
                sa.select(p.sku, u.serial, u.state, u.store_id)
                .join(repo.product_t, p.id == u.product_id)
                .order_by(p.sku, u.serial)
            ).all()
        )
    ]


def violations(db: Database) -> list[str]:
    return [f"{f.rule}: {f.detail}" for f in check_ledger(db) if f.violation]


def test_blind_receipt_refuses_another_products_unit_gtins_and_merged_scans(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    """Defect 3: with PH-NOVA7 selected an in-stock PH-AUR15 IMEI was accepted; with
    AP-FRG300 selected a drill's serial, an unknown product barcode and two fridge serials run
    together were all accepted."""
    db = shop
    before = units(db)
    session = open_blind_receipt(db, admin, "S1", "Acme", None, outbox_folder)
    session.add_product("PH-NOVA7")
    with pytest.raises(
        DuplicateSerial, match=f"serial {AUR[0]} is already PH-AUR15 Aurora 15, in stock at S1"
    ):
        session.scan("PH-NOVA7", AUR[0])
    session.add_product("AP-FRG300")
    with pytest.raises(DuplicateSerial, match="already DRL18 Drill 18V, in stock at S1"):
        session.scan("AP-FRG300", "DRL18-A001")
    with pytest.raises(DomainError, match="a product barcode, not a serial") as gtin:
        session.scan("AP-FRG300", "05099999000011")
    assert gtin.value.code == "unknown_product"
    with pytest.raises(DomainError, match="two labels run together") as merged:
        session.scan("AP-FRG300", "FR-300-1011-FR-300-1013")
    assert merged.value.code == "merged_scan"
    assert session.checklist.lines["AP-FRG300"].received == 0
    assert session.checklist.lines["PH-NOVA7"].received == 0
    assert units(db) == before


def test_a_count_files_bare_serials_under_their_own_product(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    """Defect 2: after an AUR15 serial, Nova 7 IMEIs scanned without the Nova 7 barcode were
    filed as AUR15 never-seen units; approval wrote the Nova 7s off and added phantoms."""
    db = shop
    number = open_count(db, admin, "S1", products=["PH-AUR15", "PH-NOVA7"]).number
    start_batch(db, admin, number, "Ann")
    first = take(db, admin, number, 1, text=AUR[0], current=None)
    assert first.current == "PH-AUR15"
    for serial in NOVA:
        taken = take(db, admin, number, 1, text=serial, current="PH-AUR15")
        # Filed under its own product; the selection stays (a stray serial never moves it).
        assert (taken.current, taken.outcome and taken.outcome.sku) == ("PH-AUR15", "PH-NOVA7")
    take(db, admin, number, 1, text=AUR[1], current="PH-AUR15")
    close_batch(db, admin, number, 1)
    result = reconcile(db, number)
    assert not result.missing and not result.never_seen
    done = approve(db, admin, number, outbox_folder)
    assert (done.added, done.removed) == (0, 0)
    assert [u[:3] for u in units(db) if u[1] in NOVA] == [("PH-NOVA7", s, "in_stock") for s in NOVA]
    assert violations(db) == []


def test_a_host_count_naming_the_wrong_product_is_refused(shop: Database, admin: Actor) -> None:
    result = apply_object(
        shop,
        admin,
        {
            "op": "count",
            "store": "S1",
            "batches": [{"counter": "Ann", "scans": [{"sku": "PH-AUR15", "serial": NOVA[0]}]}],
        },
    )
    assert result["ok"] is False and result["error"] == "duplicate_serial"
    assert "PH-NOVA7 Nova 7, in stock at S1" in result["message"]


def test_the_manager_override_cannot_make_a_second_live_unit(shop: Database, admin: Actor) -> None:
    """Defect 4: an in-stock AUR15 IMEI on a Nova 7 line was called unknown, and the override
    then made a second live unit with it."""
    db = shop
    users.add_user(db, admin, "cam", "cashier", "1111")
    users.add_user(db, admin, "max", "manager", "2222")
    cam = users.actor_for(db, "cam", "till-1")
    order = open_order(db, cam, "S1").order
    line = add_item(db, cam, order, sku="PH-NOVA7").line
    before = units(db)
    with pytest.raises(DuplicateSerial, match="PH-AUR15 Aurora 15, in stock at S1"):
        set_serial(db, cam, order, line, AUR[0])
    with pytest.raises(DuplicateSerial, match="PH-AUR15 Aurora 15, in stock at S1"):
        set_serial(db, cam, order, line, AUR[0], override_user="max", override_pin="2222")
    assert units(db) == before
    assert get_order(db, order).line_by_id(line).serial is None


def test_adjustments_and_apply_refuse_a_serial_live_under_another_product(
    shop: Database, admin: Actor
) -> None:
    db = shop
    before = units(db)
    with pytest.raises(DuplicateSerial, match="already PH-AUR15 Aurora 15, in stock at S1"):
        ledger.move(
            db,
            admin,
            Action.ADJUST_ADD,
            store="S2",
            sku="PH-NOVA7",
            serials=[AUR[0]],
            reason="found",
        )
    got = apply_object(
        db, admin, {"op": "receive", "store": "S2", "sku": "LT-ZB24", "serials": ["DRL18-A001"]}
    )
    assert got["ok"] is False and got["error"] == "duplicate_serial"
    assert "DRL18 Drill 18V, in stock at S1" in got["message"]
    # A serial of another product that is gone (sold) blocks a new unit too: it is that
    # product's label, and the phantom would block the sold unit's return.
    ledger.move(db, admin, Action.SELL, store="S1", sku="DRL18", serials=["DRL18-A001"])
    with pytest.raises(DuplicateSerial) as gone:
        ledger.move(db, admin, Action.RECEIVE, store="S2", sku="LT-ZB24", serials=["DRL18-A001"])
    assert str(gone.value) == (
        "DRL18-A001 is the serial of DRL18 Drill 18V (sold): take it back as a return of "
        "DRL18, or check the label"
    )
    assert units(db) != before and violations(db) == []


@pytest.mark.parametrize(
    "char", ["\u200b", "\ufeff", "\u2060", "\u202e", "\u2028", "\u00ad", "\u00a0"]
)
def test_look_alike_serials_are_refused_naming_the_character(
    shop: Database, admin: Actor, char: str
) -> None:
    """Defect 12: LOOK1, LOOK1<U+200B> and LOOK<U+200B>1 became three units."""
    db = shop
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="AP-FRG300", serials=["LOOK1"])
    before = units(db)
    where = re.escape(f"U+{ord(char):04X} at position 5")
    with pytest.raises(BadSerial, match=where):
        ledger.move(
            db, admin, Action.RECEIVE, store="S1", sku="AP-FRG300", serials=[f"LOOK{char}1"]
        )
    with pytest.raises(BadSerial, match=where):
        ledger.move(
            db,
            admin,
            Action.ADJUST_ADD,
            store="S1",
            sku="AP-FRG300",
            serials=[f"LOOK{char}1"],
            reason="found",
        )
    assert units(db) == before
    assert [c.serial for c in lookup_serial(db, "LOOK1")] == ["LOOK1"]


def test_resolver_names_the_units_own_product_and_finds_it_from_any_selection(
    shop: Database,
) -> None:
    """Defect 13: ``serial ZB24200003 of AP-FRG300 is not on transfer`` — it is a laptop."""
    db = shop
    fridge = scan_resolver.find_product(db, "AP-FRG300")
    assert fridge is not None
    found = scan_resolver.resolve(db, "ZB24200003", ScanContext("S1", fridge))
    assert isinstance(found, KnownUnit)
    assert found.unit.where == "LT-ZB24 Zenbook 24, in stock at S2"
    fixed = scan_resolver.resolve(db, "ZB24200003", ScanContext("S1", fridge, fixed_product=True))
    assert isinstance(fixed, Refusal) and "LT-ZB24 Zenbook 24, in stock at S2" in fixed.message
    assert "AP-FRG300" not in fixed.message
    new = scan_resolver.resolve(db, "FR-300-1011", ScanContext("S1", fridge, fixed_product=True))
    assert new == ProductSerial(fridge, "FR-300-1011")


def test_an_adjustment_scan_and_a_transfer_receipt_name_the_units_own_product(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    """Defect 13 on the transfer receiving end, and an adjustment refused at the scan."""
    from serialpos.services import adjustments
    from serialpos.services.transfers.receiving import TransferReceiving
    from serialpos.services.transfers.sending import add_units, create_transfer, ship

    db = shop
    with pytest.raises(DuplicateSerial, match="already PH-AUR15 Aurora 15, in stock at S1"):
        adjustments.check_unit(db, "S2", AUR[0], "PH-NOVA7", add=True)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="AP-FRG300", serials=["FR-300-1011"])
    t = create_transfer(db, admin, "S1", "S2")
    add_units(db, admin, t.number, "S1", "AP-FRG300", ["FR-300-1011"])
    add_units(db, admin, t.number, "S1", "PH-AUR15", [AUR[1]])
    ship(db, admin, t.number, "S1", outbox_folder)
    receiving = TransferReceiving(db, admin, "S2", t.number, outbox_folder)
    with pytest.raises(
        DomainError,
        match=f"serial ZB24200003 is LT-ZB24 Zenbook 24, in stock "
        f"at S2: it is not on transfer {t.number}",
    ):
        receiving.scan("AP-FRG300", "ZB24200003")
    # A serial the transfer carries under another product lands on its own line.
    landed = receiving.scan("AP-FRG300", AUR[1])
    assert landed.line.sku == "PH-AUR15"
    assert receiving.checklist.lines["AP-FRG300"].received == 0


def test_a_serial_that_reads_as_a_gtin_is_still_checked_across_products(
    shop: Database, admin: Actor
) -> None:
    """A product whose format takes 13 digits receives such serials; one live under another
    product is refused even so."""
    db = shop
    products.create_product(
        db, admin, sku="TV-1", name="TV", serial_mode="required", serial_format=r"\d{13}"
    )
    products.create_product(
        db, admin, sku="TV-2", name="TV two", serial_mode="required", serial_format=r"\d{13}"
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="TV-1", serials=["5099999000018"])
    tv2 = scan_resolver.find_product(db, "TV-2")
    assert tv2 is not None
    context = ScanContext("S1", tv2, fixed_product=True, creates_units=True)
    refused = scan_resolver.resolve(db, "5099999000018", context)
    assert isinstance(refused, Refusal) and refused.code == "duplicate_serial"
    assert "TV-1 TV, in stock at S1" in refused.message
    assert scan_resolver.resolve(db, "5099999000025", context) == ProductSerial(
        tv2, "5099999000025"
    )


def test_a_move_of_another_products_unit_names_that_product(shop: Database, admin: Actor) -> None:
    got = apply_object(
        shop, admin, {"op": "sell", "store": "S1", "sku": "PH-NOVA7", "serial": AUR[0]}
    )
    assert got["ok"] is False and got["error"] == "not_in_stock"
    assert got["message"] == (
        f"serial {AUR[0]} is PH-AUR15 Aurora 15, in stock at S1, not a PH-NOVA7"
    )
