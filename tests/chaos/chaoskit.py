"""Helpers for the attack suite: CLI child processes and sizes from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cli_fork

SRC = Path(__file__).resolve().parents[2] / "src"


def size(name: str, ci_default: int) -> int:
    """A chaos size: small in CI, full size when set by hand (e.g. ``CHAOS_RACERS=100``)."""
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else ci_default


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment for a ``serialpos`` child process that sees only the test's folders."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SERIALPOS_") or k == "SERIALPOS_OUTBOX"
    }
    config = tmp_path / "terminal.toml"
    if not config.exists():
        config.write_text("")
    env.update(
        {
            "SERIALPOS_CONFIG": str(config),
            "PYTHONPATH": str(SRC),
            "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        }
    )
    env.update(extra)
    return env


def serialpos(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return cli_fork.run(list(args), env, stdin, timeout)  # a process of its own, started fast


def popen(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "serialpos", *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def make_shop(url: str, serials: list[str]) -> None:
    """Stores S1 and S2, admin ada, PH1 (serials required) with ``serials`` in stock at S1,
    CB1 (no serials) with 1,000 at S1."""
    from serialpos.db import migrate
    from serialpos.db.engine import Database
    from serialpos.domain.states import Action
    from serialpos.services import ledger, products, stores, users
    from serialpos.services.context import SYSTEM

    db = Database(url)
    try:
        migrate.upgrade(db)
        stores.add_store(db, SYSTEM, "S1", "Main Street")
        stores.add_store(db, SYSTEM, "S2", "Harbour Mall")
        users.add_user(db, None, "ada", "admin", "1234")
        products.create_product(db, SYSTEM, sku="PH1", name="Phone", serial_mode="required")
        products.create_product(db, SYSTEM, sku="CB1", name="Cable")
        if serials:
            ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH1", serials=serials)
        ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="CB1", quantity=1000)
    finally:
        db.dispose()


def violations(url: str) -> list[str]:
    """Every ``db check`` violation (the hash chain included)."""
    from serialpos.db.engine import Database
    from serialpos.services.integrity import check_ledger

    db = Database(url)
    try:
        return [f"{f.rule}: {f.detail}" for f in check_ledger(db) if f.violation]
    finally:
        db.dispose()
