"""The product-import comparison without a database: what a checked file changes in the
catalogue (new, changed, unchanged, barcodes and components replaced, serials switched) and
what it is refused for (barcodes taken, components missing or packages, nesting)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from serialpos.domain.product_changes import Catalogue, plan_import, product_fields
from serialpos.domain.product_columns import Column, ImportRefused, ParsedUpload
from serialpos.domain.product_rows import parse_upload

MASS = "SKU,Name,Price,Serial Number Option\n"
WITH_BARCODES = "SKU,Name,Price,Serial Number Option,Barcode\n"
WITH_PACKAGES = "SKU,Name,Price,Serial Number Option,PackageType,Components\n"
EAN_A = "5901234123457"
EAN_B = "4006381333931"
GTIN_A = "0" + EAN_A
GTIN_B = "0" + EAN_B


def catalogue(
    products: dict[str, tuple[int, tuple[Any, ...]]],
    barcodes: dict[int, tuple[str, ...]] | None = None,
    components: dict[int, tuple[tuple[str, int], ...]] | None = None,
) -> Catalogue:
    return Catalogue(products, barcodes or {}, components or {})


def refusal(upload: ParsedUpload, stored: Catalogue) -> list[str]:
    with pytest.raises(ImportRefused) as info:
        plan_import(upload, stored)
    return [str(p) for p in info.value.problems]


def test_fields_are_the_required_ones_and_the_optional_columns_the_file_has() -> None:
    assert product_fields(frozenset()) == ("name", "price", "serial_mode")
    assert product_fields(frozenset({Column.BIN, Column.TAX_RATE, Column.BARCODE})) == (
        "name",
        "price",
        "serial_mode",
        "tax_rate",
        "bin",
    )


def test_a_sku_the_catalogue_lacks_is_new() -> None:
    plan = plan_import(parse_upload(MASS + "PH,Phone,499.00,Required\n"), catalogue({}))
    assert [r.sku for r in plan.new] == ["PH"]
    assert (plan.changed, plan.unchanged, plan.updated) == ((), 0, 0)
    assert plan.becoming_serialized == () and plan.becoming_unserialized == ()


def test_a_row_equal_to_the_catalogue_is_unchanged() -> None:
    # The database hands back plain strings for the mode and Decimal for the price.
    stored = catalogue({"PH": (7, ("Phone", Decimal("499.00"), "required"))})
    plan = plan_import(parse_upload(MASS + "PH,Phone,499,Required\n"), stored)
    assert (plan.new, plan.changed, plan.unchanged, plan.updated) == ((), (), 1, 0)
    assert plan.touched_only == []


def test_a_price_change_updates_the_fields_the_file_sets() -> None:
    stored = catalogue({"PH": (7, ("Phone", Decimal("499.00"), "required"))})
    plan = plan_import(parse_upload(MASS + "PH,Phone,449.50,Required\n"), stored)
    assert plan.fields == ("name", "price", "serial_mode")
    assert plan.changed == ((7, ("Phone", Decimal("449.50"), "required")),)
    assert (plan.unchanged, plan.updated, plan.touched_only) == (0, 1, [])


def test_switching_serials_on_or_off_is_named_for_the_stock_check() -> None:
    stored = catalogue(
        {
            "ON": (1, ("On", Decimal("1.00"), "disabled")),
            "OPT": (2, ("Opt", Decimal("1.00"), "optional")),
            "OFF": (3, ("Off", Decimal("1.00"), "required")),
            "LOOSE": (4, ("Loose", Decimal("1.00"), "required")),
            "SAME": (5, ("Same", Decimal("1.00"), "required")),
        }
    )
    upload = parse_upload(
        MASS
        + "ON,On,1,Required\n"
        + "OPT,Opt,1,Required\n"
        + "OFF,Off,1,Disabled\n"
        + "LOOSE,Loose,1,Optional\n"
        + "SAME,Renamed,1,Required\n"
    )
    plan = plan_import(upload, stored)
    assert plan.becoming_serialized == (1, 2)
    assert plan.becoming_unserialized == (3,)
    assert plan.updated == 5  # required -> optional and a rename change the product too


def test_barcodes_are_compared_only_when_the_file_has_the_column() -> None:
    stored = catalogue({"PH": (7, ("Phone", Decimal("1.00"), "required"))}, {7: (GTIN_A,)})
    without = plan_import(parse_upload(MASS + "PH,Phone,1,Required\n"), stored)
    assert (without.unchanged, without.rebarcode, without.sets_barcodes) == (1, (), False)

    moved = plan_import(parse_upload(WITH_BARCODES + f"PH,Phone,1,Required,{EAN_B}\n"), stored)
    assert [(pid, row.barcodes) for pid, row in moved.rebarcode] == [(7, (GTIN_B,))]
    assert (moved.changed, moved.unchanged, moved.updated) == ((), 0, 1)
    assert moved.touched_only == [7]  # only its barcodes changed, still an update


def test_a_barcode_held_by_a_product_outside_the_file_is_refused() -> None:
    stored = catalogue(
        {
            "PH": (7, ("Phone", Decimal("1.00"), "required")),
            "CS": (8, ("Case", Decimal("1.00"), "disabled")),
        },
        {8: (GTIN_A,)},
    )
    upload = parse_upload(WITH_BARCODES + f"PH,Phone,1,Required,{EAN_A}\n")
    assert refusal(upload, stored) == [
        f"row 2, Barcode: barcode {EAN_A} already belongs to product 'CS'"
    ]


def test_a_barcode_may_move_between_products_that_are_both_in_the_file() -> None:
    stored = catalogue(
        {
            "PH": (7, ("Phone", Decimal("1.00"), "required")),
            "CS": (8, ("Case", Decimal("1.00"), "disabled")),
        },
        {8: (GTIN_A,)},
    )
    upload = parse_upload(
        WITH_BARCODES + f"PH,Phone,1,Required,{EAN_A}\nCS,Case,1,Disabled,{EAN_B}\n"
    )
    plan = plan_import(upload, stored)
    assert sorted(pid for pid, _ in plan.rebarcode) == [7, 8]
    assert plan.updated == 2


def test_a_component_must_be_a_product_somewhere_and_not_a_package() -> None:
    stored = catalogue(
        {
            "PH": (1, ("Phone", Decimal("1.00"), "required", None)),
            "KIT": (2, ("Kit", Decimal("1.00"), "disabled", "exploded")),
        },
        components={2: (("PH", 1),)},
    )
    upload = parse_upload(WITH_PACKAGES + "BN,Bundle,9,Required,consolidated,PH*1|KIT*1|NOPE*2\n")
    assert refusal(upload, stored) == [
        "row 2, Components: component 'KIT' is itself a package; a package cannot contain "
        "a package",
        "row 2, Components: component 'NOPE' is not a product: it is neither in the "
        "catalogue nor in this file",
    ]


def test_a_component_of_a_stored_package_cannot_become_a_package() -> None:
    stored = catalogue(
        {
            "PH": (1, ("Phone", Decimal("1.00"), "required", None)),
            "CS": (3, ("Case", Decimal("1.00"), "disabled", None)),
            "KIT": (2, ("Kit", Decimal("1.00"), "disabled", "exploded")),
        },
        components={2: (("PH", 1),)},
    )
    upload = parse_upload(WITH_PACKAGES + "PH,Phone,1,Required,consolidated,CS*1\n")
    assert refusal(upload, stored) == [
        "row 2, PackageType: 'PH' is a component of package 'KIT'; a package cannot contain "
        "a package, so it cannot become one"
    ]
    # The same file that also redefines KIT without PH is judged by KIT's row: accepted.
    redefined = parse_upload(
        WITH_PACKAGES + "PH,Phone,1,Required,consolidated,CS*1\nKIT,Kit,1,Disabled,,\n"
    )
    plan = plan_import(redefined, stored)
    assert sorted(pid for pid, _ in plan.recompose) == [1, 2]


def test_changed_components_replace_the_stored_ones() -> None:
    stored = catalogue(
        {
            "PH": (1, ("Phone", Decimal("1.00"), "required", None)),
            "CS": (3, ("Case", Decimal("1.00"), "disabled", None)),
            "KIT": (2, ("Kit", Decimal("9.00"), "disabled", "exploded")),
        },
        components={2: (("PH", 1),)},
    )
    same = plan_import(parse_upload(WITH_PACKAGES + "KIT,Kit,9,Disabled,exploded,PH*1\n"), stored)
    assert (same.unchanged, same.recompose) == (1, ())
    more = plan_import(
        parse_upload(WITH_PACKAGES + "KIT,Kit,9,Disabled,exploded,PH*1|CS*2\n"), stored
    )
    assert [(pid, row.components) for pid, row in more.recompose] == [(2, (("CS", 2), ("PH", 1)))]
    assert (more.changed, more.touched_only, more.updated) == ((), [2], 1)


def test_taken_barcodes_are_reported_before_package_problems() -> None:
    stored = catalogue(
        {"CS": (8, ("Case", Decimal("1.00"), "disabled", None))},
        {8: (GTIN_A,)},
    )
    header = "SKU,Name,Price,Serial Number Option,Barcode,PackageType,Components\n"
    upload = parse_upload(header + f"BN,Bundle,9,Required,{EAN_A},consolidated,NOPE*1\n")
    assert refusal(upload, stored) == [
        f"row 2, Barcode: barcode {EAN_A} already belongs to product 'CS'"
    ]


def test_refusal_carries_the_file_warnings() -> None:
    stored = catalogue(
        {"CS": (8, ("Case", Decimal("1.00"), "disabled"))},
        {8: (GTIN_A,)},
    )
    upload = parse_upload(
        "SKU,Name,Price,Serial Number Option,Barcode,Colour\n"
        + f"PH,Phone,1,Required,{EAN_A},red\n"
    )
    with pytest.raises(ImportRefused) as info:
        plan_import(upload, stored)
    assert info.value.warnings == ("ignored unknown column: 'Colour'",)
