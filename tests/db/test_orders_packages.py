"""Packages at the counter: an exploded package adds its own line (the price) and one line per
component unit, each component following its own serial mode; a consolidated package is an
ordinary product with its own serial."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from test_orders import IMEI, clean, setup_catalogue, state_of

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError, SerialRequired
from serialpos.domain.orders import LineStatus, SerialIndicator
from serialpos.domain.products import SerialMode
from serialpos.services import products, returns
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.lines import add_item, remove_line
from serialpos.services.orders.serials import set_serial


def _package(
    db: Database, admin: Actor, sku: str, kind: str, mode: str, parts: list[tuple[str, int]]
) -> None:
    products.create_product(
        db, admin, sku=sku, name=f"{sku} bundle", price=Decimal("1200.00"), serial_mode=mode
    )
    p = repo.product_t.c
    with db.engine.begin() as conn:
        ids: dict[str, int] = {sku: pid for sku, pid in conn.execute(sa.select(p.sku, p.id))}
        conn.execute(
            sa.text("UPDATE product SET package_type = :kind WHERE sku = :sku"),
            {"kind": kind, "sku": sku},
        )
        for part, quantity in parts:
            conn.execute(
                sa.text(
                    "INSERT INTO product_component (package_id, component_id, "
                    "quantity) VALUES (:pkg, :part, :qty)"
                ),
                {"pkg": ids[sku], "part": ids[part], "qty": quantity},
            )


def test_exploded_package_sells_its_components(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    # the package's own mode (required) is ignored: it is exploded
    _package(db, admin, "KIT", "exploded", "required", [("PH1", 2), ("CB1", 3)])
    order = open_order(db, admin, "S1").order
    added = add_item(db, admin, order, sku="KIT")
    assert not added.prompt_serial and not added.merged
    view = added.order
    assert [(ln.sku, ln.quantity, ln.unit_price, ln.package_line) for ln in view.lines] == [
        ("KIT", 1, Decimal("1200.00"), None),
        ("CB1", 3, Decimal("0.00"), added.line),
        ("PH1", 1, Decimal("0.00"), added.line),
        ("PH1", 1, Decimal("0.00"), added.line),
    ]
    assert view.lines[0].serial_mode is SerialMode.DISABLED
    assert view.lines[0].indicator is SerialIndicator.NONE
    assert view.totals.total == Decimal("1200.00")
    with pytest.raises(DomainError) as no_serial:
        set_serial(db, admin, order, added.line, IMEI[0])
    assert no_serial.value.code == "not_serialized"
    with pytest.raises(DomainError) as part:
        remove_line(db, admin, order, view.lines[1].line)
    assert part.value.code == "package_part"
    with pytest.raises(SerialRequired, match=r"line 3 \(PH1\), line 4 \(PH1\)"):
        fulfil(db, admin, order, lines=[added.line], settle_in="cash")

    phones = [ln.line for ln in view.lines if ln.sku == "PH1"]
    set_serial(db, admin, order, phones[0], IMEI[0])
    set_serial(db, admin, order, phones[1], IMEI[1])
    done = fulfil(db, admin, order, lines=[added.line], settle_in="cash")
    assert {ln.status for ln in done.order.lines} == {LineStatus.FULFILLED}
    assert state_of(db, IMEI[0]) == ("sold", "S1") and state_of(db, IMEI[1]) == ("sold", "S1")
    clean(db)

    # A part alone is refused, naming its package line: it would come back on a 0.00 note.
    with pytest.raises(DomainError) as part_alone:
        returns.return_units(db, admin, order, lines=[phones[0]])
    assert (part_alone.value.code, str(part_alone.value)) == (
        "package_part",
        f"line 3 (PH1) of order {order} is part of package line 1 (KIT): return the package "
        "line, and its parts come back with it",
    )
    assert state_of(db, IMEI[0]) == ("sold", "S1")
    # The package line brings every part back with it (the phone named or not).
    back = returns.return_units(db, admin, order, lines=[added.line, phones[0]])
    assert sorted(back.units) == sorted([(IMEI[0], "in_stock"), (IMEI[1], "in_stock")])
    assert back.amount == Decimal("1200.00")
    assert {ln.status for ln in back.order.lines} == {LineStatus.RETURNED}
    assert state_of(db, IMEI[1]) == ("in_stock", "S1")
    clean(db)


def test_a_package_line_returned_alone_brings_its_parts_back(db: Database, admin: Actor) -> None:
    """The drill kit of the new-user walk: two kits sold, the first kit's line returned; its
    drill (serial) and its bit sets come back, written off when the kit is named damaged; the
    second kit stays sold."""
    setup_catalogue(db, admin)
    _package(db, admin, "KIT", "exploded", "disabled", [("PH1", 1), ("CB1", 2)])
    view, _made = create_order(db, admin, "S1", lines=[NewLine("KIT", quantity=2)])
    kits = [ln for ln in view.lines if ln.sku == "KIT"]
    phones = [ln for ln in view.lines if ln.sku == "PH1"]
    assert len(kits) == 2 and len(phones) == 2
    set_serial(db, admin, view.order, phones[0].line, IMEI[0])
    set_serial(db, admin, view.order, phones[1].line, IMEI[1])
    fulfil(db, admin, view.order, settle_in="cash")
    first = kits[0].line
    mine = {ln.line for ln in view.lines if ln.package_line == first}
    back = returns.return_units(db, admin, view.order, lines=[first])
    assert back.amount == Decimal("1200.00")
    assert back.units == ((IMEI[0], "in_stock"),)
    status = {ln.line: ln.status for ln in back.order.lines}
    assert {line for line, st in status.items() if st is LineStatus.RETURNED} == {first, *mine}
    assert state_of(db, IMEI[0]) == ("in_stock", "S1")
    assert state_of(db, IMEI[1]) == ("sold", "S1")
    damaged = returns.return_units(db, admin, view.order, lines=[], damaged=[kits[1].line])
    assert damaged.units == ((IMEI[1], "written_off"),)
    clean(db)


def test_removing_an_exploded_package_releases_its_units(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    _package(db, admin, "KIT", "exploded", "disabled", [("PH1", 1)])
    view, made = create_order(db, admin, "S1", lines=[NewLine("KIT")])
    assert len(made) == 2
    set_serial(db, admin, view.order, made[1], IMEI[0])
    assert state_of(db, IMEI[0]) == ("reserved", "S1")
    after = remove_line(db, admin, view.order, made[0])
    assert after.lines == ()
    assert state_of(db, IMEI[0]) == ("in_stock", "S1")
    clean(db)


def test_consolidated_package_is_one_serialized_box(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    _package(db, admin, "BOX", "consolidated", "required", [("PH1", 1)])
    order = open_order(db, admin, "S1").order
    added = add_item(db, admin, order, sku="BOX")
    assert added.prompt_serial and len(added.order.lines) == 1
    assert added.order.lines[0].indicator is SerialIndicator.MISSING_REQUIRED
