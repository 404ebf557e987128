"""A demo store chain: two stores, a user per role, products of every serial mode, stock."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stdnum import luhn

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.events import DocumentRef
from serialpos.domain.states import Action
from serialpos.services import ledger, stores, users
from serialpos.services.context import SYSTEM
from serialpos.services.product_import import import_products

DEMO_USERS = (("admin", "admin", "1111"), ("manager", "manager", "2222"),
              ("cashier", "cashier", "3333"), ("stockroom", "stockroom", "4444"))
DEMO_STORES = (("S01", "Main Street"), ("S02", "Harbour Mall"))


def demo_products_file() -> Path:
    """The demo catalogue in ``data/`` of the source tree (the README installs it editable)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "data" / "demo_products.csv"
        if candidate.exists():
            return candidate
    raise FileNotFoundError("data/demo_products.csv not found beside the serialpos sources")


def _imei(n: int) -> str:
    body = f"35693803{n:06d}"
    return body + str(luhn.calc_check_digit(body))


@dataclass(frozen=True)
class DemoInfo:
    users: tuple[tuple[str, str, str], ...]
    stores: tuple[tuple[str, str], ...]
    products: int
    units: int


def build_demo(db: Database) -> DemoInfo:
    """Fill an empty database. Serials are fixed, so the README and tests can name them."""
    migrate.upgrade(db)
    for code, name in DEMO_STORES:
        stores.add_store(db, SYSTEM, code, name)
    for name, role, pin in DEMO_USERS:
        users.add_user(db, None if name == "admin" else SYSTEM, name, role, pin)
    report = import_products(db, SYSTEM, demo_products_file())
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
        ledger.move(db, stockroom, Action.RECEIVE, store=store, sku=sku, serials=serials,
                    quantity=quantity, document=doc)
        units += len(serials)
    return DemoInfo(DEMO_USERS, DEMO_STORES, report.created + report.updated, units)
