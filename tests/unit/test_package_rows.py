"""Packages in the product CSVs, without a database: the PackageType and Components columns in
both formats, every refusal, the export cell and the serial helpers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serialpos.domain.errors import BadValue
from serialpos.domain.product_columns import Column, ImportRefused, RowProblem
from serialpos.domain.product_export import export_cells, render_components, render_mass_upload
from serialpos.domain.product_rows import parse_upload
from serialpos.domain.products import (
    PackageType,
    Product,
    SerialMode,
    exploded_components,
    serial_mode_for_sale,
)

FEED = "SKU,Name,Price,SerialNumberRequired,PackageType,Components\n"
MASS = "SKU,Name,Price,Serial Number Option,PackageType,Components\n"
PARTS = "PH,Phone,1,Required,,\nCS,Case,1,Disabled,,\nCH,Charger,1,Disabled,,\n"
FEED_PARTS = "PH,Phone,1,true,,\nCS,Case,1,false,,\nCH,Charger,1,false,,\n"


def problems(text: str) -> list[str]:
    with pytest.raises(ImportRefused) as info:
        parse_upload(text)
    assert info.value.message.endswith("nothing was imported")
    return [str(p) for p in info.value.problems]


def test_mass_upload_packages_both_kinds() -> None:
    upload = parse_upload(
        MASS
        + PARTS
        + (
            "BN,Bundle,9,Required,Consolidated,PH*1|CS*1| CH * 2 \n"
            "KIT,Kit,9,Disabled, exploded ,PH|CS\n"
        )
    )
    rows = {r.sku: r for r in upload.rows}
    assert rows["BN"].package_type is PackageType.CONSOLIDATED
    assert rows["BN"].components == (("CH", 2), ("CS", 1), ("PH", 1))  # sorted by SKU
    assert rows["KIT"].package_type is PackageType.EXPLODED
    assert rows["KIT"].components == (("CS", 1), ("PH", 1))  # *qty left out means 1
    assert rows["PH"].package_type is None and rows["PH"].components == ()
    assert {Column.PACKAGE_TYPE, Column.COMPONENTS} <= upload.columns


def test_feed_packages_and_components_may_come_later_in_the_file() -> None:
    upload = parse_upload(FEED + "BN,Bundle,9,true,consolidated,PH*1|CS*3\n" + FEED_PARTS)
    (bundle,) = [r for r in upload.rows if r.sku == "BN"]
    assert (bundle.serial_mode, bundle.package_type, bundle.components) == (
        SerialMode.REQUIRED,
        PackageType.CONSOLIDATED,
        (("CS", 3), ("PH", 1)),
    )


def test_a_file_without_the_columns_sets_nothing() -> None:
    upload = parse_upload("SKU,Name,Price,Serial Number Option\nA,X,1,Required\n")
    assert Column.PACKAGE_TYPE not in upload.columns
    assert Column.COMPONENTS not in upload.columns


@pytest.mark.parametrize(
    ("have", "lack"), [("PackageType", "Components"), ("Components", "PackageType")]
)
def test_the_two_columns_go_together(have: str, lack: str) -> None:
    assert problems(f"SKU,Name,Price,Serial Number Option,{have}\nA,X,1,Required,\n") == [
        f"column {lack}: this column is missing: PackageType and Components go together "
        f"and the header has {have}"
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            "boxed,PH*1",
            "row 5, PackageType: package type 'boxed' is not one of consolidated, exploded",
        ),
        (
            "consolidated,",
            "row 5, Components: this consolidated package needs its components "
            "(SKU*qty joined with |, e.g. PH-AUR15*1|AC-CASE15*1)",
        ),
        (
            "exploded, | ",
            "row 5, Components: this exploded package needs its components "
            "(SKU*qty joined with |, e.g. PH-AUR15*1|AC-CASE15*1)",
        ),
        (
            ",PH*1",
            "row 5, PackageType: the row lists Components but no PackageType; use "
            "consolidated or exploded, or empty both cells",
        ),
        (
            "consolidated,PH*0",
            "row 5, Components: component 'PH*0': the quantity must be between 1 and 9999",
        ),
        (
            "consolidated,PH*10000",
            "row 5, Components: component 'PH*10000': the quantity must be between 1 and 9999",
        ),
        (
            "consolidated,PH*-1",
            "row 5, Components: component 'PH*-1': the quantity after * must "
            "be a whole number (write SKU*qty, e.g. PH*1)",
        ),
        (
            "consolidated,PH*two",
            "row 5, Components: component 'PH*two': the quantity after * "
            "must be a whole number (write SKU*qty, e.g. PH*1)",
        ),
        (
            "consolidated,PH*1.5",
            "row 5, Components: component 'PH*1.5': the quantity after * "
            "must be a whole number (write SKU*qty, e.g. PH*1)",
        ),
        ("consolidated,*2", "row 5, Components: component '*2': the SKU is blank"),
        (
            "consolidated,PH*1|CS|PH*2",
            "row 5, Components: component 'PH' is listed twice; list "
            "it once with its quantity (PH*3)",
        ),
        ("consolidated,BN*1|PH*1", "row 5, Components: package 'BN' cannot contain itself"),
        ("exploded,BN", "row 5, Components: package 'BN' cannot contain itself"),
    ],
)
def test_bad_package_rows(cells: str, expected: str) -> None:
    assert problems(MASS + PARTS + f"BN,Bundle,9,Required,{cells}\n") == [expected]


def test_a_package_cannot_contain_a_package_of_the_same_file() -> None:
    assert problems(
        MASS
        + PARTS
        + (
            "BN,Bundle,9,Required,consolidated,PH*1|CS*1\n"
            "BIG,Big,9,Disabled,exploded,BN*2|CH*1\n"
            "LOOP,Loop,9,Disabled,exploded,LOOP2\n"
            "LOOP2,Loop 2,9,Disabled,exploded,LOOP\n"
        )
    ) == [
        "row 6, Components: component 'BN' is itself a package (row 5); a package cannot "
        "contain a package",
        "row 7, Components: component 'LOOP2' is itself a package (row 8); a package cannot "
        "contain a package",
        "row 8, Components: component 'LOOP' is itself a package (row 7); a package cannot "
        "contain a package",
    ]


def test_every_bad_row_is_listed_with_the_others() -> None:
    with pytest.raises(ImportRefused) as info:
        parse_upload(FEED + "A,,1,true,,\nBN,Bundle,1,perhaps,consolidated,\n" + FEED_PARTS)
    assert info.value.problems == (
        RowProblem(2, Column.NAME, "the product name is blank"),
        RowProblem(
            3,
            Column.SERIAL_REQUIRED,
            "'perhaps' is not a yes/no value (use true/false, yes/no, on/off, 1/0)",
        ),
        RowProblem(
            3,
            Column.COMPONENTS,
            "this consolidated package needs its components "
            "(SKU*qty joined with |, e.g. PH-AUR15*1|AC-CASE15*1)",
        ),
    )
    assert info.value.message == "2 bad rows; nothing was imported"


def test_skus_with_a_star_and_formula_like_skus_round_trip() -> None:
    products = [
        Product(sku="A*B", name="Star"),
        Product(sku="-X", name="Minus"),
        Product(
            sku="BN", name="Bundle", package_type="exploded", components=(("A*B", 2), ("-X", 1))
        ),
    ]
    text = render_mass_upload(products)
    assert "BN,Bundle,0.00,Disabled,,,,,,exploded,'-X*1|A*B*2\r\n" in text
    rows = {r.sku: r for r in parse_upload(text).rows}
    assert rows["BN"].components == (("-X", 1), ("A*B", 2))
    # The quantity is read after the last *: a SKU with a * in it is written with its quantity.
    assert problems(MASS + "A*B,Star,1,Disabled,,\nK,Kit,1,Disabled,exploded,A*B\n") == [
        "row 3, Components: component 'A*B': the quantity after * must be a whole number "
        "(write SKU*qty, e.g. A*1)"
    ]


def test_export_cells_of_a_package() -> None:
    bundle = Product(
        sku="BN",
        name="Bundle",
        serial_mode=SerialMode.REQUIRED,
        package_type=PackageType.CONSOLIDATED,
        components=(("PH", 1), ("CS", 2)),
    )
    assert export_cells(bundle)[-2:] == ["consolidated", "CS*2|PH*1"]
    assert export_cells(Product(sku="PH", name="Phone"))[-2:] == ["", ""]
    assert render_components([("B", 1), ("A", 3)]) == "A*3|B*1"
    assert render_mass_upload([bundle]).splitlines()[0].endswith(",Bin,PackageType,Components")


_sku = st.text(alphabet="ABCXYZ-019*", min_size=1, max_size=6).filter(
    lambda s: s.strip() == s and not s.startswith(("-", "'"))
)


@given(
    st.dictionaries(_sku, st.integers(1, 9999), min_size=1, max_size=5),
    st.sampled_from(PackageType),
)
def test_components_cell_round_trips(parts: dict[str, int], kind: PackageType) -> None:
    parts.pop("BN", None)
    if not parts:
        return
    components = tuple(sorted(parts.items()))
    others = [Product(sku=sku, name="Part") for sku in parts]
    bundle = Product(sku="BN", name="Bundle", package_type=kind, components=components)
    text = render_mass_upload([bundle, *others])
    rows = {r.sku: r for r in parse_upload(text).rows}
    assert (rows["BN"].package_type, rows["BN"].components) == (kind, components)


def test_package_type_parse() -> None:
    assert PackageType.parse(" Exploded ") is PackageType.EXPLODED
    with pytest.raises(BadValue, match="not one of consolidated, exploded"):
        PackageType.parse("box")


def test_serial_mode_for_sale_and_exploded_components() -> None:
    phone = Product(sku="PH", name="Phone", serial_mode=SerialMode.REQUIRED)
    sealed = Product(
        sku="BN",
        name="Bundle",
        serial_mode=SerialMode.REQUIRED,
        package_type="consolidated",
        components=(("CS", 1), ("PH", 1)),
    )
    kit = Product(
        sku="KIT",
        name="Kit",
        serial_mode=SerialMode.REQUIRED,
        package_type="exploded",
        components=(("BITS", 2), ("DRL", 1)),
    )
    assert serial_mode_for_sale(phone) is SerialMode.REQUIRED
    assert serial_mode_for_sale(sealed) is SerialMode.REQUIRED  # one serial for the box
    assert serial_mode_for_sale(kit) is SerialMode.DISABLED  # its components carry serials
    assert exploded_components(kit) == (("BITS", 2), ("DRL", 1))
    assert exploded_components(sealed) == () and exploded_components(phone) == ()
    assert (phone.is_package, sealed.is_package, kit.is_package) == (False, True, True)
