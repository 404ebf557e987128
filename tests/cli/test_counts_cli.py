"""``serialpos count list|show|approve``: a manager reviews and approves a count from a shell;
a stockroom user is refused with one line and exit 1."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from serialpos.cli.app import app
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products, stores, users
from serialpos.services.context import SYSTEM
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.scanning import scan


@pytest.fixture
def shop(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    users.add_user(db, None, "root", "admin", "1111")
    root = users.actor_for(db, "root", "t")
    users.add_user(db, root, "boss", "manager", "2222")
    users.add_user(db, root, "sam", "stockroom", "4444")
    products.create_product(db, SYSTEM, sku="PH", name="Phone", serial_mode="required")
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH", serials=["A1", "A2"])
    sam = users.actor_for(db, "sam", "handheld")
    number = open_count(db, sam, "S1").number
    start_batch(db, sam, number, "Ann")
    scan(db, sam, number, 1, sku="PH", serial="A1")
    scan(db, sam, number, 1, sku="PH", serial="N1")
    db.dispose()
    return url


def _run(tmp_path: Path, url: str, *args: str) -> Any:
    env = {
        "SERIALPOS_USER": None,
        "SERIALPOS_DB": None,
        "SERIALPOS_CONFIG": None,
        "SERIALPOS_OUTBOX": str(tmp_path / "outbox"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "COLUMNS": "200",
        "NO_COLOR": "1",
        "PATH": os.environ.get("PATH", ""),
    }
    result = CliRunner().invoke(app, ["--db", url, *args], env=env)
    assert "Traceback" not in result.output
    return result


def test_list_show_and_approve(tmp_path: Path, shop: str) -> None:
    listed = _run(tmp_path, shop, "count", "list", "S1")
    assert listed.exit_code == 0 and "C-S1-000001" in listed.output
    shown = _run(tmp_path, shop, "count", "show", "C-S1-000001")
    assert shown.exit_code == 0, shown.output
    assert "1 matched" in shown.output
    assert "missing" in shown.output and "A2" in shown.output
    assert "never seen" in shown.output and "N1" in shown.output
    refused = _run(tmp_path, shop, "--user", "sam", "count", "approve", "C-S1-000001")
    assert refused.exit_code == 1
    assert "sam (stockroom) may not adjust stock" in refused.output
    done = _run(tmp_path, shop, "--user", "boss", "count", "approve", "C-S1-000001")
    assert done.exit_code == 0, done.output
    assert "approved: 1 written off, 1 added, on-hand change +0" in done.output
    assert (tmp_path / "outbox" / "count-C-S1-000001.csv").exists()
    data = json.loads(_run(tmp_path, shop, "count", "show", "C-S1-000001", "--json").output)
    assert data["approved"] is True and data["missing"] == [{"sku": "PH", "serial": "A2"}]
    again = _run(tmp_path, shop, "--user", "boss", "count", "approve", "C-S1-000001")
    assert again.exit_code == 1 and "was approved already" in again.output
    unknown = _run(tmp_path, shop, "count", "show", "C-9")
    assert unknown.exit_code == 1 and "there is no count 'C-9'" in unknown.output


def test_list_takes_json_as_the_readme_says_every_report_does(tmp_path: Path, shop: str) -> None:
    """``count list STORE --json`` was a usage error (exit 2: no such option), and
    ``leases list --json``, which prints JSON always, too."""
    listed = _run(tmp_path, shop, "count", "list", "S1", "--json")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == [
        {
            "number": "C-S1-000001",
            "store": "S1",
            "status": "open",
            "products": None,
            "batches": 1,
            "units": 2,
        }
    ]
    leases = _run(tmp_path, shop, "--user", "boss", "leases", "list", "--json")
    assert leases.exit_code == 0, leases.output
    plain = _run(tmp_path, shop, "--user", "boss", "leases", "list")
    assert json.loads(leases.stdout) == json.loads(plain.stdout) == []
