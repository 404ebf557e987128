"""Making serials required never leaves stock that has no recorded serials."""

from __future__ import annotations

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import BadValue
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.product_import import import_products_text

HEADER = "SKU,Name,Price,Serial Number Option\n"


def test_required_refused_while_units_lack_serials(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="DRILL", name="Drill", serial_mode="optional")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRILL", serials=["D1"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRILL", quantity=2)

    with pytest.raises(BadValue) as refused:
        products.set_serial_mode(db, admin, ["DRILL"], "required")
    assert refused.value.code == "untracked_stock"
    assert "DRILL at S1: 3 on hand, 1 with serials" in refused.value.message
    with pytest.raises(BadValue):
        import_products_text(db, admin, HEADER + "DRILL,Drill,10.00,Required\n")
    assert products.get_product(db, "DRILL").serial_mode.value == "optional"

    # Once the unrecorded units are gone (here: sold without serials), required is allowed.
    ledger.move(db, admin, Action.SELL, store="S1", sku="DRILL", quantity=2)
    products.set_serial_mode(db, admin, ["DRILL"], "required")
    assert products.get_product(db, "DRILL").serial_mode.value == "required"
    assert [f for f in check_ledger(db) if f.violation] == []


def test_tax_rates_read_back_in_plain_notation(db: Database, admin: Actor) -> None:
    import_products_text(
        db,
        admin,
        "SKU,Name,Price,Serial Number Option,TaxRate\n"
        "A,Alpha,1.00,Disabled,20\nB,Beta,1.00,Disabled,7.5\n",
    )
    assert [str(products.get_product(db, sku).tax_rate) for sku in "AB"] == ["20", "7.5"]


def _units(db: Database, sku: str) -> list[tuple[str, str]]:
    import sqlalchemy as sa

    from serialpos.db import repo

    u, p = repo.unit_t.c, repo.product_t.c
    return sorted(
        db.read(
            lambda conn: [
                tuple(r)
                for r in conn.execute(
                    sa.select(u.serial, u.state)
                    .join(repo.product_t, p.id == u.product_id)
                    .where(p.sku == sku)
                )
            ]
        )
    )


def test_disabled_refused_while_units_with_serials_are_live(db: Database, admin: Actor) -> None:
    """Issue 10, case 8: switching serials off stranded the units in stock (db check then
    reported units_only_for_serialized). Now refused, naming the units, in every path."""
    from serialpos.services.orders.host import NewLine, create_order

    products.create_product(db, admin, sku="PH", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CB", name="Cable", serial_mode="optional")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["P1", "P2", "P3"])
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH", serials=["Q1"])
    ledger.move(db, admin, Action.TRANSFER_OUT, store="S2", sku="PH", serials=["Q1"], to_store="S1")
    create_order(db, admin, "S1", lines=[NewLine("PH", "P1")])
    before = _units(db, "PH")
    expected = (
        "cannot switch serials off: PH has 4 live units (S1: 2 in stock, 1 in transit, "
        "1 reserved); sell, return to vendor, write off or count the units out first, or "
        "make it optional instead"
    )
    with pytest.raises(BadValue) as refused:
        products.set_serial_mode(db, admin, ["CB", "PH"], "disabled")
    assert (refused.value.code, refused.value.message) == ("live_units", expected)
    with pytest.raises(BadValue) as uploaded:
        import_products_text(db, admin, HEADER + "PH,Phone,10.00,Disabled\n")
    assert (uploaded.value.code, uploaded.value.message) == ("live_units", expected)
    assert products.get_product(db, "PH").serial_mode.value == "required"
    assert products.get_product(db, "CB").serial_mode.value == "optional"  # all or nothing
    assert _units(db, "PH") == before

    # Optional is always allowed; a product whose units are all gone may switch off.
    products.set_serial_mode(db, admin, ["PH"], "optional")
    products.set_serial_mode(db, admin, ["CB"], "disabled")
    assert [f for f in check_ledger(db) if f.violation] == []


def test_switching_back_names_the_real_difference(db: Database, admin: Actor) -> None:
    """A product switched off while units were in stock (as the old code allowed), then sold
    by quantity: switching back used to say units lacked serials, the wrong way round."""
    import sqlalchemy as sa

    from serialpos.db import repo

    products.create_product(db, admin, sku="PH", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["P1", "P2", "P3"])
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(repo.product_t)
            .where(repo.product_t.c.sku == "PH")
            .values(serial_mode="disabled")
        )
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH", quantity=1)
    with pytest.raises(BadValue) as refused:
        products.set_serial_mode(db, admin, ["PH"], "required")
    assert refused.value.code == "untracked_stock"
    assert refused.value.message.startswith(
        "cannot make serials required while more units are in stock by serial than on hand "
        "(PH at S1: 3 units in stock by serial, 2 on hand): units were sold or moved without "
        "their serials while serials were not tracked"
    )
