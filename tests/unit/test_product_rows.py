"""Reading product feed and mass upload CSVs without a database: formats, every refusal."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serialpos.domain.product_columns import (
    Column,
    ImportRefused,
    ParsedUpload,
    RowProblem,
    UploadFormat,
)
from serialpos.domain.product_export import export_gtin, plain_decimal, render_mass_upload
from serialpos.domain.product_rows import decode_upload, parse_upload, parse_upload_bytes
from serialpos.domain.products import Product, SerialMode
from serialpos.domain.text import invisible_character

DATA = Path(__file__).resolve().parents[2] / "src" / "serialpos" / "data"
FEED_HEADER = "SKU,Name,Price,SerialNumberRequired"
MASS_HEADER = "SKU,Name,Price,Serial Number Option"


def refused(text: str | bytes) -> ImportRefused:
    with pytest.raises(ImportRefused) as info:
        if isinstance(text, bytes):
            parse_upload_bytes(text)
        else:
            parse_upload(text)
    assert info.value.code == "bad_file"
    assert info.value.message.endswith("nothing was imported")
    return info.value


def lines(error: ImportRefused) -> list[str]:
    return [str(p) for p in error.problems]


# -- the two formats --------------------------------------------------------------------
def test_sample_feed_with_bom_and_crlf() -> None:
    raw = (DATA / "sample_product_feed.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    upload = parse_upload_bytes(raw)
    assert upload.format is UploadFormat.FEED
    assert upload.warnings == ()
    orbit, tv, hdmi, screen = upload.rows
    assert orbit.sku == "PH-ORB9" and orbit.serial_mode is SerialMode.REQUIRED
    assert orbit.barcodes == ("05012345000114",) and orbit.serial_format == "imei"
    assert orbit.tax_rate == Decimal("20") and orbit.warranty_months == 24 and orbit.bin == "A2"
    assert tv.serial_mode is SerialMode.REQUIRED  # "yes"
    assert hdmi.serial_mode is SerialMode.DISABLED and hdmi.price == Decimal("9.99")
    assert screen.serial_mode is SerialMode.DISABLED  # "no"
    assert screen.barcodes == () and screen.bin is None and screen.warranty_months is None


def test_sample_mass_upload() -> None:
    upload = parse_upload_bytes((DATA / "sample_mass_upload.csv").read_bytes())
    assert upload.format is UploadFormat.MASS_UPLOAD
    assert [r.serial_mode for r in upload.rows] == [
        SerialMode.REQUIRED,
        SerialMode.OPTIONAL,
        SerialMode.DISABLED,
    ]
    # TaxRate and SerialFormat are not in this file: those fields are left alone.
    assert Column.TAX_RATE not in upload.columns
    assert Column.SERIAL_FORMAT not in upload.columns
    assert {Column.BARCODE, Column.WARRANTY_MONTHS, Column.BIN} <= upload.columns


@pytest.mark.parametrize(
    ("flag", "mode"),
    [
        ("true", SerialMode.REQUIRED),
        ("TRUE", SerialMode.REQUIRED),
        ("yes", SerialMode.REQUIRED),
        ("1", SerialMode.REQUIRED),
        ("false", SerialMode.DISABLED),
        ("No", SerialMode.DISABLED),
        ("0", SerialMode.DISABLED),
    ],
)
def test_feed_flag(flag: str, mode: SerialMode) -> None:
    upload = parse_upload(f"{FEED_HEADER}\nA,Phone,1.00,{flag}\n")
    assert upload.rows[0].serial_mode is mode


@pytest.mark.parametrize("option", ["Required", "Optional", "Disabled", " optional "])
def test_mass_upload_option(option: str) -> None:
    upload = parse_upload(f"{MASS_HEADER}\nA,Phone,1.00,{option}\n")
    assert upload.rows[0].serial_mode.value == option.strip().lower()


def test_headers_any_case_any_order_unknown_columns_warned() -> None:
    text = (
        "colour,PRICE,serial number option,sku,bin,Weight,name,Tax Rate\n"
        "red,5.00,optional,A1,C3,2kg,Drill,7.5\n"
    )
    upload = parse_upload(text)
    assert upload.format is UploadFormat.MASS_UPLOAD
    row = upload.rows[0]
    assert (row.sku, row.name, row.price, row.bin, row.tax_rate) == (
        "A1",
        "Drill",
        Decimal("5.00"),
        "C3",
        Decimal("7.5"),
    )
    assert upload.warnings == ("ignored unknown columns: 'colour', 'Weight'",)
    assert upload.columns == {
        Column.SKU,
        Column.NAME,
        Column.PRICE,
        Column.SERIAL_OPTION,
        Column.BIN,
        Column.TAX_RATE,
    }


def test_empty_optional_cells_clear_and_absent_columns_are_not_set() -> None:
    upload = parse_upload(
        f"{MASS_HEADER},Barcode,TaxRate,SerialFormat,WarrantyMonths,Bin\nA,X,1,Required,,,,,\n"
    )
    row = upload.rows[0]
    assert (row.barcodes, row.tax_rate, row.serial_format, row.warranty_months, row.bin) == (
        (),
        None,
        None,
        None,
        None,
    )
    assert set(Column) - upload.columns == {
        Column.SERIAL_REQUIRED,
        Column.PACKAGE_TYPE,
        Column.COMPONENTS,
        Column.PRICES_INCLUDE_TAX,
    }


def test_barcodes_several_forms_and_duplicates_in_one_cell() -> None:
    upload = parse_upload(
        f"{MASS_HEADER},Barcode\nA,X,1,Required,5012345000015 | 05012345000015|4006381333931|\n"
    )
    assert upload.rows[0].barcodes == ("05012345000015", "04006381333931")


def test_serial_format_named_check_and_regex() -> None:
    upload = parse_upload(
        f"{MASS_HEADER},SerialFormat\nA,X,1,Required,IMEI\nB,Y,1,Required,^ZB[0-9]{{8}}$\n"
    )
    assert [r.serial_format for r in upload.rows] == ["imei", "^ZB[0-9]{8}$"]


def test_blank_lines_are_skipped_and_rows_count_like_a_spreadsheet() -> None:
    text = f"\r\n{MASS_HEADER}\r\n\r\nA,X,1,Required\r\n,,,\r\n  ,  , ,\r\nB,Y,abc,Required\r\n"
    error = refused(text)
    assert lines(error) == ["row 7, Price: price 'abc' is not a number"]
    good = parse_upload(text.replace("abc", "2"))
    assert [(r.row, r.sku) for r in good.rows] == [(4, "A"), (7, "B")]


def test_quoted_cells_with_commas_and_quotes() -> None:
    upload = parse_upload(f'{MASS_HEADER}\n"A,1","Bits ""pro"", 10 pieces",24.99,Disabled\n')
    assert (upload.rows[0].sku, upload.rows[0].name) == ("A,1", 'Bits "pro", 10 pieces')


def test_semicolons_and_decimal_commas_of_european_excel() -> None:
    upload = parse_upload(
        "SKU;Name;Price;Serial Number Option;TaxRate\nA;Bike, blue;12,50;Optional;7,5\n"
    )
    row = upload.rows[0]
    assert (row.name, row.price, row.tax_rate) == ("Bike, blue", Decimal("12.50"), Decimal("7.5"))


def test_excel_sep_line() -> None:
    upload = parse_upload(f"sep=;\n{MASS_HEADER.replace(',', ';')}\nA;X;1.00;Required\n")
    assert upload.rows[0].row == 2  # Excel does not show the sep= line as a row


def test_header_only_is_a_warning() -> None:
    upload = parse_upload(MASS_HEADER + "\r\n")
    assert upload.rows == () and upload.warnings == ("the file has a header but no product rows",)


# -- refusals ---------------------------------------------------------------------------
def test_every_bad_row_is_listed_with_row_and_column() -> None:
    text = "\n".join(
        [
            f"{MASS_HEADER},Barcode,TaxRate,WarrantyMonths,Bin,SerialFormat",
            "A,Phone,1.00,Required,,,,,",  # row 2: fine
            "B,,abc,Sometimes,123,200,-1,,[a-",  # row 3: seven problems
            "C,Ok,1.00,Required,5012345000016,,,,",  # row 4: check digit
            ",Nameless,1.00,Required,,,,,",  # row 5: no SKU
            "D,Blank price,,Required,,,,,",  # row 6
            "E,Blank mode,1.00,,,,,,",  # row 7
        ]
    )
    error = refused(text)
    assert error.message == "5 bad rows; nothing was imported"
    assert lines(error) == [
        "row 3, Name: the product name is blank",
        "row 3, Price: price 'abc' is not a number",
        "row 3, Serial Number Option: serial mode 'Sometimes' is not one of required, "
        "optional, disabled",
        "row 3, Barcode: barcode '123' is not a GTIN/EAN/UPC (8, 12, 13 or 14 digits)",
        "row 3, TaxRate: tax rate '200' must be between 0 and 100 (percent)",
        "row 3, WarrantyMonths: warranty '-1' must be a whole number of months (0-1200)",
        "row 3, SerialFormat: serial format '[a-' is not a valid regular expression "
        "(missing ]: [a-)",  # RE2's reason: formats run on RE2 (linear time)
        "row 4, Barcode: barcode '5012345000016' has a wrong check digit",
        "row 5, SKU: the SKU is blank",
        "row 6, Price: the price is blank",
        "row 7, Serial Number Option: the Serial Number Option is blank "
        "(use Required, Optional or Disabled)",
    ]
    assert all(isinstance(p, RowProblem) and p.row is not None for p in error.problems)


def test_price_example_from_the_issue() -> None:
    rows = "".join(f"S{n},Name,1.00,true\n" for n in range(2, 7))
    error = refused(f"{FEED_HEADER}\n{rows}S7,Name,abc,true\n")
    assert error.problems == (RowProblem(7, "Price", "price 'abc' is not a number"),)
    assert lines(error) == ["row 7, Price: price 'abc' is not a number"]


def test_feed_flag_must_be_yes_or_no() -> None:
    assert lines(refused(f"{FEED_HEADER}\nA,X,1,maybe\nB,X,1,\n")) == [
        "row 2, SerialNumberRequired: 'maybe' is not a yes/no value "
        "(use true/false, yes/no, on/off, 1/0)",
        "row 3, SerialNumberRequired: the SerialNumberRequired cell is blank (use true or false)",
    ]


def test_values_the_database_could_not_hold() -> None:
    error = refused(f"{MASS_HEADER},TaxRate\nA,X,10000000000.00,Required,\nB,X,1,Required,7.1234\n")
    assert lines(error) == [
        "row 2, Price: price '10000000000.00' is too large (at most 9999999999.99)",
        "row 3, TaxRate: tax rate '7.1234' has more than three decimals",
    ]


def test_missing_required_column_is_named() -> None:
    error = refused("SKU,Price,Serial Number Option\nA,1,Required\n")
    assert error.problems == (
        RowProblem(
            None,
            "Name",
            (
                "this required column is missing (a mass upload needs SKU, Name, Price, "
                "Serial Number Option)"
            ),
        ),
    )
    assert error.message.startswith("column Name: this required column is missing")
    error = refused("sku,serialnumberrequired\nA,true\n")
    assert [p.column for p in error.problems] == ["Name", "Price"]
    assert error.message == "2 problems with the file; nothing was imported"


def test_header_that_fits_neither_format_says_what_each_needs() -> None:
    error = refused("Article,Description,Cost\nA,X,1\n")
    (problem,) = error.problems
    assert problem.row == 1
    assert "fits neither format" in problem.reason
    assert "product feed needs the columns SKU, Name, Price, SerialNumberRequired" in problem.reason
    assert "mass upload needs SKU, Name, Price, Serial Number Option" in problem.reason
    assert error.warnings == ("ignored unknown columns: 'Article', 'Description', 'Cost'",)


def test_both_mode_columns_or_a_column_twice() -> None:
    error = refused(f"{MASS_HEADER},SerialNumberRequired,price\nA,X,1,Required,true,2\n")
    assert lines(error) == [
        "row 1, Price: the header names column Price twice (columns 3 and 6)",
        "row 1: the header has both SerialNumberRequired (product feed) and Serial Number "
        "Option (mass upload); keep one of them",
    ]


def test_duplicate_sku_names_both_rows() -> None:
    error = refused(f"{MASS_HEADER}\nA,X,1,Required\nB,Y,1,Required\nA,Z,bad,Required\n")
    assert lines(error) == [
        "row 4, Price: price 'bad' is not a number",
        "row 4, SKU: SKU 'A' is also on row 2",
    ]


def test_barcode_on_two_products_in_the_file() -> None:
    error = refused(
        f"{MASS_HEADER},Barcode\nA,X,1,Required,5012345000015\n"
        "B,Y,1,Required,4006381333931|05012345000015\n"
    )
    assert lines(error) == [
        "row 3, Barcode: barcode 5012345000015 is also on row 2 (SKU 'A'); "
        "a barcode names one product"
    ]


def test_barcode_mangled_by_a_spreadsheet() -> None:
    (line,) = lines(refused(f"{MASS_HEADER},Barcode\nA,X,1,Required,5.01235E+12\n"))
    assert line.startswith("row 2, Barcode: barcode '5.01235E+12' was turned into a number")


def test_wrong_cell_count_is_an_error() -> None:
    error = refused(f"{MASS_HEADER}\nA,X,1,Required,extra\nB,Y,1\nC,Z,1,Required\n")
    assert lines(error) == [
        "row 2: the row has 5 cells but the header has 4; check for a missing or extra "
        "separator or an unclosed quote",
        "row 3: the row has 3 cells but the header has 4; check for a missing or extra "
        "separator or an unclosed quote",
    ]


def test_a_ten_megabyte_field_gets_a_clear_message() -> None:
    huge = "x" * 10_000_000
    error = refused(f"{MASS_HEADER}\nA,{huge},1,Required\n")
    assert lines(error) == [
        "row 2, Name: the cell is 10,000,000 characters long; at most 1000 are allowed"
    ]
    assert len(error.message) < 100


def test_a_huge_field_in_an_ignored_column_is_ignored() -> None:
    upload = parse_upload(f'{MASS_HEADER},Notes\nA,X,1,Required,"{"y" * 200_000}"\n')
    assert upload.rows[0].sku == "A"


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('"Drill\tset"', "Drill\\x09set"),
        ('"Drill\nset"', "Drill\\x0aset"),
        ("Drill\x00set", "Drill\\x00set"),
        ("Drill\x1b[31mset", "Drill\\x1b[31mset"),
        ("Drill\x85set", "Drill\\x85set"),
    ],
)
def test_control_characters_in_any_field(cell: str, shown: str) -> None:
    for column in ("Name", "Bin", "Price"):
        header = f"{MASS_HEADER},Bin"
        values = {"Name": "X", "Bin": "B1", "Price": "1"}
        values[column] = cell
        error = refused(
            f"{header}\nA,{values['Name']},{values['Price']},Required,{values['Bin']}\n"
        )
        assert lines(error) == [
            f"row 2, {column}: '{shown}' contains control characters "
            "(tabs, line breaks or the like)"
        ]


def test_surrounding_white_space_is_trimmed() -> None:
    row = parse_upload(f'{MASS_HEADER}\n  A ,"\tDrill  ", 1.5 ,Required\n').rows[0]
    assert (row.sku, row.name, row.price) == ("A", "Drill", Decimal("1.50"))


def test_unclosed_quote() -> None:
    error = refused(f'{MASS_HEADER}\nA,X,1,Required\nB,"Drill,1,Required\nC,Y,1,Required\n')
    assert [p.row for p in error.problems] == [3]
    assert "check the quotes" in error.problems[0].reason


def test_not_utf8_says_how_to_save() -> None:
    data = f"{MASS_HEADER}\nA,Café,1,Required\n".encode("cp1252")
    error = refused(data)
    assert error.problems[0].row is None
    assert "not UTF-8" in error.message and '"CSV UTF-8' in error.message
    assert "line 2" in error.message


def test_utf16_and_workbooks_are_named() -> None:
    utf16 = f"{MASS_HEADER}\nA,X,1,Required\n".encode("utf-16")
    assert "UTF-16" in refused(utf16).message
    assert ".xlsx" in refused(b"PK\x03\x04rest-of-a-zip").message


def test_bom_is_optional() -> None:
    text = f"{MASS_HEADER}\nA,Café,1,Required\n"
    with_bom = parse_upload_bytes(b"\xef\xbb\xbf" + text.encode())
    without = parse_upload_bytes(text.encode())
    assert with_bom == without
    assert decode_upload(b"\xef\xbb\xbfSKU") == "SKU"


@pytest.mark.parametrize("text", ["", "\r\n\r\n", ",,,\n"])
def test_empty_file(text: str) -> None:
    assert refused(text).message.startswith("the file is empty")


def test_summary_mixes_file_and_row_problems() -> None:
    error = ImportRefused(
        [
            RowProblem(3, "Price", "x"),
            RowProblem(None, None, "y"),
            RowProblem(None, "Name", "z"),
            RowProblem(3, "SKU", "w"),
        ]
    )
    assert error.message == "2 problems with the file and 1 bad row; nothing was imported"
    assert [p.row for p in error.problems] == [None, None, 3, 3]


# -- export -----------------------------------------------------------------------------
def test_export_forms() -> None:
    assert export_gtin("05012345000015") == "5012345000015"
    assert export_gtin("15012345000012") == "15012345000012"
    assert export_gtin("00000096385074") == "0000096385074"  # EAN-8 stays a valid EAN-13
    assert plain_decimal(Decimal("20.000")) == "20"
    assert plain_decimal(Decimal("7.500")) == "7.5"
    assert plain_decimal(Decimal("2E+1")) == "20"
    assert plain_decimal(Decimal("0")) == "0"


def test_export_renders_the_demo_file_back() -> None:
    demo = (DATA / "demo_products.csv").read_text("utf-8")
    upload = parse_upload(demo)
    rendered = render_mass_upload(_products(upload))
    assert rendered.endswith("\r\n")
    expected = sorted(demo.splitlines()[1:])
    assert rendered.splitlines() == [demo.splitlines()[0], *expected]


def test_formula_like_text_is_guarded_and_round_trips() -> None:
    product = Product(sku="-A1", name='=HYPERLINK("x")', bin="@b", serial_format="'=x")
    text = render_mass_upload([product])
    assert '\'-A1,"\'=HYPERLINK(""x"")"' in text
    (row,) = parse_upload(text).rows
    assert (row.sku, row.name, row.bin, row.serial_format) == (
        "-A1",
        '=HYPERLINK("x")',
        "@b",
        "'=x",
    )


def _products(upload: ParsedUpload) -> list[Product]:
    return [
        Product(
            sku=r.sku,
            name=r.name,
            price=r.price,
            serial_mode=r.serial_mode,
            serial_format=r.serial_format,
            barcodes=r.barcodes,
            tax_rate=r.tax_rate,
            warranty_months=r.warranty_months,
            bin=r.bin,
            package_type=r.package_type,
            components=r.components,
        )
        for r in upload.rows
    ]


_text = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\x85"),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)

#: A SKU (and a bin, a short name too) holds no invisible character (``WK<U+200B>-2`` is
#: refused: it looks like ``WK-2``).
_sku_text = _text.filter(lambda t: invisible_character(t) is None)


@given(
    st.lists(
        st.builds(
            Product,
            sku=_sku_text,
            name=_text,
            price=st.decimals(min_value=0, max_value=10**6, places=2),
            serial_mode=st.sampled_from(SerialMode),
            barcodes=st.sampled_from(
                [(), ("05012345000015",), ("04006381333931", "00000096385074")]
            ),
            tax_rate=st.none() | st.decimals(min_value=0, max_value=100, places=3),
            warranty_months=st.none() | st.integers(0, 1200),
            bin=st.none() | _sku_text,
        ),
        max_size=5,
        unique_by=(lambda p: p.sku, lambda p: p.barcodes or object()),
    )
)
def test_render_then_parse_round_trips(products: list[Product]) -> None:
    text = render_mass_upload(products)
    parsed = _products(parse_upload(text))
    assert parsed == sorted(products, key=lambda p: p.sku)
    assert render_mass_upload(parsed) == text
