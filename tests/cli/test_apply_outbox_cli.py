"""``serialpos apply`` writes the event files of the documents it completes into the outbox
of the terminal config given with ``--config``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serialpos.cli.app import app
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.services import products, stores, users
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.context import SYSTEM


def test_an_asn_receipt_by_apply_lands_in_the_configured_outbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    users.add_user(db, None, "ada", "admin", "1234")
    products.create_product(db, SYSTEM, sku="LAP", name="Laptop", serial_mode="required")
    import_asn_data(
        db, SYSTEM, "a.csv", b"ASN,Vendor,SKU,Quantity,Serials\nASN-9,Acme,LAP,2,L1|L2\n", "S1"
    )
    db.dispose()
    folder = tmp_path / "spool"
    config = tmp_path / "terminal.toml"
    config.write_text(f'[terminal]\noutbox = "{folder}"\n')
    monkeypatch.delenv("SERIALPOS_OUTBOX")
    line = {
        "op": "asn_receive",
        "asn": "ASN-9",
        "store": "S1",
        "scans": [{"sku": "LAP", "serial": "L2"}, {"sku": "LAP", "serial": "L1"}],
    }
    ops = tmp_path / "ops.jsonl"
    ops.write_text(json.dumps(line) + "\n")
    result = CliRunner().invoke(
        app,
        ["--db", url, "--config", str(config), "--user", "ada", "apply", str(ops)],
        env={"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "PATH": os.environ.get("PATH", "")},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    written = (folder / "asn_receipt-ASN-9.csv").read_text("utf-8").splitlines()
    assert written[1].split(",")[5:] == ["LAP", "2", "L1|L2"]
