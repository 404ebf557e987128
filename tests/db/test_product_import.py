"""Product import and export on SQLite and PostgreSQL: all or nothing, exact round trips."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from serialpos.db import migrate, repo
from serialpos.db.engine import Database
from serialpos.domain.errors import PermissionDenied
from serialpos.domain.products import Product, SerialMode
from serialpos.services import users
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
FULL = "SKU,Name,Price,Serial Number Option,Barcode,TaxRate,SerialFormat,WarrantyMonths,Bin\n"


def catalogue(db: Database) -> list[Product]:
    return db.read(lambda conn: repo.load_products(conn))


def test_create_then_update(db: Database, admin: Actor) -> None:
    report = import_products_text(
        db,
        admin,
        FULL
        + (
            "PH1,Phone,100.00,Required,5012345000015|4006381333931,20,imei,24,A1\n"
            "AC1,Cable,9.99,Disabled,,20,,,A4\n"
        ),
    )
    assert (report.format, report.created, report.updated, report.unchanged) == (
        "mass_upload",
        2,
        0,
        0,
    )
    assert get_product(db, "PH1") == Product(
        sku="PH1",
        name="Phone",
        price=Decimal("100.00"),
        serial_mode=SerialMode.REQUIRED,
        serial_format="imei",
        barcodes=("05012345000015", "04006381333931"),
        tax_rate=Decimal("20"),
        warranty_months=24,
        bin="A1",
    )

    report = import_products_text(
        db,
        admin,
        (
            "SKU,Name,Price,SerialNumberRequired,Barcode\n"
            "PH1,Phone,100.00,true,5012345000015|4006381333931\n"  # the same
            "AC1,Cable 1 m,12.99,yes,5012345000022\n"  # changed
            "NEW,New thing,1.00,no,\n"
        ),
    )
    assert (report.format, report.created, report.updated, report.unchanged) == ("feed", 1, 1, 1)
    assert get_product(db, "AC1") == Product(
        sku="AC1",
        name="Cable 1 m",
        price=Decimal("12.99"),
        serial_mode=SerialMode.REQUIRED,
        barcodes=("05012345000022",),
        tax_rate=Decimal("20"),
        bin="A4",
    )
    assert get_product(db, "NEW").serial_mode is SerialMode.DISABLED


def test_absent_column_leaves_field_and_empty_cell_clears_it(db: Database, admin: Actor) -> None:
    import_products_text(db, admin, FULL + "PH1,Phone,1.00,Required,5012345000015,20,imei,24,A1\n")
    # No Barcode, TaxRate or SerialFormat columns: those stay as they are.
    import_products_text(
        db,
        admin,
        "SKU,Name,Price,Serial Number Option,WarrantyMonths,Bin\nPH1,Phone 2,2.00,Optional,,B7\n",
    )
    assert get_product(db, "PH1") == Product(
        sku="PH1",
        name="Phone 2",
        price=Decimal("2.00"),
        serial_mode=SerialMode.OPTIONAL,
        serial_format="imei",
        barcodes=("05012345000015",),
        tax_rate=Decimal("20"),
        warranty_months=None,
        bin="B7",
    )
    # Present but empty: cleared, barcodes too.
    report = import_products_text(db, admin, FULL + "PH1,Phone 2,2.00,Optional,,,,,\n")
    assert report.updated == 1
    assert get_product(db, "PH1") == Product(
        sku="PH1", name="Phone 2", price=Decimal("2.00"), serial_mode=SerialMode.OPTIONAL
    )


def test_only_barcodes_changed_counts_as_an_update(db: Database, admin: Actor) -> None:
    import_products_text(db, admin, FULL + "PH1,Phone,1.00,Required,5012345000015,,,,\n")
    report = import_products_text(db, admin, FULL + "PH1,Phone,1.00,Required,4006381333931,,,,\n")
    assert (report.updated, report.unchanged) == (1, 0)
    assert get_product(db, "PH1").barcodes == ("04006381333931",)


def test_a_bad_row_anywhere_changes_nothing(db: Database, admin: Actor) -> None:
    import_products_text(db, admin, (DATA / "demo_products.csv").read_text("utf-8"))
    before = export_products_text(db)
    rows = "".join(f"N{n:04d},New {n},1.00,Disabled,,,,,\n" for n in range(1500))
    updates = "PH-AUR15,Renamed,1.00,Disabled,,,,,\n"
    with pytest.raises(ImportRefused) as info:
        import_products_text(db, admin, FULL + updates + rows + "LAST,Bad,1.0.0,Disabled,,,,,\n")
    assert [str(p) for p in info.value.problems] == [
        "row 1503, Price: price '1.0.0' is not a number"
    ]
    assert info.value.message == "1 bad row; nothing was imported"
    assert export_products_text(db) == before


def test_barcode_of_a_product_not_in_the_file_is_refused(db: Database, admin: Actor) -> None:
    import_products_text(
        db, admin, FULL + "A,Aa,1,Required,5012345000015,,,,\nB,Bb,1,Required,4006381333931,,,,\n"
    )
    before = export_products_text(db)
    with pytest.raises(ImportRefused) as info:
        import_products_text(
            db, admin, FULL + "C,Cc,1,Required,05012345000015,,,,\nB,Bb,1,Required,,,,,\n"
        )
    assert [str(p) for p in info.value.problems] == [
        "row 2, Barcode: barcode 5012345000015 already belongs to product 'A'"
    ]
    assert export_products_text(db) == before
    # Both products in the file: a barcode may move, even swap, in one upload.
    report = import_products_text(
        db, admin, FULL + "A,Aa,1,Required,4006381333931,,,,\nB,Bb,1,Required,5012345000015,,,,\n"
    )
    assert report.updated == 2
    assert get_product(db, "A").barcodes == ("04006381333931",)
    assert get_product(db, "B").barcodes == ("05012345000015",)
    # Without a Barcode column the barcodes are not looked at at all.
    import_products_text(db, admin, "SKU,Name,Price,SerialNumberRequired\nC,Cc,1,false\n")
    assert get_product(db, "C").barcodes == ()


def test_samples_and_demo_import(db: Database, admin: Actor) -> None:
    reports = [
        import_products(db, admin, DATA / name)
        for name in ("demo_products.csv", "sample_product_feed.csv", "sample_mass_upload.csv")
    ]
    assert [(r.format, r.created) for r in reports] == [
        ("mass_upload", 12),
        ("feed", 4),
        ("mass_upload", 3),
    ]
    assert len(catalogue(db)) == 19
    assert get_product(db, "TL-BITS").name == "Drill bit set, 10 pieces"
    assert get_product(db, "PH-ORB9").serial_format == "imei"
    again = import_products(db, admin, str(DATA / "demo_products.csv"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 12)


def test_export_import_round_trip_is_exact(db: Database, admin: Actor, tmp_path: Path) -> None:
    for name in ("demo_products.csv", "sample_product_feed.csv", "sample_mass_upload.csv"):
        import_products(db, admin, DATA / name)
    import_products_text(
        db,
        admin,
        FULL
        + (
            'Q1,"Quoted, ""name""",0.00,Optional,4006381333931|15012345000012,7.125,^[A-Z]{2}$,'
            "0,\n"
            "Q2,=cmd|' /C calc'!A0,1.10,Disabled,00000096385074,0,,1200,-1\n"
        ),
    )
    original = catalogue(db)
    first = tmp_path / "products.csv"
    assert export_products(db, first) == 21
    data = first.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfSKU,Name,Price,Serial Number Option,Barcode,")
    assert data.count(b"\r\n") == 22

    # Change every field of every product, then upload the mass download again.
    scrambled = FULL + "".join(
        f"{p.sku},Other {n},{n}.00,{'Disabled' if p.serial_mode.tracked else 'Required'},"
        f",{n % 50},digits,{n},Z{n}\n"
        for n, p in enumerate(original)
    )
    assert import_products_text(db, admin, scrambled).updated == 21
    report = import_products(db, admin, first)
    assert (report.created, report.updated, report.unchanged) == (0, 21, 0)
    assert catalogue(db) == original
    second = tmp_path / "again.csv"
    export_products(db, second)
    assert second.read_bytes() == data


def test_round_trip_into_a_fresh_database(db: Database, admin: Actor, tmp_path: Path) -> None:
    import_products(db, admin, DATA / "demo_products.csv")
    import_products(db, admin, DATA / "sample_product_feed.csv")
    export_products(db, tmp_path / "out.csv")
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    try:
        migrate.upgrade(fresh)
        users.add_user(fresh, None, "root", "admin", "1234")
        root = users.actor_for(fresh, "root", "t")
        assert import_products(fresh, root, tmp_path / "out.csv").created == 16
        assert catalogue(fresh) == catalogue(db)
        export_products(fresh, tmp_path / "fresh.csv")
        assert (tmp_path / "fresh.csv").read_bytes() == (tmp_path / "out.csv").read_bytes()
    finally:
        fresh.dispose()


def test_cashier_may_not_import(db: Database, admin: Actor) -> None:
    users.add_user(db, admin, "cat", "cashier", "1234")
    cashier = users.actor_for(db, "cat", "till-1")
    with pytest.raises(PermissionDenied):
        import_products(db, cashier, DATA / "demo_products.csv")
    with pytest.raises(PermissionDenied):
        import_products_text(db, cashier, FULL + "A,X,1,Required,,,,,\n")
    assert catalogue(db) == []


def test_unreadable_files(db: Database, admin: Actor, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused) as info:
        import_products(db, admin, tmp_path / "nope.csv")
    assert info.value.message == f"there is no file {tmp_path / 'nope.csv'}; nothing was imported"
    with pytest.raises(ImportRefused) as info:
        import_products(db, admin, tmp_path)
    assert "is a folder" in info.value.message
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.csv"
        locked.write_text(FULL)
        locked.chmod(0)
        with pytest.raises(ImportRefused, match="permission denied"):
            import_products(db, admin, locked)


def test_export_is_atomic(
    db: Database, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_products(db, admin, DATA / "demo_products.csv")
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "products.csv"
    target.write_bytes(b"previous export")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        export_products(db, target)
    assert target.read_bytes() == b"previous export"
    assert [p.name for p in folder.iterdir()] == ["products.csv"]  # no temporary file left
    monkeypatch.undo()
    assert export_products(db, target) == 12
    assert target.read_bytes().startswith(b"\xef\xbb\xbfSKU,")


def test_export_of_an_empty_catalogue(db: Database, tmp_path: Path) -> None:
    assert export_products(db, tmp_path / "empty.csv") == 0
    assert (tmp_path / "empty.csv").read_bytes() == (
        b"\xef\xbb\xbfSKU,Name,Price,Serial Number Option,Barcode,TaxRate,SerialFormat,"
        b"WarrantyMonths,Bin,PackageType,Components\r\n"
    )
