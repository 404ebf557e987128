"""The command line on a real SQLite file: exit codes (0 ok, 1 refused, 2 usage), one-line
errors on stderr, JSON for scripts, and never a traceback."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from serialpos.cli.app import app
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.db.tables import UNIT_STATES
from serialpos.domain.states import Action
from serialpos.services import ledger, products, users
from serialpos.services.context import SYSTEM, Actor
from serialpos.services.product_import import import_products_text

IMEI_1, IMEI_2 = "490154203237518", "356938035643809"


class Cli:
    """Runs ``serialpos --db URL ...`` in-process and checks what every run must satisfy."""

    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "shop.sqlite"
        self.url = f"sqlite:///{self.path}"
        self.runner = CliRunner()
        self.env = {
            "SERIALPOS_USER": None,
            "SERIALPOS_DB": None,
            "SERIALPOS_CONFIG": None,
            "SERIALPOS_STORE": None,
            "SERIALPOS_TERMINAL": None,
            "SERIALPOS_OUTBOX": None,
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }

    def __call__(
        self,
        *args: str,
        user: str | None = None,
        input: str | None = None,
        code: int = 0,
        report: bool = False,
    ) -> Any:
        argv = ["--db", self.url] + (["--user", user] if user else []) + list(args)
        result = self.runner.invoke(app, argv, input=input, env=self.env)
        shown = f"argv={argv}\nstdout={result.stdout!r}\nstderr={result.stderr!r}"
        assert "Traceback" not in result.output, shown
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{shown}\nexception={result.exception!r}"
        )
        assert result.exit_code == code, shown
        if code == 1 and not report:  # a refusal is one line on stderr, nothing on stdout
            assert result.stderr.startswith("error: "), shown
            assert result.stderr.count("\n") == 1, shown
            assert result.stdout == "", shown
        return result

    def json(self, *args: str, user: str | None = None, code: int = 0, report: bool = False) -> Any:
        return json.loads(self(*args, "--json", user=user, code=code, report=report).stdout)

    def database(self) -> Database:
        return Database(self.url)


def phone_central(cli: Cli) -> tuple[Database, Actor]:
    """A central with one admin (ada), store S1 and a phone (PH1, serial required): the
    database opened and ada acting at central. The caller disposes of the database."""
    cli("db", "init")
    cli("user", "add", "ada", "--role", "admin", "--pin", "4821")
    cli("store", "add", "S1", "Main Street", user="ada")
    db = cli.database()
    ada = users.actor_for(db, "ada", "central")
    import_products_text(db, ada, "SKU,Name,Price,Serial Number Option\nPH1,Phone,100,Required\n")
    return db, ada


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture
def shop(cli: Cli) -> Cli:
    """An initialised database with an admin (ada), a cashier (cat), a manager (meg), two
    stores and products of every serial mode, with some stock."""
    cli("db", "init")
    cli("user", "add", "ada", "--role", "admin", "--pin", "4821")
    cli("user", "add", "cat", "--role", "cashier", "--pin", "5555", user="ada")
    cli("user", "add", "meg", "--role", "manager", "--pin", "6666", user="ada")
    cli("store", "add", "S1", "Main Street", user="ada")
    cli("store", "add", "S2", "Harbour Mall", user="ada")
    db = cli.database()
    products.create_product(
        db,
        SYSTEM,
        sku="PH1",
        name="Aurora phone",
        serial_mode="required",
        serial_format="imei",
        barcodes=("4006381333931",),
    )
    products.create_product(db, SYSTEM, sku="DR1", name="Drill", serial_mode="optional")
    products.create_product(db, SYSTEM, sku="AC1", name="USB-C cable")
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH1", serials=[IMEI_1, IMEI_2])
    ledger.move(db, SYSTEM, Action.SELL, store="S1", sku="PH1", serials=[IMEI_2])
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S2", sku="AC1", quantity=12)
    db.dispose()
    return cli


# -- db -------------------------------------------------------------------------------
def test_db_init_and_check(cli: Cli) -> None:
    first = cli("db", "init")
    assert f"database ready (schema {migrate.head_revision()})" in first.stdout
    again = cli("db", "init")
    assert "database already set up" in again.stdout
    check = cli("db", "check")
    assert "ledger check passed" in check.stdout
    assert cli.json("db", "check") == {"ok": True, "findings": []}


def test_db_check_lists_a_violation(shop: Cli) -> None:
    cli = shop
    assert "ledger check passed" in cli("db", "check").stdout
    with sqlite3.connect(cli.path) as conn:
        conn.execute(
            "UPDATE stock_level SET quantity = quantity + 5 "
            "WHERE product_id = (SELECT id FROM product WHERE sku = 'PH1')"
        )
    result = cli("db", "check", code=1, report=True)  # a report on stdout, not one line
    assert result.stderr == ""
    assert "VIOLATION" in result.stdout
    assert "quantity_matches_units" in result.stdout
    assert "quantity 6 but 1 units in stock" in result.stdout
    report = cli.json("db", "check", code=1, report=True)
    assert report["ok"] is False
    assert {
        "rule": "quantity_matches_units",
        "store": "S1",
        "sku": "PH1",
        "detail": "quantity 6 but 1 units in stock",
        "violation": True,
    } in report["findings"]


def test_commands_refuse_an_uninitialised_database(cli: Cli) -> None:
    result = cli("store", "list", code=1)
    assert "serialpos db init" in result.stderr


# -- stores ---------------------------------------------------------------------------
def test_store_add_and_list(shop: Cli) -> None:
    cli = shop
    assert cli.json("store", "list") == [
        {"code": "S1", "name": "Main Street"},
        {"code": "S2", "name": "Harbour Mall"},
    ]
    table = cli("store", "list").stdout
    assert "Main Street" in table and "Harbour Mall" in table
    assert "store S3 (New Town) added" in cli("store", "add", "S3", "New Town", user="ada").stdout
    dup = cli("store", "add", "S1", "Again", user="ada", code=1)
    assert "S1 already exists" in dup.stderr
    refused = cli("store", "add", "S4", "Four", user="meg", code=1)
    assert "meg (manager) may not manage stores" in refused.stderr
    needs_user = cli("store", "add", "S4", "Four", code=2)
    assert "--user" in needs_user.stderr
    assert [s["code"] for s in cli.json("store", "list")] == ["S1", "S2", "S3"]


# -- users ----------------------------------------------------------------------------
def test_first_user_then_admin_needed(cli: Cli) -> None:
    cli("db", "init")
    first = cli("user", "add", "ada", "--role", "admin", "--pin", "4821")
    assert "user ada (admin) added" in first.stdout
    second = cli("user", "add", "bob", "--role", "cashier", "--pin", "1234", code=2)
    assert "--user" in second.stderr and "Traceback" not in second.output
    cli("user", "add", "bob", "--role", "cashier", "--pin", "1234", user="ada")
    refused = cli("user", "add", "eve", "--role", "admin", "--pin", "1234", user="bob", code=1)
    assert "bob (cashier) may not manage users" in refused.stderr
    unknown = cli("user", "add", "eve", "--role", "admin", "--pin", "1234", user="zed", code=1)
    assert "zed" in unknown.stderr
    assert cli(
        "user", "add", "ada", "--role", "admin", "--pin", "1234", user="ada", code=1
    ).stderr.startswith("error: user ada already exists")
    assert (
        "4 to 12 digits"
        in cli("user", "add", "eve", "--role", "cashier", "--pin", "12", user="ada", code=1).stderr
    )
    assert (
        "boss"
        in cli("user", "add", "eve", "--role", "boss", "--pin", "1234", user="ada", code=1).stderr
    )
    assert [u["name"] for u in cli.json("user", "list")] == ["ada", "bob"]


def test_user_add_prompts_for_the_pin(cli: Cli) -> None:
    cli("db", "init")
    result = cli("user", "add", "ada", "--role", "admin", input="7391\n7391\n")
    assert "user ada (admin) added" in result.stdout
    assert "7391" not in result.stdout  # hidden input is not echoed
    # mismatched confirmation asks again
    cli("user", "add", "kim", "--role", "cashier", user="ada", input="1111\n2222\n3030\n3030\n")
    db = cli.database()
    try:
        assert users.login(db, "ada", "7391", "t").user == "ada"
        assert users.login(db, "kim", "3030", "t").user == "kim"
    finally:
        db.dispose()


def test_user_list_never_shows_pins(shop: Cli) -> None:
    cli = shop
    listed = cli.json("user", "list")
    assert listed == [
        {"name": "ada", "role": "admin", "active": True},
        {"name": "cat", "role": "cashier", "active": True},
        {"name": "meg", "role": "manager", "active": True},
    ]
    for out in (cli("user", "list").stdout, cli("user", "list", "--json").stdout):
        for secret in ("4821", "5555", "6666", "scrypt", "pin"):
            assert secret not in out


# -- products -------------------------------------------------------------------------
def test_products_show(shop: Cli) -> None:
    cli = shop
    found = cli.json("products", "show")
    assert [p["sku"] for p in found] == ["AC1", "DR1", "PH1"]
    phone = cli.json("products", "show", "PH1")
    assert phone == [
        {
            "sku": "PH1",
            "name": "Aurora phone",
            "price": "0.00",
            "serial_mode": "required",
            "serial_format": "imei",
            "barcodes": ["04006381333931"],
            "tax_rate": None,
            "warranty_months": None,
            "bin": None,
            "package_type": None,
            "components": [],
            "prices_include_tax": None,
        }
    ]
    assert [p["sku"] for p in cli.json("products", "show", "4006381333931")] == ["PH1"]
    assert [p["sku"] for p in cli.json("products", "show", "drill")] == ["DR1"]
    assert cli.json("products", "show", "nothing-like-this") == []
    table = cli("products", "show", "PH1").stdout
    assert "Aurora phone" in table and "required" in table


def test_products_set(shop: Cli) -> None:
    cli = shop
    changed = cli.json("products", "set", "AC1", "DR1", "--serial-mode", "disabled", user="meg")
    assert [(p["sku"], p["serial_mode"]) for p in changed] == [
        ("AC1", "disabled"),
        ("DR1", "disabled"),
    ]
    said = cli("products", "set", "DR1", "--serial-mode", "Optional", user="ada")
    assert "1 product(s) now have serial mode optional" in said.stdout
    unknown = cli("products", "set", "DR1", "NOPE", "--serial-mode", "disabled", user="ada", code=1)
    assert "NOPE" in unknown.stderr
    assert cli.json("products", "show", "DR1")[0]["serial_mode"] == "optional"  # unchanged
    refused = cli("products", "set", "DR1", "--serial-mode", "disabled", user="cat", code=1)
    assert "cat (cashier) may not change products" in refused.stderr
    bad = cli("products", "set", "DR1", "--serial-mode", "sometimes", user="ada", code=1)
    assert "sometimes" in bad.stderr
    cli("products", "set", "DR1", code=2)  # --serial-mode missing


# -- serials --------------------------------------------------------------------------
def test_serial_show(shop: Cli) -> None:
    cli = shop
    cards = cli.json("serial", "show", f"  {IMEI_2} ")
    assert len(cards) == 1
    card = cards[0]
    assert {"sku", "serial", "state", "store", "events"} <= set(card)
    assert (card["sku"], card["serial"], card["state"], card["store"]) == (
        "PH1",
        IMEI_2,
        "sold",
        "S1",
    )
    assert card["state"] in UNIT_STATES
    assert [
        (e["action"], e["from_state"], e["to_state"], e["store"], e["user"]) for e in card["events"]
    ] == [
        ("receive", None, "in_stock", "S1", "system"),
        ("sell", "in_stock", "sold", "S1", "system"),
    ]
    for e in card["events"]:
        assert e["to_state"] in UNIT_STATES
        assert e["at"].endswith("Z")
    text = cli("serial", "show", IMEI_1).stdout
    assert "in stock at S1" in text and "receive" in text
    assert [c["state"] for c in cli.json("serial", "show", IMEI_1, "--sku", "PH1")] == ["in_stock"]


def test_serial_not_found(shop: Cli) -> None:
    cli = shop
    result = cli("serial", "show", "NO-SUCH-SERIAL", code=1)
    assert "no unit with serial 'NO-SUCH-SERIAL'" in result.stderr
    assert cli("serial", "show", IMEI_1, "--sku", "DR1", code=1).stderr.endswith("for DR1\n")
    as_json = cli.runner.invoke(
        app, ["--db", cli.url, "serial", "show", "NOPE", "--json"], env=cli.env
    )
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == []
    assert as_json.stderr == "error: no unit with serial 'NOPE'\n"
    assert "Traceback" not in as_json.output


def test_serial_with_escape_sequences_is_shown_inert(shop: Cli) -> None:
    result = shop("serial", "show", "AB\x1b[31mCD", code=1)
    assert "\x1b" not in result.stderr
    assert "\\x1b" in result.stderr


# -- stock ----------------------------------------------------------------------------
def test_stock(shop: Cli) -> None:
    cli = shop
    lines = cli.json("stock")
    assert [(x["store"], x["sku"], x["quantity"], x["units_in_stock"]) for x in lines] == [
        ("S1", "PH1", 1, 1),
        ("S2", "AC1", 12, 0),
    ]
    assert [x["sku"] for x in cli.json("stock", "--store", "S2")] == ["AC1"]
    assert [x["store"] for x in cli.json("stock", "--sku", "PH1")] == ["S1"]
    table = cli("stock").stdout
    assert "USB-C cable" in table and "12" in table
    assert "NOPE" in cli("stock", "--sku", "NOPE", code=1).stderr


def test_unknown_store_is_one_line(shop: Cli) -> None:
    cli = shop
    for args in (("stock", "--store", "S9"), ("settings", "show", "--store", "S9")):
        assert "there is no store 'S9'" in cli(*args, code=1).stderr
    assert (
        "S9"
        in cli(
            "settings", "set", "auto_prompt_serial", "on", "--store", "S9", user="ada", code=1
        ).stderr
    )


# -- settings -------------------------------------------------------------------------
def test_settings_show_and_set(shop: Cli) -> None:
    cli = shop
    defaults = {
        "serialized_inventory": True,
        "auto_prompt_serial": True,
        "show_serial_on_invoice": True,
        "aggregate_duplicate_items": True,
        "require_shift": False,
        "offline_requires_manager_pin": False,
    }
    assert cli.json("settings", "show") == defaults
    assert cli.json("settings", "show", "--store", "S1") == defaults
    shown = cli("settings", "show", "--store", "S1").stdout
    assert "settings at S1" in shown and "auto_prompt_serial" in shown

    for value, flag in (
        ("false", False),
        ("true", True),
        ("no", False),
        ("yes", True),
        ("off", False),
        ("on", True),
        ("OFF", False),
    ):
        said = cli("settings", "set", "auto_prompt_serial", value, "--store", "S1", user="meg")
        assert f"auto_prompt_serial is now {'on' if flag else 'off'} at S1" in said.stdout
        assert cli.json("settings", "show", "--store", "S1")["auto_prompt_serial"] is flag
    assert cli.json("settings", "show", "--store", "S2")["auto_prompt_serial"] is True

    said = cli("settings", "set", "show_serial_on_invoice", "off", user="ada")
    assert "show_serial_on_invoice is now off for the chain" in said.stdout
    assert cli.json("settings", "show", "--store", "S2")["show_serial_on_invoice"] is False

    bad = cli("settings", "set", "auto_prompt_serial", "perhaps", user="ada", code=1)
    assert "'perhaps'" in bad.stderr
    unknown = cli("settings", "set", "colour_scheme", "on", user="ada", code=1)
    assert "unknown setting 'colour_scheme'" in unknown.stderr
    refused = cli("settings", "set", "auto_prompt_serial", "off", user="cat", code=1)
    assert "permission" in refused.stderr or "may not change settings" in refused.stderr
    assert cli.json("settings", "show", "--store", "S1")["auto_prompt_serial"] is False


# -- usage errors ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ("store", "add"),
        ("no-such-command",),
        ("user", "add", "x"),
        ("stock", "--bogus"),
        ("products", "show", "--limit", "0"),
    ],
)
def test_usage_errors_exit_2(shop: Cli, args: tuple[str, ...]) -> None:
    result = shop(*args, user="ada", code=2)
    assert result.stderr.strip()


# -- demo -----------------------------------------------------------------------------
def test_demo_without_console(cli: Cli) -> None:
    result = cli("demo", "--no-console")
    assert "demo ready: 2 stores" in result.stdout
    assert "admin / 1111" in result.stdout
    # no violation; the drills received without serials are a note, not a violation
    check = cli.json("db", "check")
    assert check["ok"] is True
    assert [(f["rule"], f["sku"], f["violation"]) for f in check["findings"]] == [
        ("optional_units_differ", "TL-DRL18", False)
    ]
    assert {s["code"] for s in cli.json("store", "list")} == {"S01", "S02"}
    phones = cli.json("stock", "--sku", "PH-AUR15")
    assert [(x["store"], x["quantity"], x["units_in_stock"]) for x in phones] == [
        ("S01", 5, 5),
        ("S02", 3, 3),
    ]
