"""The wheel works anywhere: built from this tree, installed (not editable) into a fresh venv,
then ``serialpos --help``, ``--version``, ``samples`` and ``demo --no-console`` run from ``/``
— no source tree to lean on. Slow (a venv and an install): about 20 s of CPU with a warm pip
cache.

The fresh venv is made without pip and this interpreter's pip installs into it
(``pip --python``): ensurepip unpacked and compiled a pip of its own there, about 4 s of CPU
the test never used. ``--no-compile`` leaves the dependencies' bytecode to the first import,
as a read-only install would: pip compiled every module of every dependency (about 6 s of
CPU) where the commands below import a few of them."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(
    args: list[str], env: dict[str, str], cwd: Path | str = "/", timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.slow
def test_wheel_installs_and_runs_from_root(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERIALPOS_")}
    env |= {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "NO_COLOR": "1",
        "COLUMNS": "120",
    }
    wheels = tmp_path / "wheels"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        env,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("serialpos-*.whl")
    with zipfile.ZipFile(wheel) as packed:
        # Without it every new database would silently take all the migrations (db/migrate.py).
        assert "serialpos/db/head_schema.sql" in packed.namelist()

    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    pip = [sys.executable, "-m", "pip", "--python", str(target / "bin" / "python")]
    pip += ["install", "-q", "--no-compile"]
    installed = _run([*pip, str(wheel)], env, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    serialpos = str(target / "bin" / "serialpos")

    shown = _run([serialpos, "--help"], env)
    assert shown.returncode == 0 and "Usage: serialpos" in shown.stdout, shown.stderr
    version = _run([serialpos, "--version"], env)
    assert version.stdout.startswith("serialpos "), version.stderr
    sample = _run([serialpos, "samples", "--show", "terminal.example.toml"], env)
    assert sample.returncode == 0 and "[scanner]" in sample.stdout, sample.stderr
    demo = _run([serialpos, "demo", "--no-console"], env)
    assert demo.returncode == 0, demo.stderr
    assert "demo ready: 2 stores" in demo.stdout
    assert (tmp_path / "data" / "serialpos" / "demo.sqlite").exists()
    # evdev is an extra: the plain install has no compiler-built module in it
    evdev = _run([str(target / "bin" / "python"), "-c", "import evdev"], env)
    assert evdev.returncode != 0
