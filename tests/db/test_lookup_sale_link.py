"""The serial card finds the sale of a unit — and, for a component of an exploded package,
the package it went out in."""

from __future__ import annotations

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup
from serialpos.services.context import Actor
from serialpos.services.lookup import SaleLink
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order
from serialpos.services.orders.serials import set_serial
from serialpos.services.product_import import import_products_text

CATALOGUE = (
    "SKU,Name,Price,Serial Number Option,PackageType,Components\n"
    "DRILL,Drill,100.00,Required,,\n"
    "BITS,Bit set,20.00,Disabled,,\n"
    "KIT,Drill kit,110.00,Disabled,exploded,DRILL*1|BITS*1\n"
)


def test_component_serial_finds_its_package_sale(db: Database, admin: Actor) -> None:
    import_products_text(db, admin, CATALOGUE)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRILL", serials=["D-1", "D-2"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="BITS", quantity=2)

    order = open_order(db, admin, "S1").order
    add_item(db, admin, order, sku="KIT")
    drill_line = next(ln for ln in get_order(db, order).lines if ln.sku == "DRILL")
    set_serial(db, admin, order, drill_line.line, "D-1")
    (card,) = lookup.lookup_serial(db, "D-1")
    assert card.state == "reserved"
    assert card.sale == SaleLink(order, drill_line.number, "open", None, "KIT", "Drill kit")

    invoice = fulfil(db, admin, order, settle_in="cash").invoice
    (card,) = lookup.lookup_serial(db, "D-1")
    assert card.sale == SaleLink(order, drill_line.number, "fulfilled", invoice, "KIT", "Drill kit")
    # A unit never put on an order has no sale.
    assert lookup.lookup_serial(db, "D-2")[0].sale is None
