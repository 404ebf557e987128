"""``serialpos serve`` refuses to expose tokens in clear text, and ``serialpos token`` creates
(shown once, last line), lists and revokes tokens; through Typer's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serialpos.api.server import is_loopback
from serialpos.cli.app import app
from serialpos.db.engine import Database
from serialpos.services import tokens

runner = CliRunner()


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("SERIALPOS_USER", "SERIALPOS_DB", "SERIALPOS_TERMINAL"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "terminal.toml"
    config.write_text("")
    monkeypatch.setenv("SERIALPOS_CONFIG", str(config))
    db_url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    for args in (
        ["db", "init"],
        ["user", "add", "ada", "--role", "admin", "--pin", "1234"],
        ["--user", "ada", "user", "add", "carl", "--role", "cashier", "--pin", "1111"],
    ):
        result = runner.invoke(app, ["--db", db_url, *args])
        assert result.exit_code == 0, result.output
    yield db_url


@pytest.mark.parametrize(
    "args, message",
    [
        (["--host", "0.0.0.0"], "--insecure-http"),
        (["--host", "192.168.1.20"], "clear text"),
        (["--host", "shop.example"], "clear text"),
        (["--tls-cert", "cert.pem"], "give both --tls-cert and --tls-key"),
        (["--port", "0"], "--port must be 1-65535"),
        (["--threads", "0"], "--threads must be 1-256"),
    ],
)
def test_serve_refuses_before_listening(url: str, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["--db", url, "serve", *args])
    assert result.exit_code == 2 and message in result.stderr


def test_loopback_addresses() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "[::1]", "localhost", "127.1.2.3"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.com"))


def test_token_create_list_revoke(url: str) -> None:
    made = runner.invoke(
        app,
        [
            "--db",
            url,
            "--user",
            "ada",
            "token",
            "create",
            "carl",
            "--name",
            "web",
            "--expires",
            "2099-12-31",
        ],
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.splitlines()[-1]
    assert token.startswith("spt_") and " " not in token
    db = Database(url)
    try:
        actor = tokens.authenticate(db, token)
        assert (actor.user, actor.role.value, actor.terminal) == ("carl", "cashier", "api:web")
        as_json = runner.invoke(
            app, ["--db", url, "--user", "ada", "token", "create", "ada", "--json"]
        )
        made_json = json.loads(as_json.stdout)
        assert set(made_json) == {"token", "name"} and made_json["name"].startswith("ada-")
        listed = json.loads(
            runner.invoke(app, ["--db", url, "--user", "ada", "token", "list", "--json"]).stdout
        )
        assert [(t["name"], t["user"], t["status"]) for t in listed] == [
            (made_json["name"], "ada", "active"),
            ("web", "carl", "active"),
        ]
        assert token not in json.dumps(listed)  # never shown again
        revoked = runner.invoke(app, ["--db", url, "--user", "ada", "token", "revoke", "web"])
        assert revoked.exit_code == 0 and "revoked" in revoked.stdout
        with pytest.raises(tokens.Unauthorized) as refused:
            tokens.authenticate(db, token)
        assert refused.value.code == "token_revoked"
    finally:
        db.dispose()


def test_token_create_refusals(url: str) -> None:
    cashier = runner.invoke(app, ["--db", url, "--user", "carl", "token", "create", "carl"])
    assert cashier.exit_code == 1 and "may not manage users" in cashier.stderr
    past = runner.invoke(
        app, ["--db", url, "--user", "ada", "token", "create", "carl", "--expires", "2001-01-01"]
    )
    assert past.exit_code != 0 and "in the past" in past.stderr
    nobody = runner.invoke(app, ["--db", url, "--user", "ada", "token", "create", "zed"])
    assert nobody.exit_code != 0 and "no user 'zed'" in nobody.stderr
    bad_date = runner.invoke(
        app, ["--db", url, "--user", "ada", "token", "create", "carl", "--expires", "soon"]
    )
    assert bad_date.exit_code == 2
