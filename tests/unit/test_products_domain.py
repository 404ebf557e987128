"""Product rules without a database: serial modes, barcodes, prices, yes/no values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.domain.errors import BadValue
from serialpos.domain.products import (
    MAX_NAME_LENGTH,
    MAX_SKU_LENGTH,
    Product,
    SerialMode,
    check_name,
    check_sku,
    normalize_gtin,
    parse_bool,
    parse_price,
    parse_tax_rate,
    parse_warranty_months,
)
from serialpos.domain.serials import SerialFormat


# -- serial mode ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("required", SerialMode.REQUIRED),
        ("Required", SerialMode.REQUIRED),
        (" REQUIRED ", SerialMode.REQUIRED),
        ("optional", SerialMode.OPTIONAL),
        ("Optional", SerialMode.OPTIONAL),
        ("disabled", SerialMode.DISABLED),
        ("Disabled\n", SerialMode.DISABLED),
    ],
)
def test_serial_mode_parse(text: str, mode: SerialMode) -> None:
    assert SerialMode.parse(text) is mode


@pytest.mark.parametrize("text", ["", "yes", "req", "none", "true", "required!"])
def test_serial_mode_parse_refuses(text: str) -> None:
    with pytest.raises(BadValue) as err:
        SerialMode.parse(text)
    assert err.value.code == "bad_value"
    assert "required, optional, disabled" in str(err.value)


def test_serial_mode_from_feed_flag() -> None:
    assert SerialMode.from_feed_flag(True) is SerialMode.REQUIRED
    assert SerialMode.from_feed_flag(False) is SerialMode.DISABLED


def test_serial_mode_tracked() -> None:
    assert SerialMode.REQUIRED.tracked is True
    assert SerialMode.OPTIONAL.tracked is True
    assert SerialMode.DISABLED.tracked is False


def test_product_defaults_and_format() -> None:
    p = Product(sku="X", name="Thing")
    assert p.serial_mode is SerialMode.DISABLED
    assert p.price == Decimal("0.00")
    assert p.format is None
    assert Product(sku="P", name="Phone", serial_format="IMEI").format == SerialFormat("imei")


# -- barcodes -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "gtin14"),
    [
        ("96385074", "00000096385074"),  # EAN-8
        ("036000291452", "00036000291452"),  # UPC-A
        ("4006381333931", "04006381333931"),  # EAN-13
        ("0036000291452", "00036000291452"),  # UPC-A written as EAN-13: the same product
        ("10614141000415", "10614141000415"),  # GTIN-14
        (" 4006381333931\r\n", "04006381333931"),
    ],
)
def test_normalize_gtin(code: str, gtin14: str) -> None:
    assert normalize_gtin(code) == gtin14


@pytest.mark.parametrize("code", ["96385075", "036000291453", "4006381333932", "10614141000416"])
def test_gtin_bad_check_digit(code: str) -> None:
    with pytest.raises(BadValue) as err:
        normalize_gtin(code)
    assert "check digit" in str(err.value)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "1234567",
        "123456789",
        "12345678901",
        "123456789012345",
        "40063813339A1",
        "４００６３８１３３３９３１",
    ],
)
def test_gtin_wrong_length_or_characters(code: str) -> None:
    with pytest.raises(BadValue) as err:
        normalize_gtin(code)
    assert "8, 12, 13 or 14 digits" in str(err.value)


# -- prices, tax, warranty ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", "0.00"),
        ("12", "12.00"),
        ("12.5", "12.50"),
        ("1,299.99", "1299.99"),
        (" 7.10 ", "7.10"),
        ("0.00", "0.00"),
    ],
)
def test_parse_price(text: str, value: str) -> None:
    price = parse_price(text)
    assert price == Decimal(value)
    assert str(price) == value


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("abc", "not a number"),
        ("", "not a number"),
        ("-1", "zero or more"),
        ("NaN", "zero or more"),
        ("Infinity", "zero or more"),
        ("1.234", "two decimals"),
    ],
)
def test_parse_price_refuses(text: str, why: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_price(text)
    assert why in str(err.value)


@pytest.mark.parametrize(
    ("text", "value"), [("20", "20"), ("20%", "20"), (" 7.5 % ", "7.5"), ("0", "0"), ("100", "100")]
)
def test_parse_tax_rate(text: str, value: str) -> None:
    assert parse_tax_rate(text) == Decimal(value)


@pytest.mark.parametrize("text", ["-1", "100.01", "abc", "", "NaN"])
def test_parse_tax_rate_refuses(text: str) -> None:
    with pytest.raises(BadValue):
        parse_tax_rate(text)


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("12", 12), (" 24 ", 24), ("1200", 1200)])
def test_parse_warranty(text: str, value: int) -> None:
    assert parse_warranty_months(text) == value


@pytest.mark.parametrize("text", ["1201", "-1", "1.5", "twelve", "", "１２", "²", "1²"])
def test_parse_warranty_refuses(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_warranty_months(text)
    assert "whole number of months" in str(err.value)


# -- yes/no ---------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["true", "TRUE", "yes", "Yes", "on", "ON", "1", "y", "t", " on "])
def test_parse_bool_true(text: str) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["false", "False", "no", "NO", "off", "Off", "0", "n", "f"])
def test_parse_bool_false(text: str) -> None:
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["", "maybe", "2", "enabled", "yess"])
def test_parse_bool_refuses(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_bool(text)
    assert "yes/no" in str(err.value)


# -- SKU and name ---------------------------------------------------------------------
def test_check_sku_and_name() -> None:
    assert check_sku("  PH-1 ") == "PH-1"
    assert check_name(" Phone ") == "Phone"
    for bad in ("", "   ", "A\x00B", "X" * (MAX_SKU_LENGTH + 1)):
        with pytest.raises(BadValue):
            check_sku(bad)
    for bad in ("", "A\nB", "N" * (MAX_NAME_LENGTH + 1)):
        with pytest.raises(BadValue):
            check_name(bad)
    assert check_sku("X" * MAX_SKU_LENGTH) == "X" * MAX_SKU_LENGTH
