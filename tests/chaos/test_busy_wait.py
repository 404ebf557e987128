"""A long write on SQLite locks no one out: while another process holds the write lock for
about 20 seconds, read-only commands answer at once (they never ask for the write lock) and
a writing command waits for the lock and then succeeds, including the schema check every
command makes at start-up."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from chaoskit import cli_env, popen

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.services import ledger, products, stores, users
from serialpos.services.context import SYSTEM
from serialpos.services.ledger import Action

HOLD_SECONDS = 20.0

HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE store SET name = name")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def test_commands_wait_for_or_read_past_a_long_sqlite_write(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite"
    url = f"sqlite:///{path}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    users.add_user(db, None, "ada", "admin", "1234")
    products.create_product(db, SYSTEM, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH1", serials=["A1", "A2"])
    db.dispose()

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(HOLD_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    locked_at = time.monotonic()
    env = cli_env(tmp_path)
    commands = {
        "apply": ["--db", url, "--user", "ada", "apply", "-"],
        "stock": ["--db", url, "stock", "--store", "S1"],
        "serial show": ["--db", url, "serial", "show", "A1"],
        "db check": ["--db", url, "db", "check"],
    }
    finished: dict[str, tuple[int, str, str, float]] = {}

    def run(name: str) -> None:
        child = popen(*commands[name], env=env)
        stdin = (
            '{"op": "sell", "store": "S1", "sku": "PH1", "serial": "A2"}\n'
            if name == "apply"
            else ""
        )
        out, err = child.communicate(stdin, timeout=HOLD_SECONDS + 60)
        finished[name] = (child.returncode, out, err, time.monotonic() - locked_at)

    threads = [threading.Thread(target=run, args=(name,)) for name in commands]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    holder.wait(timeout=30)
    released_after = time.monotonic() - locked_at

    for name, (code, _out, err, _) in finished.items():
        assert code == 0, f"{name} failed: {err}"
        assert "locked" not in err, err
    # Readers answered while the lock was still held; the writer waited for its release.
    for name in ("stock", "serial show", "db check"):
        assert finished[name][3] < HOLD_SECONDS - 2, (name, finished[name][3])
    assert finished["apply"][3] >= HOLD_SECONDS - 1
    assert '"ok": true' in finished["apply"][1]
    assert "A1" in finished["serial show"][1]
    assert "passed" in finished["db check"][1]
    assert released_after >= HOLD_SECONDS - 1
    with sqlite3.connect(path) as check:
        states = dict(check.execute("SELECT serial, state FROM serial_unit"))
    assert states == {"A1": "in_stock", "A2": "sold"}
