"""The log file: one action line per command, the traceback of an unexpected error (and the
one line saying where it is), ``[log] path`` and ``SERIALPOS_LOG_LEVEL``, and never a PIN or a
token, tracebacks included."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from serialpos import logs
from serialpos.cli.app import app

SECRET_PINS = ("987654", "135790", "24682468")


def _run(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    base = {
        "SERIALPOS_USER": None,
        "SERIALPOS_DB": None,
        "SERIALPOS_CONFIG": None,
        "SERIALPOS_TERMINAL": "till-3",
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }
    result = CliRunner().invoke(app, ["--db", url, *args], env=base | (env or {}))
    assert "Traceback" not in result.output
    return result


def _log(state_home: Path) -> str:
    path = state_home / "serialpos" / "log" / "serialpos.log"
    assert logs.current_log_file() == path
    for handler in logging.getLogger("serialpos").handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_actions_are_logged_without_pins(tmp_path: Path, state_home: Path) -> None:
    assert _run(tmp_path, "db", "init").exit_code == 0
    assert (
        _run(tmp_path, "user", "add", "ada", "--role", "admin", "--pin", SECRET_PINS[0]).exit_code
        == 0
    )
    assert (
        _run(
            tmp_path, "--user", "ada", "user", "set-pin", "ada", f"--pin={SECRET_PINS[1]}"
        ).exit_code
        == 0
    )
    refused = _run(
        tmp_path, "--user", "ada", "user", "add", "bob", "--role", "boss", "--pin", SECRET_PINS[2]
    )
    assert refused.exit_code == 1
    text = _log(state_home)
    assert (
        "user=- terminal=till-3 action=serialpos user add ada --role admin --pin ***: done" in text
    )
    assert "user=ada terminal=till-3 action=serialpos user set-pin ada --pin=***: done" in text
    assert "action=serialpos user add bob --role boss --pin ***: refused: role 'boss'" in text
    for pin in SECRET_PINS:
        assert pin not in text


def test_unexpected_error_is_one_line_and_a_logged_traceback(
    tmp_path: Path, state_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from serialpos.services import stores

    def broken(*_args: object) -> None:
        raise KeyError("token=abc123 pin: 4321")

    _run(tmp_path, "db", "init")
    monkeypatch.setattr(stores, "list_stores", broken)
    result = _run(tmp_path, "store", "list")
    assert result.exit_code == 1
    log_file = state_home / "serialpos" / "log" / "serialpos.log"
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: unexpected error (KeyError: ")
    assert result.stderr.endswith(f"; details are in {log_file}\n")
    text = _log(state_home)
    assert "unexpected error in `serialpos store list`" in text
    assert "Traceback (most recent call last)" in text and "in broken" in text
    assert "abc123" not in text and "4321" not in text and "token=***" in text


def test_log_path_from_config_and_level_from_env(tmp_path: Path) -> None:
    chosen = tmp_path / "logs" / "till.log"
    config = tmp_path / "terminal.toml"
    config.write_text(f'[log]\npath = "{chosen}"\n', encoding="utf-8")
    _run(tmp_path, "--config", str(config), "db", "init", env={"SERIALPOS_LOG_LEVEL": "warning"})
    assert logs.current_log_file() == chosen
    assert logging.getLogger("serialpos").level == logging.WARNING
    assert chosen.exists() and "action=" not in chosen.read_text(encoding="utf-8")


def test_console_worker_errors_are_logged(state_home: Path) -> None:
    from serialpos.tui.backend import describe

    logs.configure()
    try:
        raise ValueError("boom")
    except ValueError as exc:
        said = describe(exc)
    assert said == f"unexpected error (ValueError): boom; details are in {logs.current_log_file()}"
    text = _log(state_home)
    assert "unexpected error in a console worker" in text and "ValueError: boom" in text


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("serialpos user add x --pin 1234", "serialpos user add x --pin ***"),
        ("--pin=1234 rest", "--pin=*** rest"),
        ("pin: 1234, token='abc'", "pin: ***, token=***"),
        ("Token: abc.def", "Token: ***"),
        ("--db postgresql://kim:s3cr@t@db:5432/shop", "--db postgresql://kim:***@db:5432/shop"),
        ("serialpos user set-pin ada --pin 4321", "serialpos user set-pin ada --pin ***"),
    ],
)
def test_redact(line: str, shown: str) -> None:
    assert logs.redact(line) == shown


def test_the_log_rotates_and_keeps_its_old_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is rotated as it was when it was a RotatingFileHandler from the start (it is
    made with the first line now: logging.handlers is not imported before the console's
    login is drawn)."""
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    path = tmp_path / "logs" / "serialpos.log"
    assert logs.configure(path) == path
    try:
        for n in range(300):
            logs.action("ada", "till-3", f"sale number {n}")
    finally:
        logs.stop()
    kept = sorted(path.parent.iterdir())
    assert [p.name for p in kept] == ["serialpos.log"] + [
        f"serialpos.log.{n}" for n in range(1, logs.BACKUPS + 1)
    ]
    assert all(p.stat().st_size <= 2_000 for p in kept)
    assert "sale number 299" in path.read_text(encoding="utf-8")


def test_a_log_that_cannot_be_written_is_said_when_set_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "serialpos.log"
    path.mkdir()  # a folder where the file should be
    assert logs.configure(path) is None
    assert f"warning: no log file: {path} cannot be written" in capsys.readouterr().err
    assert logs.current_log_file() is None


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_log_on_a_full_disk_is_one_warning_not_a_traceback_per_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """/dev/full opens, and every write to it fails with ENOSPC: a log file whose disk filled
    after it was opened. Logging's own report would be a traceback and the record's arguments
    on stderr for every line, burying the command's own message (issue #16, a full disk)."""
    full = Path("/dev/full")
    assert logs.configure(full) == full
    try:
        for n in range(40):
            logs.action("carl", "A", f"sale number {n}")
        logging.getLogger("serialpos.sale").error("unexpected", exc_info=ValueError("x"))
    finally:
        logs.stop()
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"warning: the log file {full} cannot be written (No space left on device): "
        "log lines of this run are lost"
    ]


def test_an_action_line_is_written_and_redacted_when_info_is_on(tmp_path: Path) -> None:
    """``logs.action`` looks its logger up once and checks the level first (a ledger move
    calls it every time): with INFO on, the line is still written whole, PIN redacted."""
    path = tmp_path / "serialpos.log"
    assert logs.configure(path, env={"SERIALPOS_LOG_LEVEL": "INFO"}) == path
    logs.action("ada", "till-3", "serialpos user set-pin ada --pin 4321", "sale S1-7")
    logs.action("bob", "till-4", "sell PH1 x1 at S1")
    logs.stop()
    text = path.read_text(encoding="utf-8")
    said = "user=ada terminal=till-3 action=serialpos user set-pin ada --pin *** document=sale S1-7"
    assert "INFO serialpos.actions" in text and said in text
    assert "user=bob terminal=till-4 action=sell PH1 x1 at S1\n" in text
    assert "4321" not in text


def test_an_action_below_the_log_level_is_neither_redacted_nor_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the actions' level off, ``logs.action`` returns before any redaction or
    formatting (counted here), and nothing reaches the file."""
    path = tmp_path / "serialpos.log"
    assert logs.configure(path, env={"SERIALPOS_LOG_LEVEL": "WARNING"}) == path
    redacted: list[str] = []
    real_redact = logs.redact

    def counting_redact(text: str) -> str:
        redacted.append(text)
        return real_redact(text)

    monkeypatch.setattr(logs, "redact", counting_redact)
    try:
        logs.action("ada", "till-3", "serialpos user set-pin ada --pin 4321", "sale S1-7")
    finally:
        logs.stop()
        logging.getLogger("serialpos").setLevel(logging.INFO)
    assert redacted == []
    assert "action=" not in path.read_text(encoding="utf-8")
