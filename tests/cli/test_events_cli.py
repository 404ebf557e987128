"""``serialpos events``: owed files written at start, a resend byte for byte, clear refusals."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from serialpos.cli.app import app
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.event_files import EventLine
from serialpos.services import event_files, stores
from serialpos.services.context import SYSTEM


@pytest.fixture
def shop(tmp_path: Path) -> str:
    """A database with one receipt whose file is owed (its process died after the commit)."""
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")

    def work(conn: sa.Connection) -> None:
        event_files.owe(
            conn,
            event_type="blind_receipt",
            document_id="R-S1-000001",
            store="S1",
            user="sam",
            lines=[EventLine("PH1", 2, ("B", "A"))],
        )

    db.write(work)
    db.dispose()
    return url


def _run(tmp_path: Path, url: str, *args: str, outbox: Path) -> Any:
    env = {
        "SERIALPOS_USER": None,
        "SERIALPOS_DB": None,
        "SERIALPOS_CONFIG": None,
        "SERIALPOS_OUTBOX": str(outbox),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "COLUMNS": "200",
        "NO_COLOR": "1",
        "PATH": os.environ.get("PATH", ""),
    }
    result = CliRunner().invoke(app, ["--db", url, *args], env=env)
    assert "Traceback" not in result.output
    return result


def test_any_start_writes_the_owed_file(tmp_path: Path, shop: str) -> None:
    outbox = tmp_path / "outbox"
    result = _run(tmp_path, shop, "store", "list", outbox=outbox)
    assert result.exit_code == 0, result.output
    written = outbox / "blind_receipt-R-S1-000001.csv"
    header, row = written.read_text("utf-8").splitlines()
    assert header == "event_type,document_id,store,completed_at,user,sku,quantity,serials"
    fields = row.split(",")
    assert fields[:3] == ["blind_receipt", "R-S1-000001", "S1"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", fields[3])
    assert fields[4:] == ["sam", "PH1", "2", "A|B"]
    flushed = _run(tmp_path, shop, "events", "flush", outbox=outbox)
    assert "no event files owed (0 waiting)" in flushed.output


def test_resend_writes_the_same_bytes_again(tmp_path: Path, shop: str) -> None:
    outbox = tmp_path / "outbox"
    _run(tmp_path, shop, "events", "flush", outbox=outbox)
    path = outbox / "blind_receipt-R-S1-000001.csv"
    first = path.read_bytes()
    path.unlink()
    result = _run(tmp_path, shop, "events", "resend", "R-S1-000001", outbox=outbox)
    assert result.exit_code == 0 and f"wrote {path}" in result.output.replace("\n", "")
    assert path.read_bytes() == first


def test_resend_of_an_unknown_document_is_refused(tmp_path: Path, shop: str) -> None:
    result = _run(tmp_path, shop, "events", "resend", "R-S1-999", outbox=tmp_path / "o")
    assert result.exit_code == 1
    assert "no event file is recorded for document 'R-S1-999'" in result.output
    typed = _run(
        tmp_path, shop, "events", "resend", "R-S1-000001", "--type", "rtv", outbox=tmp_path / "o"
    )
    assert "no rtv event file is recorded" in typed.output


def test_an_unwritable_outbox_warns_and_keeps_the_file_owed(tmp_path: Path, shop: str) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    result = _run(tmp_path, shop, "store", "list", outbox=blocker / "outbox")
    assert result.exit_code == 0  # the command still works
    assert "warning: event file not written yet" in result.output
    assert "stays owed" in result.output
    flushed = _run(tmp_path, shop, "events", "flush", outbox=blocker / "outbox")
    assert flushed.exit_code == 1 and "cannot be made" in flushed.output
    good = _run(tmp_path, shop, "events", "flush", outbox=tmp_path / "good")
    assert good.exit_code == 0 and (tmp_path / "good" / "blind_receipt-R-S1-000001.csv").exists()


def test_flush_says_what_the_start_up_wrote_and_removes_a_killed_writers_temp_file(
    tmp_path: Path, shop: str
) -> None:
    """The attack: a writer killed half-way left its temp file for ever, and ``events flush``
    said 'no event files owed' right after its own start-up had written the owed file."""
    import subprocess
    import sys

    outbox = tmp_path / "outbox"
    outbox.mkdir()
    # A writer that dies (SIGKILL) between creating its temp file and the rename.
    script = (
        "import os, signal, pathlib;"
        "from serialpos import files;"
        f"t = files._temp_name(pathlib.Path({str(outbox / 'x.csv')!r}));"
        "t.write_text('half a fi');"
        "print(t.name, flush=True);"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    killed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert killed.returncode == -9
    leftover = outbox / killed.stdout.strip()
    assert leftover.exists()
    live = outbox / f".y.csv.{os.getpid()}-0123abcd.tmp"  # a writer still at work: kept
    live.write_text("in progress")
    flushed = _run(tmp_path, shop, "events", "flush", outbox=outbox)
    assert flushed.exit_code == 0, flushed.output
    assert f"wrote {outbox / 'blind_receipt-R-S1-000001.csv'} (owed, at start-up)" in flushed.output
    assert f"removed {leftover} (left by a writer that was stopped)" in flushed.output
    assert "no event files owed" not in flushed.output
    assert not leftover.exists() and live.exists()
    assert sorted(p.name for p in outbox.iterdir()) == [live.name, "blind_receipt-R-S1-000001.csv"]
    again = _run(tmp_path, shop, "events", "flush", outbox=outbox)
    assert "no event files owed (0 waiting)" in again.output
