"""Services other than the ledger moves: settings, users, stores, products, stock, the
integrity check, and a store with serialized inventory switched off. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import (
    BadPin,
    BadSerial,
    BadValue,
    DomainError,
    PermissionDenied,
    SerialRequired,
    UnknownProduct,
    UnknownStore,
    UnknownUser,
)
from serialpos.domain.products import SerialMode
from serialpos.domain.settings import StoreSettings
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import ledger, lookup, products, settings, stock, stores, users
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger


def _actor(db: Database, admin: Actor, name: str, role: str) -> Actor:
    users.add_user(db, admin, name, role, "4321")
    return users.actor_for(db, name, "t1")


# -- settings -------------------------------------------------------------------------
def test_settings_default_chain_and_store(db: Database, admin: Actor) -> None:
    assert settings.get_settings(db) == StoreSettings()
    assert settings.get_settings(db, "S1") == StoreSettings()

    manager = _actor(db, admin, "meg", "manager")
    chain = settings.set_setting(db, manager, "auto_prompt_serial", "off")
    assert chain.auto_prompt_serial is False
    assert settings.get_settings(db, "S1").auto_prompt_serial is False  # chain default
    assert settings.get_settings(db, "S2").auto_prompt_serial is False

    at_s1 = settings.set_setting(db, manager, "auto_prompt_serial", "yes", "S1")
    assert at_s1.auto_prompt_serial is True  # the store value wins
    assert settings.get_settings(db, "S1").auto_prompt_serial is True
    assert settings.get_settings(db, "S2").auto_prompt_serial is False
    assert settings.get_settings(db).auto_prompt_serial is False

    # setting again replaces, it does not add a second row
    settings.set_setting(db, manager, "auto_prompt_serial", "0", "S1")
    assert settings.get_settings(db, "S1").auto_prompt_serial is False
    settings.set_setting(db, manager, "auto_prompt_serial", "1")
    assert settings.get_settings(db, "S2").auto_prompt_serial is True
    assert settings.get_settings(db, "S1").auto_prompt_serial is False
    with db.engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(repo.store_setting_t)).scalar()
    assert n == 1
    # other settings untouched
    s1 = settings.get_settings(db, "S1")
    assert (s1.serialized_inventory, s1.show_serial_on_invoice, s1.aggregate_duplicate_items) == (
        True,
        True,
        True,
    )


def test_settings_permissions_and_bad_input(db: Database, admin: Actor) -> None:
    cashier = _actor(db, admin, "cat", "cashier")
    stockroom = _actor(db, admin, "sam", "stockroom")
    for who in (cashier, stockroom):
        with pytest.raises(PermissionDenied) as err:
            settings.set_setting(db, who, "auto_prompt_serial", "off", "S1")
        assert err.value.code == "permission_denied"
    assert settings.get_settings(db, "S1").auto_prompt_serial is True
    with pytest.raises(BadValue) as bad:
        settings.set_setting(db, admin, "no_such_setting", "on")
    assert "unknown setting" in str(bad.value)
    with pytest.raises(BadValue) as bad:
        settings.set_setting(db, admin, "auto_prompt_serial", "maybe")
    assert "'maybe'" in str(bad.value)
    with pytest.raises(UnknownStore) as unknown:
        settings.set_setting(db, admin, "auto_prompt_serial", "on", "S9")
    assert unknown.value.code == "unknown_store"
    with pytest.raises(UnknownStore):
        settings.get_settings(db, "S9")


# -- users ----------------------------------------------------------------------------
def test_first_user_without_actor_then_refused(db: Database) -> None:
    assert users.has_users(db) is False
    first = users.add_user(db, None, "ada", "admin", "1234")
    assert (first.name, first.role, first.active) == ("ada", Role.ADMIN, True)
    assert users.has_users(db) is True
    with pytest.raises(PermissionDenied) as err:
        users.add_user(db, None, "bob", "cashier", "1234")
    assert "--user" in str(err.value)
    assert [u.name for u in users.list_users(db)] == ["ada"]


def test_add_user_rules(db: Database, admin: Actor) -> None:
    with pytest.raises(BadValue) as dup:
        users.add_user(db, admin, "ada", "cashier", "1234")
    assert dup.value.code == "duplicate_user"
    for pin in ("12", "12ab", "1234567890123", ""):
        with pytest.raises(BadPin):
            users.add_user(db, admin, "bob", "cashier", pin)
    with pytest.raises(BadValue):
        users.add_user(db, admin, "bob", "boss", "1234")
    with pytest.raises(BadValue):
        users.add_user(db, admin, "bob smith", "cashier", "1234")
    manager = _actor(db, admin, "meg", "manager")
    with pytest.raises(PermissionDenied):
        users.add_user(db, manager, "bob", "cashier", "1234")
    assert [(u.name, u.role) for u in users.list_users(db)] == [
        ("ada", Role.ADMIN),
        ("meg", Role.MANAGER),
    ]


def test_pin_is_stored_hashed(db: Database, admin: Actor) -> None:
    users.add_user(db, admin, "kim", "cashier", "80417")
    with db.engine.connect() as conn:
        stored = conn.execute(
            sa.select(repo.user_t.c.pin_hash).where(repo.user_t.c.name == "kim")
        ).scalar()
    assert stored.startswith("scrypt$")
    assert "80417" not in stored


def test_login(db: Database, admin: Actor) -> None:
    users.add_user(db, admin, "kim", "cashier", "5678")
    actor = users.login(db, " kim ", "5678", "till-2")
    assert actor == Actor(user="kim", role=Role.CASHIER, terminal="till-2")
    with pytest.raises(BadPin) as wrong:
        users.login(db, "kim", "5679", "till-2")
    with pytest.raises(BadPin) as unknown:
        users.login(db, "nobody", "5678", "till-2")
    # the message does not tell which of the two was wrong
    assert str(wrong.value) == str(unknown.value)
    with pytest.raises(UnknownUser):
        users.actor_for(db, "nobody", "t")


# -- stores ---------------------------------------------------------------------------
def test_stores(db: Database, admin: Actor) -> None:
    assert [(s.code, s.name) for s in stores.list_stores(db)] == [
        ("S1", "Main Street"),
        ("S2", "Harbour Mall"),
    ]
    with pytest.raises(DomainError) as dup:
        stores.add_store(db, admin, "S1", "Again")
    assert dup.value.code == "duplicate_store"
    for code, name in (
        ("", "Blank"),
        ("S 3", "Space"),
        ("S3", ""),
        ("X" * 17, "Long"),
        ("S\x1b3", "Escape"),
    ):
        with pytest.raises(BadValue):
            stores.add_store(db, admin, code, name)
    manager = _actor(db, admin, "meg", "manager")
    with pytest.raises(PermissionDenied):
        stores.add_store(db, manager, "S3", "Third")
    stores.add_store(db, admin, " S3 ", " Third ")
    assert [s.code for s in stores.list_stores(db)] == ["S1", "S2", "S3"]


def test_unknown_store_everywhere(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    calls = [
        lambda: ledger.move(db, admin, Action.RECEIVE, store="S9", sku="PH1", serials=["X1"]),
        lambda: ledger.move(
            db, admin, Action.TRANSFER_OUT, store="S1", sku="PH1", serials=["X1"], to_store="S9"
        ),
        lambda: stock.stock_levels(db, store="S9"),
        lambda: settings.get_settings(db, "S9"),
    ]
    for call in calls:
        with pytest.raises(UnknownStore) as err:
            call()
        assert err.value.code == "unknown_store"
        assert "S9" in str(err.value)
    assert lookup.lookup_serial(db, "X1") == []
    assert check_ledger(db) == []


# -- products -------------------------------------------------------------------------
def test_set_serial_mode_bulk_is_all_or_nothing(db: Database, admin: Actor) -> None:
    for sku in ("A1", "A2", "A3"):
        products.create_product(db, admin, sku=sku, name=f"Item {sku}")
    with pytest.raises(UnknownProduct) as err:
        products.set_serial_mode(db, admin, ["A1", "NOPE", "A2"], "required")
    assert "NOPE" in str(err.value) and "nothing was changed" in str(err.value)
    assert {p.sku: p.serial_mode for p in products.search_products(db)} == dict.fromkeys(
        ("A1", "A2", "A3"), SerialMode.DISABLED
    )

    changed = products.set_serial_mode(db, admin, ["A1", " A2 ", "A1"], "Optional")
    assert [(p.sku, p.serial_mode) for p in changed] == [
        ("A1", SerialMode.OPTIONAL),
        ("A2", SerialMode.OPTIONAL),
    ]
    assert products.get_product(db, "A3").serial_mode is SerialMode.DISABLED

    with pytest.raises(BadValue):
        products.set_serial_mode(db, admin, ["A1"], "sometimes")
    with pytest.raises(BadValue):
        products.set_serial_mode(db, admin, ["  "], "required")
    cashier = _actor(db, admin, "cat", "cashier")
    with pytest.raises(PermissionDenied):
        products.set_serial_mode(db, cashier, ["A1"], "required")
    assert products.get_product(db, "A1").serial_mode is SerialMode.OPTIONAL


def test_search_by_name_sku_and_barcode(db: Database, admin: Actor) -> None:
    products.create_product(
        db,
        admin,
        sku="PH-AUR15",
        name="Aurora 15 phone",
        serial_mode="required",
        serial_format="imei",
        barcodes=("036000291452",),
    )  # UPC-A
    products.create_product(
        db, admin, sku="AC-USBC1", name="USB-C cable 1 m", barcodes=("4006381333931",)
    )
    products.create_product(db, admin, sku="AC_100%", name="Odd SKU")

    def skus(text: str) -> list[str]:
        return [p.sku for p in products.search_products(db, text)]

    assert skus("") == ["AC-USBC1", "AC_100%", "PH-AUR15"]
    assert skus("aurora") == ["PH-AUR15"]  # name, case-insensitive
    assert skus("ph-aur") == ["PH-AUR15"]  # SKU, case-insensitive
    assert skus("cable") == ["AC-USBC1"]
    assert skus("0036000291452") == ["PH-AUR15"]  # the UPC-A as an EAN-13
    assert skus("4006381333931") == ["AC-USBC1"]
    assert skus("_") == ["AC_100%"]  # LIKE wildcards are literal
    assert skus("%") == ["AC_100%"]
    assert skus("nothing like it") == []
    assert products.find_by_barcode(db, "00036000291452").sku == "PH-AUR15"
    assert products.find_by_barcode(db, "036000291453") is None  # bad check digit
    assert products.get_product(db, "PH-AUR15").serial_format == "imei"
    with pytest.raises(UnknownProduct):
        products.get_product(db, "ph-aur15")


def test_create_product_refusals(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", barcodes=("4006381333931",))
    with pytest.raises(BadValue) as dup:
        products.create_product(db, admin, sku="PH1", name="Other")
    assert dup.value.code == "duplicate_sku"
    with pytest.raises(BadValue) as dup_code:
        # same barcode in another form (GTIN-14)
        products.create_product(db, admin, sku="PH2", name="Other", barcodes=("04006381333931",))
    assert dup_code.value.code == "duplicate_barcode"
    for kwargs in (
        {"serial_mode": "sometimes"},
        {"serial_format": "SN[0-"},
        {"barcodes": ("4006381333932",)},
        {"name": " "},
    ):
        with pytest.raises(BadValue):
            products.create_product(db, admin, **{"sku": "PH3", "name": "Three", **kwargs})
    assert [p.sku for p in products.search_products(db)] == ["PH1"]
    stockroom = _actor(db, admin, "sam", "stockroom")
    created = products.create_product(
        db, stockroom, sku="PH4", name="Quick", serial_mode="optional"
    )
    assert (created.sku, created.serial_mode) == ("PH4", SerialMode.OPTIONAL)


# -- stock ----------------------------------------------------------------------------
def test_stock_levels(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="AC1", name="Cable")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["P1", "P2", "P3"])
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["P2"])
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="AC1", quantity=7)
    ledger.move(db, admin, Action.SELL, store="S2", sku="AC1", quantity=9)  # below zero
    lines = [
        (x.store, x.sku, x.serial_mode, x.quantity, x.units_in_stock)
        for x in stock.stock_levels(db)
    ]
    assert lines == [("S1", "PH1", "required", 2, 2), ("S2", "AC1", "disabled", -2, 0)]
    assert [x.sku for x in stock.stock_levels(db, store="S2")] == ["AC1"]
    assert [x.store for x in stock.stock_levels(db, sku="PH1")] == ["S1"]
    assert stock.stock_levels(db, store="S2", sku="PH1") == []
    with pytest.raises(UnknownProduct):
        stock.stock_levels(db, sku="NOPE")
    # Below zero is allowed: a note naming it, never a violation.
    assert [(f.rule, f.store, f.sku, f.violation) for f in check_ledger(db)] == [
        ("negative_on_hand", "S2", "AC1", False)
    ]


# -- integrity check ------------------------------------------------------------------
def test_check_ledger_finds_a_corrupted_quantity(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["P1", "P2"])
    assert check_ledger(db) == []
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE stock_level SET quantity = quantity + 1")
    findings = check_ledger(db)
    rules = {(f.rule, f.store, f.sku, f.violation) for f in findings}
    assert ("quantity_matches_units", "S1", "PH1", True) in rules
    assert ("quantity_matches_events", "S1", "PH1", True) in rules
    detail = next(f.detail for f in findings if f.rule == "quantity_matches_units")
    assert detail == "quantity 3 but 2 units in stock"


def test_check_ledger_finds_a_state_changed_without_an_event(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["P1"])
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE serial_unit SET state = 'sold'")
    findings = check_ledger(db)
    assert {f.rule for f in findings if f.violation} >= {
        "state_matches_history",
        "quantity_matches_units",
    }
    history = next(f for f in findings if f.rule == "state_matches_history")
    assert "P1 is sold" in history.detail and "in_stock" in history.detail


def test_optional_serial_difference_is_a_note(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="DR1", name="Drill", serial_mode="optional")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DR1", serials=["D1", "D2"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DR1", quantity=3)  # no serials
    ledger.move(db, admin, Action.SELL, store="S1", sku="DR1")  # sold without its serial
    findings = check_ledger(db)
    assert [(f.rule, f.store, f.sku, f.violation, f.detail) for f in findings] == [
        ("optional_units_differ", "S1", "DR1", False, "quantity 4, 2 known units in stock")
    ]
    assert [(x.quantity, x.units_in_stock) for x in stock.stock_levels(db)] == [(4, 2)]


def test_negative_on_hand_without_serials_is_a_note_naming_store_sku_quantity(
    db: Database, admin: Actor
) -> None:
    products.create_product(db, admin, sku="USB1", name="USB-C cable")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="USB1", quantity=40)
    ledger.move(db, admin, Action.SELL, store="S1", sku="USB1", quantity=1_000_000)
    findings = check_ledger(db)
    assert [(f.rule, f.store, f.sku, f.violation) for f in findings] == [
        ("negative_on_hand", "S1", "USB1", False)
    ]
    assert "on hand -999,960" in findings[0].detail
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="USB1", quantity=999_960)
    assert check_ledger(db) == []  # back at zero: nothing to note


# -- serialized inventory switched off at a store -------------------------------------
def test_untracked_store_records_the_serial_on_the_event(db: Database, admin: Actor) -> None:
    products.create_product(
        db, admin, sku="PH1", name="Phone", serial_mode="required", serial_format="digits"
    )
    settings.set_setting(db, admin, "serialized_inventory", "off", "S2")
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH1", quantity=2)
    result = ledger.move(
        db, admin, Action.SELL, store="S2", sku="PH1", serials=["777"], document=None
    )
    assert (result.quantity, result.units, result.serial_tracked) == (-1, (), False)
    e = repo.event_t.c
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.select(e.action, e.serial, e.unit_id, e.quantity).order_by(e.id)
        ).all()
        units = conn.execute(sa.select(sa.func.count()).select_from(repo.unit_t)).scalar()
    assert [tuple(r) for r in rows] == [("receive", None, None, 2), ("sell", "777", None, -1)]
    assert units == 0
    assert [(x.store, x.quantity, x.units_in_stock) for x in stock.stock_levels(db)] == [
        ("S2", 1, 0)
    ]
    assert check_ledger(db) == []
    # The same product at a store that tracks serials still needs them.
    with pytest.raises(SerialRequired):
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", quantity=1)


def test_untracked_store_still_requires_the_serial_at_sale(db: Database, admin: Actor) -> None:
    """DESIGN.md: with serialized inventory disabled "serials are still captured at sale where
    products require them" - a sale of a required-serial product without one is refused."""
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    settings.set_setting(db, admin, "serialized_inventory", "off", "S2")
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH1", quantity=1)
    with pytest.raises(SerialRequired):
        ledger.move(db, admin, Action.SELL, store="S2", sku="PH1", quantity=1)
    assert [(x.quantity) for x in stock.stock_levels(db, store="S2")] == [1]


def test_untracked_store_still_checks_the_serial_format(db: Database, admin: Actor) -> None:
    """DESIGN.md: "An entered serial that breaks the format is refused with the reason" - the
    store setting only stops stock being checked by serial, not the serial being checked."""
    products.create_product(
        db, admin, sku="PH1", name="Phone", serial_mode="required", serial_format="imei"
    )
    settings.set_setting(db, admin, "serialized_inventory", "off", "S2")
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH1", quantity=1)
    with pytest.raises(BadSerial) as err:
        ledger.move(db, admin, Action.SELL, store="S2", sku="PH1", serials=["490154203237519"])
    assert "check digit" in str(err.value)
    assert [(x.quantity) for x in stock.stock_levels(db, store="S2")] == [1]
