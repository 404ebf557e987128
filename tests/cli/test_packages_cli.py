"""Packages through the CLI: ``products show`` as a table and as JSON, a refused upload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from serialpos.cli.app import app

DATA = Path(__file__).resolve().parents[2] / "src" / "serialpos" / "data"


@pytest.fixture
def cli(tmp_path: Path) -> list[str]:
    options = ["--db", f"sqlite:///{tmp_path / 'pos.sqlite'}"]
    run(options, "db", "init")
    run(options, "user", "add", "ada", "--role", "admin", "--pin", "1234")
    run(options, "products", "import", str(DATA / "demo_products.csv"), user="ada")
    return options


def run(options: list[str], *args: str, code: int = 0, user: str | None = None) -> Result:
    who = ["--user", user] if user else []
    result = CliRunner().invoke(app, [*options, *who, *args], env={"COLUMNS": "200"})
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def test_products_show_packages_as_json_and_table(cli: list[str]) -> None:
    shown = json.loads(run(cli, "products", "show", "BN-", "--json").stdout)
    assert [(p["sku"], p["package_type"], p["components"]) for p in shown] == [
        ("BN-AUR15", "consolidated", [["AC-CASE15", 1], ["AC-CHG65", 1], ["PH-AUR15", 1]]),
        ("BN-DRILLKIT", "exploded", [["TL-BITS", 1], ["TL-DRL18", 1]]),
    ]
    (phone,) = json.loads(run(cli, "products", "show", "PH-AUR15", "--json").stdout)
    assert (phone["package_type"], phone["components"]) == (None, [])
    table = run(cli, "products", "show", "BN-").stdout
    assert "package" in table and "components" in table
    assert "consolidated" in table and "AC-CASE15*1 AC-CHG65*1 PH-AUR15*1" in table
    assert "exploded" in table and "TL-BITS*1 TL-DRL18*1" in table


def test_a_bad_package_row_is_named_and_nothing_imported(cli: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "SKU,Name,Price,Serial Number Option,PackageType,Components\n"
        "BN-NEW,New bundle,1,Required,consolidated,PH-AUR15*1|NO-SUCH*2\n"
        "BN-TWO,Two,1,Disabled,,AC-USBC1\n"
    )
    result = run(cli, "products", "import", str(bad), user="ada", code=1)
    # The file's own rows are checked first (like barcodes, what needs the database after).
    assert result.stderr.splitlines() == [
        "row 3, PackageType: the row lists Components but no PackageType; use consolidated "
        "or exploded, or empty both cells",
        "error: 1 bad row; nothing was imported",
    ]
    bad.write_text(
        "SKU,Name,Price,Serial Number Option,PackageType,Components\n"
        "BN-NEW,New bundle,1,Required,consolidated,PH-AUR15*1|NO-SUCH*2\n"
    )
    result = run(cli, "products", "import", str(bad), user="ada", code=1)
    assert result.stderr.splitlines() == [
        "row 2, Components: component 'NO-SUCH' is not a product: it is neither in the "
        "catalogue nor in this file",
        "error: 1 bad row; nothing was imported",
    ]
    assert json.loads(run(cli, "products", "show", "BN-NEW", "--json").stdout) == []
