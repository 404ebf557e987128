"""A full disk under ``apply`` (issue #16, bad input): every input line still gets its verdict
saying it was not recorded, the log file that cannot be written is one warning line (not
logging's traceback for every line), and nothing recorded changes.

The full disk is the process's file size limit (``RLIMIT_FSIZE``, what ``ulimit -f`` sets):
SQLite cannot create its 32 KB shared-memory file nor write its 500 KB database, and the
log file, made larger than the limit first, cannot take a line; Python ignores SIGXFSZ, so
each write fails with ``EFBIG`` (File too large) as a full disk fails with ``ENOSPC``. It
needs no root, unlike the tmpfs of tests/chaos/test_disks.py."""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

LIMIT = 20 * 1024  # bytes: `ulimit -f 20`

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="a file size limit (RLIMIT_FSIZE) is POSIX"
)


def _limited() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, hard))


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERIALPOS_")}
    config = tmp_path / "terminal.toml"
    config.write_text("")
    src = str(Path(__file__).resolve().parents[2] / "src")
    return env | {
        "SERIALPOS_CONFIG": str(config),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHONPATH": src,
    }


def _serialpos(
    env: dict[str, str], *args: str, stdin: str = "", full: bool = False
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "serialpos", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=_limited if full else None,  # the child's limit only
    )


def _big_log(env: dict[str, str]) -> Path:
    """The log file, already larger than the limit: no line can be appended to it."""
    log = Path(env["XDG_STATE_HOME"]) / "serialpos" / "log" / "serialpos.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as out:
        out.write("2026-12-06 08:00:00,000 INFO serialpos.actions [1] an earlier line\n" * 600)
    assert log.stat().st_size > LIMIT
    return log


def _shop(url: str) -> None:
    """Store S1, admin ada, PH1 (serials required) with K1 in stock."""
    from serialpos.db import migrate
    from serialpos.db.engine import Database
    from serialpos.domain.states import Action
    from serialpos.services import ledger, products, stores, users
    from serialpos.services.context import SYSTEM

    db = Database(url)
    try:
        migrate.upgrade(db)
        stores.add_store(db, SYSTEM, "S1", "Main Street")
        users.add_user(db, None, "ada", "admin", "1234")
        products.create_product(db, SYSTEM, sku="PH1", name="Phone", serial_mode="required")
        ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH1", serials=["K1"])
    finally:
        db.dispose()


def test_apply_on_a_full_disk_answers_every_line_and_records_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path)
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    _shop(url)
    log = _big_log(env)
    logged = log.read_bytes()
    lines = [
        json.dumps({"op": "sell", "store": "S1", "sku": "PH1", "serial": "K1", "id": "sale-1"}),
        "",
        "not json",
        json.dumps({"op": "receive", "store": "S1", "sku": "PH1", "serial": "K2"}),
    ]
    done = _serialpos(
        env, "--db", url, "--user", "ada", "apply", "-", stdin="\n".join(lines) + "\n", full=True
    )
    assert done.returncode == 1
    said = (
        "the disk is full (or failing): this change was not recorded; free some space and "
        f"try again (cannot write {tmp_path / 'shop.sqlite'})"
    )
    verdicts = [json.loads(line) for line in done.stdout.splitlines()]
    assert verdicts == [
        {"ok": False, "line": 1, "id": "sale-1", "error": "database_error", "message": said},
        {
            "ok": False,
            "line": 3,
            "error": "bad_request",
            "message": "the line is not valid JSON: Expecting value at column 1",
        },
        {"ok": False, "line": 4, "error": "database_error", "message": said},
    ]
    assert done.stderr.splitlines() == [
        f"warning: the log file {log} cannot be written (File too large): "
        "log lines of this run are lost",
        f"error: {said}",
    ]
    assert log.read_bytes() == logged
    with sqlite3.connect(tmp_path / "shop.sqlite") as conn:
        assert conn.execute("SELECT serial, state FROM serial_unit").fetchall() == [
            ("K1", "in_stock")
        ]
    checked = _serialpos(env, "--db", url, "db", "check", "--json")
    assert json.loads(checked.stdout)["ok"] is True, checked.stdout
