"""Helpers to run a real ``serialpos serve`` process on 127.0.0.1 (a free port), on a SQLite
file or on PostgreSQL.

Set up: stores S1 and S2; users ada (admin), mia (manager), carl (cashier), sam (stockroom);
products PH1 (serials required) and CAB (no serials); a token per user."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx

import cli_fork
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.services import products, stores, tokens, users
from serialpos.services.context import SYSTEM

#: Seconds a request body may take (short, so the slow-client test is quick).
BODY_TIMEOUT = 3.0
#: A ``serve`` process: a new interpreter, or started through the fork server.
Process = subprocess.Popen[bytes] | cli_fork.Started
ROLES = {"ada": "admin", "mia": "manager", "carl": "cashier", "sam": "stockroom"}


@dataclass
class Server:
    base: str
    db_url: str
    db: Database
    tokens: dict[str, str]
    process: Process
    env: dict[str, str]

    def client(self, user: str | None = "ada", **kwargs: object) -> httpx.Client:
        headers = {} if user is None else {"Authorization": f"Bearer {self.tokens[user]}"}
        return httpx.Client(base_url=self.base, headers=headers, timeout=60, **kwargs)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(db: Database) -> dict[str, str]:
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    stores.add_store(db, SYSTEM, "S2", "Harbour Mall")
    for name, role in ROLES.items():
        users.add_user(db, SYSTEM, name, role, "1234")
    ada = users.actor_for(db, "ada", "setup")
    products.create_product(db, ada, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(db, ada, sku="CAB", name="Cable", price=Decimal("9.50"))
    return {name: tokens.create_token(db, ada, name, f"{name}-token")[0] for name in ROLES}


def start(db_url: str, folder: Path, *extra: str) -> tuple[Process, str, dict[str, str]]:
    port = free_port()
    config = folder / "terminal.toml"
    config.write_text("")
    env = {
        **os.environ,
        "SERIALPOS_CONFIG": str(config),
        "SERIALPOS_OUTBOX": str(folder / "outbox"),
        "XDG_DATA_HOME": str(folder / "data"),
    }
    for name in ("SERIALPOS_USER", "SERIALPOS_DB"):
        env.pop(name, None)
    log = open(folder / f"serve-{port}.log", "wb")  # noqa: SIM115 - the process's stderr
    args = ["--db", db_url, "serve", "--port", str(port), "--body-timeout", str(BODY_TIMEOUT)]
    args += ["--log-level", "warning", *extra]
    process: Process
    if extra or os.environ.get("SERIALPOS_TEST_FORK", "1") == "0":
        # Workers, threads and lanes of their own: started as a new interpreter, as ever.
        process = subprocess.Popen(
            [sys.executable, "-m", "serialpos", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    else:  # the same separate process, without the start-up's imports
        process = cli_fork.start(args, env, log.fileno(), log.fileno())
    log.close()  # the process holds its own copy
    base = f"http://127.0.0.1:{port}"
    # Waited for as long as it takes to start, not a fixed 30 s: at a load of 40 on 2 cores
    # 16 module set-ups gave up on a serve still importing (empty log, no exit).
    # One client for every look (a new one builds an SSL context: 1.2 s of the test process's
    # CPU per start at a load of 10), every 20 ms (the module's tests wait for it).
    deadline = time.monotonic() + 180
    with httpx.Client(timeout=1) as client:
        while True:
            try:
                if client.get(f"{base}/v1/openapi.json").status_code == 200:
                    return process, base, env
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((folder / f"serve-{port}.log").read_text())
            time.sleep(0.02)


def stop(process: Process) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
