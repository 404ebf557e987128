"""The tests' fork server (tests/cli_fork.py) answers as a new ``python -m serialpos`` process
does: same exit status, stdout and stderr for a command that works, one that is refused and
one the command line does not know; stdin, the environment and the working directory reach
the command; a command that overruns its timeout is killed and the next one runs."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import cli_fork


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERIALPOS_")}
    config = tmp_path / "terminal.toml"
    config.write_text("")
    return {**env, "SERIALPOS_CONFIG": str(config), **extra}


def _both(
    monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str], stdin: str | None = None
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    monkeypatch.setenv("SERIALPOS_TEST_FORK", "0")
    real = cli_fork.run(args, env, stdin, timeout=120)
    monkeypatch.setenv("SERIALPOS_TEST_FORK", "1")
    forked = cli_fork.run(args, env, stdin, timeout=120)
    return real, forked


def _same(real: subprocess.CompletedProcess[str], forked: subprocess.CompletedProcess[str]) -> None:
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        real.returncode,
        real.stdout,
        real.stderr,
    )


def test_a_forked_command_answers_as_a_new_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    env = _env(tmp_path)
    made = cli_fork.run(["--db", url, "db", "init"], env, timeout=120)
    assert made.returncode == 0, made.stderr
    for args in (
        ["--db", url, "user", "add", "ada", "--role", "admin", "--pin", "1234"],
        ["--db", url, "--user", "ada", "store", "add", "S1", "Main"],
    ):
        done = cli_fork.run(args, env, timeout=120)
        assert done.returncode == 0, done.stderr

    for args in (
        ["--version"],
        ["--db", url, "db", "check", "--json"],  # works
        ["--db", url, "serial", "show", "NOPE"],  # refused: exit 1, one line
        ["--no-such-option"],  # the command line's own error: exit 2, usage
        ["terminal", "init", "--help"],  # the tree the server built once, as a new one is
    ):
        real, forked = _both(monkeypatch, args, env)
        _same(real, forked)
    lines = '{"op": "receive", "store": "S1", "sku": "NOPE", "serial": "A1"}\n{"op": "x"}\n'
    real, forked = _both(monkeypatch, ["--db", url, "--user", "ada", "apply", "-"], env, lines)
    _same(real, forked)
    assert [json.loads(x)["ok"] for x in forked.stdout.splitlines()] == [False, False]
    # The environment and the working directory are the command's own.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("SERIALPOS_TEST_FORK", "1")
    by_env = cli_fork.run(
        ["stock", "--json"], _env(tmp_path, SERIALPOS_DB=url), timeout=120, cwd=elsewhere
    )
    assert by_env.returncode == 0 and json.loads(by_env.stdout) == [], by_env.stderr
    relative = cli_fork.run(
        ["--db", "sqlite:///shop.sqlite", "stock", "--json"], env, timeout=120, cwd=tmp_path
    )
    assert relative.returncode == 0 and json.loads(relative.stdout) == [], relative.stderr
    missing = cli_fork.run(
        ["--db", "sqlite:///shop.sqlite", "stock"], env, timeout=120, cwd=elsewhere
    )
    assert missing.returncode == 1 and "there is no database" in missing.stderr


def test_a_forked_command_that_overruns_is_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERIALPOS_TEST_FORK", "1")
    env = _env(tmp_path)
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    assert cli_fork.run(["--db", url, "db", "init"], env, timeout=120).returncode == 0
    cli_fork.run(["--db", url, "user", "add", "ada", "--role", "admin", "--pin", "1234"], env)
    # `apply FILE` on a FIFO nobody writes to: the command waits until it is killed.
    fifo = tmp_path / "never.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(subprocess.TimeoutExpired):
        cli_fork.run(["--db", url, "--user", "ada", "apply", str(fifo)], env, timeout=2)
    # The server lives on and the next command runs.
    after = cli_fork.run(["--db", url, "db", "check", "--json"], env, timeout=120)
    assert after.returncode == 0 and json.loads(after.stdout)["ok"] is True, after.stderr


def test_a_started_command_runs_until_signalled_as_a_popen_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cli_fork.start`` (how the tests start ``serve``): a running process whose pid takes
    signals, whose output goes where it was sent, and whose end ``poll``/``wait`` report as
    :class:`subprocess.Popen` does (killed by SIGTERM: -15)."""
    monkeypatch.setenv("SERIALPOS_TEST_FORK", "1")
    env = _env(tmp_path)
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    assert cli_fork.run(["--db", url, "db", "init"], env, timeout=120).returncode == 0
    cli_fork.run(["--db", url, "user", "add", "ada", "--role", "admin", "--pin", "1234"], env)
    fifo = tmp_path / "never.jsonl"
    os.mkfifo(fifo)
    with open(tmp_path / "out.log", "wb") as log:
        started = cli_fork.start(
            ["--db", url, "--user", "ada", "apply", str(fifo)], env, log.fileno(), log.fileno()
        )
    assert started.pid > 0 and started.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        started.wait(0.2)
    started.terminate()
    assert started.wait(60) == -15 and started.poll() == -15
    started.kill()  # ended: nothing to signal, as Popen
    ended = cli_fork.start(
        ["--version"], env, log_fd := os.open(tmp_path / "v", os.O_WRONLY | os.O_CREAT), log_fd
    )
    os.close(log_fd)
    assert ended.wait(60) == 0 and (tmp_path / "v").read_text().startswith("serialpos ")


def test_a_forked_command_leaves_the_files_a_new_process_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forked command's end (cli_fork._end, without the interpreter's finalization)
    closes its SQLite connections as a new interpreter's end does: the WAL is checkpointed
    and ``-wal`` and ``-shm`` are gone, the writes in the database file itself."""
    listings = []
    for fork in ("0", "1"):
        monkeypatch.setenv("SERIALPOS_TEST_FORK", fork)
        folder = tmp_path / f"fork{fork}"
        folder.mkdir()
        env = _env(folder)
        url = f"sqlite:///{folder / 'shop.sqlite'}"
        seen = []
        for args in (
            ["--db", url, "db", "init"],
            ["--db", url, "user", "add", "ada", "--role", "admin", "--pin", "1234"],
            ["--db", url, "--user", "ada", "store", "add", "S1", "Main"],
        ):
            done = cli_fork.run(args, env, timeout=120)
            assert done.returncode == 0, done.stderr
            seen.append(sorted(p.name for p in folder.iterdir()))
        listings.append(seen)
        # The store is in the database file alone.
        alone = tmp_path / f"alone{fork}"
        alone.mkdir()
        (alone / "shop.sqlite").write_bytes((folder / "shop.sqlite").read_bytes())
        listed = cli_fork.run(
            ["--db", f"sqlite:///{alone / 'shop.sqlite'}", "store", "list", "--json"],
            _env(alone),
            timeout=120,
        )
        assert listed.returncode == 0 and "S1" in listed.stdout, listed.stderr
    assert listings[1] == listings[0]
