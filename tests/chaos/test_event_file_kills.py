"""A writer killed (SIGKILL) at each step of an event file's write: the file is never seen
half-written, nothing owed is lost, and the next `events flush` writes it whole and removes
the dead writer's temporary file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from chaoskit import cli_env, serialpos

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.event_files import EventLine, render
from serialpos.services import event_files, stores
from serialpos.services.context import SYSTEM

#: Where the child dies: after creating the temp file, after writing it (before fsync),
#: after the rename (before the folder sync), after the folder sync (before the outbox row
#: is marked written).
STEPS = {
    "created": "os.fdopen",
    "written": "os.fsync",
    "renamed": "serialpos.files._sync_folder",
    "synced": "serialpos.services.event_files._mark_written",
}

CHILD = """
import os, signal, sys, importlib
from pathlib import Path
url, folder, target = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
module_name, _, attr = target.rpartition(".")
module = importlib.import_module(module_name)
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
setattr(module, attr, die)
from serialpos.db.engine import Database
from serialpos.services.event_files import write_owed
write_owed(Database(url), folder)
"""


@pytest.mark.parametrize("step", list(STEPS))
def test_a_writer_killed_at_each_step_loses_nothing(tmp_path: Path, step: str) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    owed = db.write(
        lambda conn: event_files.owe(
            conn,
            event_type="blind_receipt",
            document_id="R-1",
            store="S1",
            user="sam",
            lines=[EventLine("PH1", 2, ("B", "A"))],
        )
    )
    whole = render(owed)
    target = outbox / owed.name
    killed = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(outbox), STEPS[step]],
        env=cli_env(tmp_path),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    # Never half a file under its real name; still owed until marked written.
    assert not target.exists() or target.read_bytes() == whole
    assert event_files.owed_count(db) == 1
    leftovers = [p for p in outbox.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == (1 if step in ("created", "written") else 0)
    done = serialpos(
        "--db",
        url,
        "events",
        "flush",
        env=cli_env(tmp_path, SERIALPOS_OUTBOX=str(outbox), COLUMNS="300"),
    )
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == whole
    assert sorted(p.name for p in outbox.iterdir()) == [target.name]
    assert event_files.owed_count(db) == 0
    for leftover in leftovers:
        assert f"removed {leftover}" in done.stdout
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM event_outbox")).scalar() == 1
    db.dispose()
