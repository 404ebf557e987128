"""``serialpos products import/export`` through the real CLI: exit codes, stdout, stderr."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from serialpos.cli.app import app

DATA = Path(__file__).resolve().parents[2] / "src" / "serialpos" / "data"
MASS = "SKU,Name,Price,Serial Number Option\n"


@pytest.fixture
def cli(tmp_path: Path) -> list[str]:
    """Global options for a fresh SQLite database with the admin ada."""
    options = ["--db", f"sqlite:///{tmp_path / 'pos.sqlite'}"]
    run(options, "db", "init")
    run(options, "user", "add", "ada", "--role", "admin", "--pin", "1234")
    return options


def run(
    options: list[str],
    *args: str,
    code: int = 0,
    stdin: str | bytes | None = None,
    user: str | None = None,
) -> Result:
    who = ["--user", user] if user else []
    result = CliRunner().invoke(app, [*options, *who, *args], input=stdin)
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def test_import_feed_then_mass_upload(cli: list[str]) -> None:
    result = run(cli, "products", "import", str(DATA / "sample_product_feed.csv"), user="ada")
    assert result.stdout.strip() == (
        "imported 4 product(s) from the product feed: 4 created, 0 updated, 0 unchanged"
    )
    assert result.stderr == ""
    result = run(cli, "products", "import", str(DATA / "demo_products.csv"), "--json", user="ada")
    assert result.stdout.strip() == (
        '{"format": "mass_upload", "created": 12, "updated": 0, "unchanged": 0, "warnings": []}'
    )
    shown = run(cli, "products", "show", "PH-ORB9", "--json").stdout
    assert '"serial_mode": "required"' in shown and '"05012345000114"' in shown


def test_bad_upload_lists_every_problem_and_exits_1(cli: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "SKU,Name,Price,SerialNumberRequired,Colour\r\n"
        "A,Phone,abc,true,red\r\n\r\nB,,1.00,perhaps,blue\r\nA,Again,1,no,\r\n"
    )
    result = run(cli, "products", "import", str(bad), user="ada", code=1)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "warning: ignored unknown column: 'Colour'",
        "row 2, Price: price 'abc' is not a number",
        "row 4, Name: the product name is blank",
        "row 4, SerialNumberRequired: 'perhaps' is not a yes/no value "
        "(use true/false, yes/no, on/off, 1/0)",
        "row 5, SKU: SKU 'A' is also on row 2",
        "error: 3 bad rows; nothing was imported",
    ]
    assert "no product matches" in run(cli, "products", "show").stdout


def test_file_problems(cli: list[str], tmp_path: Path) -> None:
    result = run(cli, "products", "import", str(tmp_path / "missing.csv"), user="ada", code=1)
    assert result.stderr.splitlines() == [  # a single reason is not repeated
        f"error: there is no file {tmp_path / 'missing.csv'}; nothing was imported",
    ]
    latin = tmp_path / "latin.csv"
    latin.write_bytes(f"{MASS}A,Café,1,Required\n".encode("cp1252"))
    result = run(cli, "products", "import", str(latin), user="ada", code=1)
    assert 'save it as "CSV UTF-8 (Comma delimited)"' in result.stderr
    header = tmp_path / "header.csv"
    header.write_text("Item,Title,Cost\nA,X,1\n")
    result = run(cli, "products", "import", str(header), user="ada", code=1)
    assert "fits neither format" in result.stderr
    assert "SerialNumberRequired" in result.stderr and "Serial Number Option" in result.stderr


def test_control_characters_are_shown_not_sent_to_the_terminal(cli: list[str]) -> None:
    result = run(
        cli,
        "products",
        "import",
        "-",
        user="ada",
        code=1,
        stdin=f"{MASS}A,Evil\x1b[2Jname,1,Required\n",
    )
    assert "\x1b" not in result.stderr
    assert "row 2, Name: 'Evil\\x1b[2Jname' contains control characters" in result.stderr


def test_import_needs_a_user_with_the_right(cli: list[str]) -> None:
    run(cli, "user", "add", "cat", "--role", "cashier", "--pin", "1234", user="ada")
    result = run(cli, "products", "import", str(DATA / "demo_products.csv"), user="cat", code=1)
    assert result.stderr.startswith("error: cat (cashier) may not change products")
    result = run(cli, "products", "import", str(DATA / "demo_products.csv"), code=2)
    assert "--user" in result.stderr


def test_export_then_import_round_trip(cli: list[str], tmp_path: Path) -> None:
    run(cli, "products", "import", str(DATA / "demo_products.csv"), user="ada")
    run(cli, "products", "import", str(DATA / "sample_mass_upload.csv"), user="ada")
    out = tmp_path / "out.csv"
    result = run(cli, "products", "export", str(out))
    # One line, the path whole however long (Rich folded it inside a word at 80 columns).
    assert result.stdout == f"wrote 15 product(s) to {out}\n"
    data = out.read_bytes()
    assert data.startswith(
        b"\xef\xbb\xbfSKU,Name,Price,Serial Number Option,Barcode,TaxRate,"
        b"SerialFormat,WarrantyMonths,Bin,PackageType,Components\r\nAC-BAG,"
    )

    stdout = run(cli, "products", "export", "-").stdout_bytes
    assert stdout == data[3:]  # the same CSV, without the BOM for pipes

    result = run(cli, "products", "import", "-", user="ada", stdin=data)
    assert result.stdout.strip().endswith("0 created, 0 updated, 15 unchanged")
    result = run(cli, "products", "import", str(out), user="ada")
    assert result.stdout.strip().endswith("0 created, 0 updated, 15 unchanged")


def test_serials_off_is_refused_while_units_are_live(cli: list[str]) -> None:
    """Issue 10, case 8: `products set SKU --serial-mode disabled` names the live units."""
    run(cli, "products", "import", str(DATA / "demo_products.csv"), user="ada")
    run(cli, "store", "add", "S1", "Main Street", user="ada")
    run(
        cli,
        "apply",
        "-",
        user="ada",
        stdin='{"op": "receive", "store": "S1", "sku": "PH-AUR15", '
        '"serials": ["356938035643809", "490154203237518"]}\n',
    )
    refused = run(
        cli, "products", "set", "PH-AUR15", "--serial-mode", "disabled", user="ada", code=1
    )
    assert refused.stdout == ""
    assert (
        "cannot switch serials off: PH-AUR15 has 2 live units (S1: 2 in stock); sell, "
        "return to vendor, write off or count the units out first, or make it optional "
        "instead" in refused.stderr
    )
    shown = run(cli, "products", "show", "PH-AUR15", "--json").stdout
    assert '"serial_mode": "required"' in shown


def test_an_invisible_sku_and_an_exponent_price_are_refused(cli: list[str], tmp_path: Path) -> None:
    """``WK<U+200B>-2`` was a second product looking like WK-2; ``1e3`` was stored as 1000.00."""
    bad = tmp_path / "bad.csv"
    bad.write_text(MASS + "WK\u200b-2,Widget,5.00,Disabled\nWK-3,Widget 3,1e3,Disabled\n", "utf-8")
    result = run(cli, "products", "import", str(bad), user="ada", code=1)
    assert result.stderr.splitlines() == [
        "row 2, SKU: SKU 'WK<U+200B>-2' holds an invisible character (U+200B at position 3): "
        "type the SKU again",
        "row 3, Price: price '1e3' is written with an exponent: write the price as a plain "
        "number (1000.00)",
        "error: 2 bad rows; nothing was imported",
    ]
