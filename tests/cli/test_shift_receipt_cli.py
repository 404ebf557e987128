"""``serialpos receipt print``, ``serialpos shift open|status|x|close|z`` and the store's
address and tax number through ``serialpos settings``: output, refusals and exit codes."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from escpos_standin import TcpPrinter, decode
from serialpos.cli.app import app
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.services import orders, products, stores, users
from serialpos.services.context import SYSTEM


@pytest.fixture
def shop(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    users.add_user(db, None, "ada", "admin", "1234")
    products.create_product(db, SYSTEM, sku="CB1", name="Cable", price=Decimal("10"))
    order = orders.open_order(db, SYSTEM, "S1").order
    orders.add_item(db, SYSTEM, order, sku="CB1")
    orders.fulfil(db, SYSTEM, order, payments=[("cash", Decimal("20"))])
    db.dispose()
    return url, order


def _run(tmp_path: Path, url: str, *args: str, config: Path | None = None) -> Any:
    env = {
        "SERIALPOS_USER": "ada",
        "SERIALPOS_DB": None,
        "SERIALPOS_CONFIG": None,
        "SERIALPOS_TERMINAL": "till-1",
        "SERIALPOS_STORE": "S1",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "COLUMNS": "200",
        "NO_COLOR": "1",
        "PATH": os.environ.get("PATH", ""),
    }
    argv = ["--db", url] + (["--config", str(config)] if config else []) + list(args)
    result = CliRunner().invoke(app, argv, env=env)
    assert "Traceback" not in result.output
    return result


def test_receipt_print_and_reprint(tmp_path: Path, shop: tuple[str, str]) -> None:
    url, order = shop
    refused = _run(tmp_path, url, "receipt", "print", order)
    assert refused.exit_code == 1
    assert "no receipt printer is configured: add a [receipt_printer] table" in refused.output

    with TcpPrinter() as printer:
        config = tmp_path / "terminal.toml"
        config.write_text(
            f'[receipt_printer]\nconnection = "network"\nhost = "127.0.0.1"\n'
            f"port = {printer.port}\n"
        )
        done = _run(tmp_path, url, "receipt", "print", order.lower(), config=config)
        assert done.exit_code == 0, done.output
        assert f"printed on the receipt printer at 127.0.0.1:{printer.port}" in done.output
        assert "drawer" not in done.output  # a reprint
        kicked = _run(tmp_path, url, "receipt", "print", order, "--open-drawer", config=config)
        assert "cash drawer opened" in kicked.output
        got = decode(bytes(printer.received))
    assert len(got.drawer_kicks) == 1 and got.cuts == 2
    port = printer.port
    gone = _run(tmp_path, url, "receipt", "print", order, config=config)
    assert gone.exit_code == 1
    assert f"127.0.0.1:{port} cannot be reached" in gone.output
    assert "The sale is recorded" in gone.output


def test_shift_commands(tmp_path: Path, shop: tuple[str, str]) -> None:
    url, _ = shop
    assert "no shift is open on terminal till-1" in _run(tmp_path, url, "shift", "status").output
    opened = _run(tmp_path, url, "shift", "open", "--float", "50")
    assert opened.exit_code == 0 and "shift 1 open on terminal till-1 at S1" in opened.output
    again = _run(tmp_path, url, "shift", "open", "--float", "50")
    assert again.exit_code == 1 and "shift 1 is already open" in again.output
    x = json.loads(_run(tmp_path, url, "shift", "x", "--json").output)
    assert (x["kind"], x["opening_float"], x["expected_cash"]) == ("X", "50.00", "50.00")

    bad = _run(tmp_path, url, "shift", "close", "--counted", "abc")
    assert bad.exit_code == 1 and "counted cash 'abc' is not a number" in bad.output
    pdf = tmp_path / "z.pdf"
    closed = _run(tmp_path, url, "shift", "close", "--counted", "51.00", "--out", str(pdf))
    assert closed.exit_code == 0, closed.output
    assert "Z report, shift 1" in closed.output and "1.00 over" in closed.output
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Z report, shift 1" in text and "1.00 over" in text
    z = json.loads(_run(tmp_path, url, "shift", "z", "1", "--json").output)
    assert (z["counted_cash"], z["difference"]) == ("51.00", "1.00")
    none = _run(tmp_path, url, "shift", "x")
    assert none.exit_code == 1 and "no shift is open on terminal till-1 at S1" in none.output


def test_store_address_and_tax_number_settings(tmp_path: Path, shop: tuple[str, str]) -> None:
    url, _ = shop
    no_store = _run(tmp_path, url, "settings", "set", "tax_number", "GB1")
    assert no_store.exit_code == 2 and "tax_number belongs to one store" in no_store.output
    done = _run(tmp_path, url, "settings", "set", "store_address", "1 High St", "--store", "S1")
    assert done.exit_code == 0 and "store_address at S1 is now: 1 High St" in done.output
    shown = _run(tmp_path, url, "settings", "show", "--store", "S1").output
    assert "1 High St" in shown and "require_shift" in shown
    cleared = _run(tmp_path, url, "settings", "clear", "store_address", "--store", "S1")
    assert cleared.exit_code == 0
    assert "1 High St" not in _run(tmp_path, url, "settings", "show", "--store", "S1").output
