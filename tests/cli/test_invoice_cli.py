"""``serialpos invoice``: the PDF written, sent to the configured CUPS printer with lp, and a
clear refusal when no printer is configured or lp is missing or fails."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from serialpos.cli.app import app
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products, stores, users
from serialpos.services.context import SYSTEM
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item

IMEI = "490154203237518"


@pytest.fixture
def shop(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    users.add_user(db, None, "ada", "admin", "1234")
    products.create_product(
        db, SYSTEM, sku="PH1", name="Phone", price=Decimal("100"), serial_mode="required"
    )
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH1", serials=[IMEI])
    order = open_order(db, SYSTEM, "S1").order
    add_item(db, SYSTEM, order, sku="PH1", serial=IMEI)
    invoice = fulfil(db, SYSTEM, order, settle_in="cash").invoice
    db.dispose()
    return url, invoice


def _run(
    tmp_path: Path, url: str, *args: str, config: str | None = None, path: str | None = None
) -> Any:
    env = {
        "SERIALPOS_USER": None,
        "SERIALPOS_DB": None,
        "SERIALPOS_CONFIG": None,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "COLUMNS": "200",
        "NO_COLOR": "1",
        "PATH": path or os.environ.get("PATH", ""),
    }
    argv = ["--db", url] + (["--config", config] if config else []) + list(args)
    result = CliRunner().invoke(app, argv, env=env)
    assert "Traceback" not in result.output
    return result


def _config(tmp_path: Path, printer: str | None) -> str:
    path = tmp_path / "terminal.toml"
    path.write_text(f'[printer]\nname = "{printer}"\n' if printer else "[terminal]\n")
    return str(path)


def _fake_lp(tmp_path: Path, exit_code: int = 0) -> str:
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "lp"
    script.write_text(
        f'#!/bin/sh\necho "$@" > "{tmp_path}/lp-args"\n'
        f'[ {exit_code} -eq 0 ] || echo "lp: printer jammed" >&2\n'
        f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    return str(folder)


def test_writes_the_pdf(tmp_path: Path, shop: tuple[str, str]) -> None:
    url, invoice = shop
    out = tmp_path / "inv.pdf"
    result = _run(tmp_path, url, "invoice", invoice, "--out", str(out))
    assert result.exit_code == 0, result.output
    text = PdfReader(out).pages[0].extract_text()
    assert invoice in text and IMEI in text

    missing = _run(tmp_path, url, "invoice", "INV-S1-999999", "--out", str(out))
    assert missing.exit_code == 1 and "no invoice 'INV-S1-999999'" in missing.stderr
    nowhere = _run(tmp_path, url, "invoice", invoice)
    assert nowhere.exit_code == 2 and "--out" in nowhere.stderr


def test_prints_with_lp_on_the_configured_printer(tmp_path: Path, shop: tuple[str, str]) -> None:
    url, invoice = shop
    bin_dir = _fake_lp(tmp_path)
    result = _run(
        tmp_path,
        url,
        "invoice",
        invoice,
        "--print",
        config=_config(tmp_path, "counter"),
        path=bin_dir,
    )
    assert result.exit_code == 0, result.output
    assert f"sent {invoice} to printer counter" in result.stdout
    args = (tmp_path / "lp-args").read_text().split()
    assert args[:2] == ["-d", "counter"] and args[2].endswith(f"{invoice}.pdf")


def test_print_refusals(tmp_path: Path, shop: tuple[str, str]) -> None:
    url, invoice = shop
    none = _run(tmp_path, url, "invoice", invoice, "--print", config=_config(tmp_path, None))
    assert none.exit_code == 1 and "no printer is configured" in none.stderr
    no_lp = _run(
        tmp_path,
        url,
        "invoice",
        invoice,
        "--print",
        config=_config(tmp_path, "counter"),
        path=str(tmp_path / "empty"),
    )
    assert no_lp.exit_code == 1 and "lp command (CUPS) is not installed" in no_lp.stderr
    failing = _run(
        tmp_path,
        url,
        "invoice",
        invoice,
        "--print",
        config=_config(tmp_path, "counter"),
        path=_fake_lp(tmp_path, 1),
    )
    assert failing.exit_code == 1
    assert "printing on counter failed (lp exit 1): lp: printer jammed" in failing.stderr
