"""``db backup`` while a till keeps selling: the copy is consistent (``db check`` passes on it)
and holds every sale committed before it began; ``db restore`` refuses to replace a database
with data unless forced; PostgreSQL gets the pg_dump / pg_restore command."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from serialpos.cli.app import app
from serialpos.db import migrate, repo
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products, stores
from serialpos.services.context import SYSTEM


def _cli(url: str, *args: str) -> Result:
    env = {
        "SERIALPOS_USER": None,
        "SERIALPOS_DB": None,
        "SERIALPOS_CONFIG": None,
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }
    result = CliRunner().invoke(app, ["--db", url, *args], env=env)
    assert "Traceback" not in result.output
    return result


def _units(url: str) -> int:
    db = Database(url)
    try:
        return db.read(
            lambda c: c.execute(sa.select(sa.func.count()).select_from(repo.unit_t)).scalar_one()
        )
    finally:
        db.dispose()


@pytest.fixture
def shop(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    products.create_product(db, SYSTEM, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(db, SYSTEM, sku="AC1", name="Cable")
    db.dispose()
    return url


def test_backup_during_a_stream_of_sales_is_consistent(shop: str, tmp_path: Path) -> None:
    db = Database(shop)
    stop = threading.Event()
    sold: list[int] = []
    failures: list[BaseException] = []

    def till() -> None:  # receive a unit and sell it, again and again, one commit each
        n = 0
        try:
            while not stop.is_set() and n < 2000:
                serial = f"SN{n:06d}"
                ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH1", serials=[serial])
                ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="AC1", quantity=2)
                ledger.move(db, SYSTEM, Action.SELL, store="S1", sku="PH1", serials=[serial])
                sold.append(n)
                n += 1
        except BaseException as exc:
            failures.append(exc)

    worker = threading.Thread(target=till)
    worker.start()
    copies = []
    try:
        while len(sold) < 20:
            stop.wait(0.01)
        for i in range(3):
            before = len(sold)
            copy = tmp_path / f"copy-{i}.sqlite"
            result = _cli(shop, "db", "backup", str(copy))
            assert result.exit_code == 0, result.stderr
            assert result.stdout.startswith(f"backup written to {copy} (")
            copies.append((copy, before, len(sold)))
    finally:
        stop.set()
        worker.join()
        db.dispose()
    assert not failures, failures
    assert len(sold) > 20
    for copy, before, after in copies:
        assert not Path(f"{copy}-wal").exists()  # a self-contained file
        checked = _cli(f"sqlite:///{copy}", "db", "check")
        assert checked.exit_code == 0, checked.stdout + checked.stderr
        assert "every invariant holds" in checked.stdout
        units = _units(f"sqlite:///{copy}")
        assert before <= units <= after + 1  # every sale committed before it began, no torn one
    assert not list(tmp_path.glob(".copy-*partial*"))


def test_backup_refuses_to_overwrite_and_restore_needs_force(shop: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite"
    assert _cli(shop, "db", "backup", str(copy)).exit_code == 0
    again = _cli(shop, "db", "backup", str(copy))
    assert again.exit_code == 1 and "exists: give another name, or --force" in again.stderr
    assert _cli(shop, "db", "backup", str(copy), "--force").exit_code == 0

    db = Database(shop)  # a sale after the backup ...
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH1", serials=["LATE1"])
    db.dispose()
    assert _units(shop) == 1
    refused = _cli(shop, "db", "restore", str(copy))
    assert refused.exit_code == 1
    assert "is a database with data (perhaps in use by tills)" in refused.stderr
    assert _units(shop) == 1  # nothing changed
    restored = _cli(shop, "db", "restore", str(copy), "--force")
    assert restored.exit_code == 0, restored.stderr
    assert _units(shop) == 0  # ... is gone with the restore
    assert _cli(shop, "db", "check").exit_code == 0

    fresh = f"sqlite:///{tmp_path / 'new' / 'till.sqlite'}"  # an empty place needs no --force
    assert _cli(fresh, "db", "restore", str(copy)).exit_code == 0
    assert _cli(fresh, "store", "list").exit_code == 0


def test_restore_refuses_what_is_not_a_serialpos_backup(shop: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    bad = _cli(shop, "db", "restore", str(junk), "--force")
    assert bad.exit_code == 1 and "is not a SQLite database" in bad.stderr
    missing = _cli(shop, "db", "restore", str(tmp_path / "nope.sqlite"))
    assert missing.exit_code == 1 and "there is no backup file" in missing.stderr
    assert _cli(shop, "db", "check").exit_code == 0


def test_postgresql_gets_the_pg_dump_command(tmp_path: Path) -> None:
    url = "postgresql://kim:secret@db.example:5432/shop"
    result = _cli(url, "db", "backup", str(tmp_path / "shop.dump"))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: serialpos does not back up PostgreSQL itself; run: pg_dump --format=custom "
        f"--file {tmp_path / 'shop.dump'} postgresql://kim@db.example:5432/shop\n"
    )
    restore = _cli(url, "db", "restore", str(tmp_path / "shop.dump"))
    assert (
        "pg_restore --clean --if-exists --no-owner --dbname postgresql://kim@db.example"
        in restore.stderr
        and "secret" not in restore.stderr
    )
