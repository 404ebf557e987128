"""A demo store chain: two stores, a user per role, products of every serial mode, stock."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from stdnum import luhn

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.events import DocumentRef
from serialpos.domain.states import Action
from serialpos.services import ledger, stores, users
from serialpos.services.context import SYSTEM
from serialpos.services.product_import import import_products_text

DEMO_USERS = (
    ("admin", "admin", "1111"),
    ("manager", "manager", "2222"),
    ("cashier", "cashier", "3333"),
    ("stockroom", "stockroom", "4444"),
)
DEMO_STORES = (("S01", "Main Street"), ("S02", "Harbour Mall"))


def demo_products_text() -> str:
    """The demo catalogue shipped inside the package (``serialpos/data``)."""
    from serialpos.data import sample

    return sample("demo_products.csv").read_text(encoding="utf-8")


def _imei(n: int) -> str:
    body = f"35693803{n:06d}"
    return body + str(luhn.calc_check_digit(body))


@dataclass(frozen=True)
class DemoInfo:
    users: tuple[tuple[str, str, str], ...]
    stores: tuple[tuple[str, str], ...]
    products: int
    units: int


class NotADemoDatabase(DomainError):
    code = "not_a_demo_database"


def refuse_a_database_in_use(db: Database) -> None:
    """The demo fills only a new database (a new file, an empty schema, or one just set up
    with ``db init`` and nothing in it): pointed at a shop's database by mistake, it must
    stop before writing anything, not after adding its stores."""
    if migrate.current_revision(db) is None:
        return
    tables = ("store", "app_user", "product")

    def work(conn: Connection) -> int:
        return sum(
            int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one())
            for name in tables
        )

    if db.read(work):
        raise NotADemoDatabase(
            "this database already holds stores, users or products; the demo only fills a "
            "new database: give a new file with --db, or leave --db out to use the demo's own"
        )


def build_demo(db: Database, *, activity: bool = True) -> DemoInfo:
    """Fill an empty database. Serials are fixed, so the README and tests can name them.

    ``activity`` adds a day's work on top of the opening stock (two sales, an open delivery
    order with a serial still to record, an ASN on its way), so the reports, the fulfilment
    report, pick lists and receiving have something to show. Tests that count what they
    made themselves build the demo without it."""
    refuse_a_database_in_use(db)
    migrate.upgrade(db)
    for code, name in DEMO_STORES:
        stores.add_store(db, SYSTEM, code, name)
    for name, role, pin in DEMO_USERS:
        users.add_user(db, None if name == "admin" else SYSTEM, name, role, pin)
    report = import_products_text(db, SYSTEM, demo_products_text())
    stockroom = users.actor_for(db, "stockroom", "demo")
    doc = DocumentRef("receipt", "DEMO-OPENING")
    receipts: list[tuple[str, str, list[str], int | None]] = [
        ("S01", "PH-AUR15", [_imei(i) for i in range(1, 6)], None),
        ("S02", "PH-AUR15", [_imei(i) for i in range(6, 9)], None),
        ("S01", "PH-NOVA7", [_imei(i) for i in range(101, 105)], None),
        ("S01", "LT-ZEN14", [f"ZB{n:08d}" for n in range(24000101, 24000104)], None),
        ("S01", "AP-FRG300", ["FR-300-0001", "FR-300-0002"], None),
        ("S01", "TL-DRL18", ["DRL18-A001", "DRL18-A002"], None),
        ("S01", "TL-DRL18", [], 3),  # three more drills whose serials nobody recorded
        ("S01", "BK-CITY7", ["WTU123456789A"], None),
        ("S01", "BN-AUR15", ["BNA15-0001"], None),  # a sealed bundle: one serial for the box
        ("S01", "AC-USBC1", [], 40),
        ("S01", "AC-CASE15", [], 25),
        ("S01", "AC-CHG65", [], 12),
        ("S02", "AC-USBC1", [], 15),
    ]
    units = 0
    for store, sku, serials, quantity in receipts:
        ledger.move(
            db,
            stockroom,
            Action.RECEIVE,
            store=store,
            sku=sku,
            serials=serials,
            quantity=quantity,
            document=doc,
        )
        units += len(serials)
    if activity:
        _demo_activity(db)
    return DemoInfo(DEMO_USERS, DEMO_STORES, report.created + report.updated, units)


#: An ASN on its way to S01: phones with their serials listed, and cables in a case pack.
DEMO_ASN = (
    "ASN,Vendor,SKU,Quantity,Serials,CasePack\n"
    "ASN-DEMO-1,Aurora Devices Ltd,PH-AUR15,3,{serials},\n"
    "ASN-DEMO-1,Aurora Devices Ltd,AC-USBC1,20,,CP-DEMO-1\n"
)


def _demo_activity(db: Database) -> None:
    """Sales and an ASN, made through the same services the console uses."""
    from decimal import Decimal

    from serialpos.services.asn.importing import import_asn_data
    from serialpos.services.orders.checkout import add_payment, fulfil
    from serialpos.services.orders.host import NewLine, create_order
    from serialpos.services.orders.views import Customer

    stockroom = users.actor_for(db, "stockroom", "demo")
    cashier = users.actor_for(db, "cashier", "demo")
    # Units for today's sales, so the opening stock named in the README stays in stock.
    ledger.move(
        db,
        stockroom,
        Action.RECEIVE,
        store="S01",
        sku="PH-AUR15",
        serials=[_imei(9), _imei(10)],
        document=DocumentRef("receipt", "DEMO-DAY"),
    )
    ledger.move(
        db,
        stockroom,
        Action.RECEIVE,
        store="S01",
        sku="LT-ZEN14",
        serials=["ZB24000104"],
        document=DocumentRef("receipt", "DEMO-DAY"),
    )
    counter = NewLine
    sale, _ = create_order(
        db, cashier, "S01", lines=[counter("PH-AUR15", _imei(9)), counter("AC-CASE15")]
    )
    fulfil(db, cashier, sale.order, settle_in="cash")
    delivered, _ = create_order(
        db,
        cashier,
        "S01",
        delivery="delivery",
        customer=Customer(
            "Dana Whitfield", "+44 20 7946 0123", "12 Harbour Road, Portsmouth PO1 2AB"
        ),
        lines=[counter("LT-ZEN14", "ZB24000104"), counter("AC-CHG65")],
    )
    fulfil(db, cashier, delivered.order, settle_in="card")
    # Waiting for delivery: the fridge's serial is recorded when it is picked.
    waiting, _ = create_order(
        db,
        cashier,
        "S01",
        type="special_order",
        delivery="delivery",
        customer=Customer("Sam Okafor", "+44 20 7946 0456", "3 Mill Lane, Portsmouth PO2 7QT"),
        lines=[counter("AP-FRG300"), counter("PH-AUR15", _imei(10))],
    )
    add_payment(db, cashier, waiting.order, "card", Decimal("500.00"))
    serials = "|".join(_imei(n) for n in range(11, 14))
    import_asn_data(db, stockroom, "demo-asn.csv", DEMO_ASN.format(serials=serials).encode(), "S01")
