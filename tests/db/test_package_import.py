"""Packages through import, export and lookup on SQLite and PostgreSQL: components exist and
are not packages, all or nothing, exact round trips, and the serial card of a sealed box."""

from __future__ import annotations

from pathlib import Path

import pytest

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.products import PackageType, Product, SerialMode
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup
from serialpos.services.context import Actor
from serialpos.services.product_import import (
    ImportRefused,
    export_products,
    export_products_text,
    import_products,
    import_products_text,
)
from serialpos.services.products import get_product

DATA = Path(__file__).resolve().parents[2] / "src" / "serialpos" / "data"
HEAD = "SKU,Name,Price,Serial Number Option,PackageType,Components\n"
FEED = "SKU,Name,Price,SerialNumberRequired,PackageType,Components\n"
PARTS = "PH,Phone,100,Required,,\nCS,Case,10,Disabled,,\nCH,Charger,20,Disabled,,\n"


def catalogue(db: Database) -> list[Product]:
    return db.read(lambda conn: repo.load_products(conn))


def refused(db: Database, admin: Actor, text: str) -> list[str]:
    before = export_products_text(db)
    with pytest.raises(ImportRefused) as info:
        import_products_text(db, admin, text)
    assert export_products_text(db) == before  # nothing was imported
    return [str(p) for p in info.value.problems]


def test_packages_are_created_updated_and_cleared(db: Database, admin: Actor) -> None:
    report = import_products_text(
        db,
        admin,
        HEAD
        + PARTS
        + (
            "BN,Bundle,120,Required,consolidated,PH*1|CS|CH*2\n"
            "KIT,Kit,110,Disabled,exploded,PH|CS\n"
        ),
    )
    assert (report.created, report.updated) == (5, 0)
    bundle = get_product(db, "BN")
    assert (bundle.package_type, bundle.components) == (
        PackageType.CONSOLIDATED,
        (("CH", 2), ("CS", 1), ("PH", 1)),
    )
    assert (get_product(db, "KIT").package_type, get_product(db, "PH").package_type) == (
        "exploded",
        None,
    )

    # The same file again: nothing changes.
    again = import_products_text(
        db,
        admin,
        HEAD
        + PARTS
        + (
            "BN,Bundle,120,Required,consolidated,CH*2|CS*1|PH*1\n"
            "KIT,Kit,110,Disabled,exploded,CS*1|PH*1\n"
        ),
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)

    # New components for one, another stops being a package; components already in the
    # database need not be in the file. A feed carries packages too.
    report = import_products_text(
        db, admin, FEED + ("BN,Bundle,120,true,exploded,PH*1|CH*1\nKIT,Kit,110,false,,\n")
    )
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    bundle = get_product(db, "BN")
    assert (bundle.package_type, bundle.components) == ("exploded", (("CH", 1), ("PH", 1)))
    kit = get_product(db, "KIT")
    assert (kit.package_type, kit.components) == (None, ())

    # A file without the two columns leaves the package as it is.
    report = import_products_text(
        db, admin, "SKU,Name,Price,Serial Number Option\nBN,Bundle renamed,120,Required\n"
    )
    assert report.updated == 1
    assert get_product(db, "BN").components == (("CH", 1), ("PH", 1))


def test_components_must_exist_in_the_database_or_the_file(db: Database, admin: Actor) -> None:
    import_products_text(db, admin, HEAD + PARTS)
    assert refused(
        db,
        admin,
        HEAD
        + (
            "BN,Bundle,1,Required,consolidated,PH*1|NOPE*2|CS\n"
            "KIT,Kit,1,Disabled,exploded,LATER|GONE\n"
            "LATER,Later in the file,1,Disabled,,\n"
        ),
    ) == [
        "row 2, Components: component 'NOPE' is not a product: it is neither in the catalogue "
        "nor in this file",
        "row 3, Components: component 'GONE' is not a product: it is neither in the catalogue "
        "nor in this file",
    ]
    assert [p.sku for p in catalogue(db)] == ["CH", "CS", "PH"]


def test_no_package_inside_a_package(db: Database, admin: Actor) -> None:
    import_products_text(db, admin, HEAD + PARTS + "BN,Bundle,1,Required,consolidated,PH|CS\n")
    # A package in the database cannot be a component ...
    assert refused(db, admin, HEAD + "BIG,Big,1,Disabled,exploded,BN*2|CH\n") == [
        "row 2, Components: component 'BN' is itself a package; a package cannot contain a package"
    ]
    # ... nor can a component of a package in the database become a package (a cycle would
    # start here: PH containing BN which contains PH).
    assert refused(db, admin, HEAD + "PH,Phone,100,Required,consolidated,BN\n") == [
        "row 2, PackageType: 'PH' is a component of package 'BN'; a package cannot contain "
        "a package, so it cannot become one",
        "row 2, Components: component 'BN' is itself a package; a package cannot contain a package",
    ]
    assert refused(db, admin, HEAD + "CS,Case,1,Disabled,exploded,CH\n") == [
        "row 2, PackageType: 'CS' is a component of package 'BN'; a package cannot contain "
        "a package, so it cannot become one"
    ]
    # When the file also changes that package, the file decides.
    report = import_products_text(
        db,
        admin,
        HEAD + ("BN,Bundle,1,Required,consolidated,PH\nCS,Case set,1,Disabled,exploded,CH*2\n"),
    )
    assert report.updated == 2
    assert get_product(db, "CS").components == (("CH", 2),)
    # And a package that stops being one may then be a component.
    import_products_text(
        db, admin, HEAD + ("BN,Bundle,1,Required,,\nBIG,Big,1,Disabled,exploded,BN*2|PH\n")
    )
    assert get_product(db, "BIG").components == (("BN", 2), ("PH", 1))


def test_export_round_trip_with_packages_is_exact(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    import_products(db, admin, DATA / "demo_products.csv")
    original = catalogue(db)
    bundle = get_product(db, "BN-AUR15")
    assert (bundle.package_type, bundle.serial_mode, bundle.components) == (
        "consolidated",
        SerialMode.REQUIRED,
        (("AC-CASE15", 1), ("AC-CHG65", 1), ("PH-AUR15", 1)),
    )
    assert get_product(db, "BN-DRILLKIT").components == (("TL-BITS", 1), ("TL-DRL18", 1))

    first = tmp_path / "products.csv"
    assert export_products(db, first) == 12
    data = first.read_bytes()
    assert b",consolidated,AC-CASE15*1|AC-CHG65*1|PH-AUR15*1\r\n" in data
    assert b",exploded,TL-BITS*1|TL-DRL18*1\r\n" in data
    report = import_products(db, admin, first)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 12)
    assert catalogue(db) == original
    second = tmp_path / "again.csv"
    export_products(db, second)
    assert second.read_bytes() == data


def test_lookup_of_a_sealed_box_lists_what_it_holds(db: Database, admin: Actor) -> None:
    import_products_text(
        db,
        admin,
        HEAD + PARTS + ("BN,Bundle in a sealed box,120,Required,consolidated,PH|CS|CH*2\n"),
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="BN", serials=["BOX-1"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["PH-1"])
    (card,) = lookup.lookup_serial(db, "BOX-1")
    assert (card.sku, card.state, card.package) == ("BN", "in_stock", "consolidated")
    assert card.components == (("CH", "Charger", 2), ("CS", "Case", 1), ("PH", "Phone", 1))
    (phone,) = lookup.lookup_serial(db, "PH-1")
    assert (phone.package, phone.components) == (None, ())
