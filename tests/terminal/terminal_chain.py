"""Store terminals against a real ``serialpos serve`` on PostgreSQL: the ``chain`` fixture and
a helper that drives a terminal through the CLI, each terminal its own SQLite and config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))

from api_serving import (
    Server,
    seed,
    start,
    stop,
)

import cli_fork
from pg_server import filled_schemas, require_postgres, schema_url
from serialpos.db.engine import Database
from serialpos.services import tokens, users
from serialpos.services.context import Actor


def run_cli(
    args: list[str], env: dict[str, str], stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = cli_fork.run(args, env, stdin, timeout=120)  # a process of its own, started fast
    if check and done.returncode != 0:
        raise AssertionError(
            f"serialpos {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done


@dataclass
class Terminal:
    """One store terminal: its own folder, config and SQLite, driven by the CLI."""

    name: str
    folder: Path
    env: dict[str, str]
    token_name: str
    token: str

    @property
    def config(self) -> Path:
        return self.folder / "terminal.toml"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.folder / 'terminal.sqlite'}"

    def cli(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return run_cli(["--config", str(self.config), *args], self.env, stdin, check)

    def apply(self, *lines: dict[str, Any], check: bool = True) -> list[dict[str, Any]]:
        done = self.cli(
            "--user",
            "mia",
            "apply",
            "-",
            stdin="".join(json.dumps(x) + "\n" for x in lines),
            check=check,
        )
        return [json.loads(x) for x in done.stdout.splitlines()]

    def sync(self, check: bool = True) -> dict[str, Any]:
        """The sync's report. A run in which central refused an entry (or the till refused
        a tampered one unsent) exits 1 with its report printed and each named on stderr:
        that report is returned, once the names are checked."""
        done = self.cli("sync", check=False)
        if done.returncode == 1 and done.stdout.startswith("{"):
            report: dict[str, Any] = json.loads(done.stdout)
            named = report["refusals"] + report["tampered"]
            assert named and all(f"refused: {w}" in done.stderr for w in named), done.stderr
            return report
        if check:
            done.check_returncode()
        return json.loads(done.stdout) if done.returncode == 0 else {"stderr": done.stderr}

    def sync_process(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "serialpos", "--config", str(self.config), "sync"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def sync_process_follow(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "serialpos",
                "--config",
                str(self.config),
                "sync",
                "--follow",
                "--interval",
                "0.2",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def status(self) -> dict[str, Any]:
        return dict(json.loads(self.cli("terminal", "status").stdout))

    def query(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        engine = sa.create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(sa.text(sql), params)]
        finally:
            engine.dispose()

    def change_line(self, entry: str, old: str, new: str) -> None:
        """Someone edits a journal entry's line in the till's SQLite (its seal no longer
        matches)."""
        engine = sa.create_engine(self.db_url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    sa.text("UPDATE journal_entry SET line = replace(line, :o, :n) WHERE id = :i"),
                    {"o": old, "n": new, "i": entry},
                )
        finally:
            engine.dispose()

    def unit_state(self, serial: str) -> str | None:
        rows = self.query("SELECT state FROM serial_unit WHERE serial = :s", s=serial)
        return rows[0][0] if rows else None

    def check_clean(self) -> None:
        done = self.cli("db", "check", "--json", check=False)
        assert done.returncode == 0 and json.loads(done.stdout)["ok"] is True, done.stdout


@dataclass
class Chain:
    server: Server
    folder: Path

    def terminal(self, name: str, store: str = "S1", user: str = "mia") -> Terminal:
        folder = self.folder / name
        folder.mkdir()
        ada = users.actor_for(self.server.db, "ada", "setup")
        token_name = f"{name}-{uuid.uuid4().hex[:6]}"
        secret = tokens.create_token(self.server.db, ada, user, token_name)[0]
        env = {
            k: v
            for k, v in self.server.env.items()
            if k not in ("SERIALPOS_CONFIG", "SERIALPOS_USER", "SERIALPOS_DB")
        }
        env |= {"SERIALPOS_OUTBOX": str(folder / "outbox"), "XDG_DATA_HOME": str(folder)}
        term = Terminal(name, folder, env, token_name, secret)
        term.cli(
            "terminal",
            "init",
            "--server",
            self.server.base,
            "--token",
            secret,
            "--store",
            store,
            "--terminal",
            name,
        )
        return term

    def central(
        self, *args: str, user: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        extra = ["--user", user] if user else []
        env = {**self.server.env}
        env.pop("SERIALPOS_CONFIG", None)
        return run_cli(["--db", self.server.db_url, *extra, *args], env, check=check)

    def post(self, *lines: dict[str, Any], user: str = "ada") -> list[dict[str, Any]]:
        """The verdicts of ``lines`` applied at central, as a client that honours the API's
        contract: a 503 (the database could not be used, nothing applied) is tried again
        after its Retry-After, as the terminals' client does; any other refusal of the whole
        request fails the test with the answer and the end of serve's log (a first request
        once failed at a load of 20 with only ``KeyError: 'ok'`` to show for it)."""
        for _attempt in range(5):
            with self.server.client(user) as client:
                response = client.post("/v1/apply", json=list(lines))
            if response.status_code != 503:
                break
            time.sleep(float(response.headers.get("Retry-After", "1")))
        if response.status_code != 200:
            port = self.server.base.rpartition(":")[2]
            log = (self.folder / f"serve-{port}.log").read_text(errors="replace")[-3000:]
            raise AssertionError(
                f"POST /v1/apply answered {response.status_code} {dict(response.headers)}: "
                f"{response.text[:1000]}\nserve's log ends:\n{log}"
            )
        return [json.loads(x) for x in response.text.splitlines()]

    def check_clean(self) -> None:
        done = self.central("db", "check", "--json", check=False)
        assert done.returncode == 0 and json.loads(done.stdout)["ok"] is True, done.stdout

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.server.db.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    require_postgres()
    folder = tmp_path_factory.mktemp("chain")
    schema = filled_schemas.take()  # at head already: seed's upgrade finds nothing to do
    url = schema_url(schema)
    db = Database(url)
    secrets = seed(db)
    process, base, env = start(url, folder)
    os.environ.pop("SERIALPOS_USER", None)
    try:
        yield Chain(Server(base, url, db, secrets, process, env), folder)
    finally:
        stop(process)
        db.dispose()
        filled_schemas.give_back(schema)


@pytest.fixture
def opened() -> Iterator[list[Database]]:
    """Terminal databases a test opens in its own process (:func:`till_db`), closed after."""
    made: list[Database] = []
    yield made
    for db in made:
        db.dispose()


def till_db(till: Terminal, opened: list[Database], user: str = "mia") -> tuple[Database, Actor]:
    """The till's own database, journaling as its console does, and ``user`` acting there:
    for counter flows driven through the services, as the console drives them."""
    from serialpos.terminal.journaled import attach

    db = Database(till.db_url)
    opened.append(db)
    attach(db, till.name)
    return db, users.actor_for(db, user, till.name)
