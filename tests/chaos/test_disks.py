"""Full and read-only disks, on a small tmpfs mounted for the test (skipped, with the reason,
where the machine does not allow mounting): every command refuses in one clear line, an
`apply` run gives each line a verdict, and nothing recorded is lost or half-written."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from chaoskit import cli_env, make_shop, serialpos, violations


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({mounted.stderr.strip() or 'not root'}); "
            "run as root, or in a container with CAP_SYS_ADMIN, to test full and "
            "read-only disks"
        )
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder: Path, leave: int = 0) -> Path:
    """Fill the disk, then give back ``leave`` bytes."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
        out.truncate(max(0, out.tell() - leave))
    return filler


def _one_line(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("error: "), done.stderr


def test_a_full_disk_refuses_cleanly_and_loses_nothing(small_disk: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{small_disk / 'shop.sqlite'}"
    make_shop(url, [f"D{i:03d}" for i in range(20)])
    env = cli_env(tmp_path)
    before = serialpos("--db", url, "stock", "--json", env=env)
    assert before.returncode == 0, before.stderr
    full = _fill(small_disk)
    stopped = serialpos("--db", url, "--user", "ada", "store", "add", "S8", "Full", env=env)
    if stopped.returncode != 0:  # no room even for the -shm file: refused in one line
        _one_line(stopped)
        assert "disk is full" in stopped.stderr, stopped.stderr
    full.unlink()
    filler = _fill(small_disk, leave=400_000)  # room to open and start, not to finish
    lines = "".join(
        json.dumps(
            {
                "op": "receive",
                "store": "S1",
                "sku": "PH1",
                "serials": [f"F{n:04d}-{k:02d}" for k in range(50)],
            }
        )
        + "\n"
        for n in range(60)
    )
    done = serialpos("--db", url, "--user", "ada", "apply", "-", env=env, stdin=lines)
    assert "Traceback" not in done.stderr, done.stderr
    verdicts = [json.loads(line) for line in done.stdout.splitlines()]
    refused = [v for v in verdicts if not v["ok"]]
    if not verdicts:  # not even room to start: one line
        _one_line(done)
    if verdicts:  # every line got its verdict, and the disk did fill up
        assert len(verdicts) == 60 and refused, (len(verdicts), len(refused))
    assert {v["error"] for v in refused} <= {"database_error"}, refused[:3]
    added = serialpos("--db", url, "--user", "ada", "store", "add", "S7", "Full", env=env)
    if added.returncode != 0:
        _one_line(added)
    filler.unlink()
    assert violations(url) == []  # what was committed is whole; the rest never happened
    with sqlite3.connect(small_disk / "shop.sqlite") as conn:
        stored = {serial for (serial,) in conn.execute("SELECT serial FROM serial_unit")}
    for line, verdict in enumerate(verdicts):
        serials = {f"F{line:04d}-{k:02d}" for k in range(50)}
        if verdict["ok"]:
            assert serials <= stored, line  # every accepted line is recorded whole
        else:
            assert not serials & stored, line  # a refused line left nothing behind


def test_a_read_only_disk_refuses_in_one_line(small_disk: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{small_disk / 'shop.sqlite'}"
    make_shop(url, ["E001"])
    env = cli_env(tmp_path)
    remount = subprocess.run(
        ["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, text=True, check=False
    )
    if remount.returncode != 0:
        pytest.skip(f"cannot remount read-only: {remount.stderr.strip()}")
    assert not os.access(small_disk, os.W_OK) or os.geteuid() == 0
    added = serialpos("--db", url, "--user", "ada", "store", "add", "S7", "RO", env=env)
    assert added.returncode == 1
    _one_line(added)
    assert (
        f"{small_disk / 'shop.sqlite'} is on a read-only disk" in added.stderr
        or "is read-only" in added.stderr
    ), added.stderr
    done = serialpos(
        "--db",
        url,
        "--user",
        "ada",
        "apply",
        "-",
        env=env,
        stdin=json.dumps({"op": "sell", "store": "S1", "sku": "PH1", "serial": "E001"}) + "\n",
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == 1
    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert violations(url) == []
    shown = serialpos("--db", url, "serial", "show", "E001", "--json", env=env)
    assert '"in_stock"' in shown.stdout, shown.stdout
