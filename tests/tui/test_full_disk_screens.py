"""A full disk at the console (issue #16, bad input): the login and the sale say so whole at
both sizes ("not recorded" is never cut off), the login keeps that reason on the screen (no
"type your PIN" over it) and keeps the PIN typed, and nothing of the sale is kept.

The disk fills as tests/terminal/test_sync_faults.py fills it: every connection may not grow
the SQLite file (``PRAGMA max_page_count``), and the room left in it is taken first, so the
next write that needs a page fails with SQLite's own "database or disk is full"."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from textual.widgets import Input
from tui_helpers import SIZES, MakeApp, async_test, log_in, sale_with_line, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services.demo import _imei
from serialpos.tui.app import SerialposApp
from serialpos.tui.screens.login import LoginScreen
from serialpos.tui.screens.sale_dialogs.tender import Tender
from serialpos.tui.widgets.message_line import MessageLine

SAID = (
    "✗ the disk is full (or failing): this change was not recorded; free some space and "
    "try again (cannot write demo.sqlite)"
)


def _cap(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    pages = cur.execute("PRAGMA page_count").fetchone()[0]
    cur.execute(f"PRAGMA max_page_count = {pages}")
    cur.close()


def fill_the_disk(db: Database) -> None:
    """From now on the file cannot grow, and the room left in it is taken: free pages by
    blobs, the last page of the user audit (the login's one write) by its rows."""
    db.write(lambda conn: conn.execute(sa.text("CREATE TABLE filler (b BLOB)")))
    sa.event.listen(db.engine, "connect", _cap)
    db.dispose()  # connections opened before the disk filled are closed
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for size in (1 << 20, 1 << 16, 1 << 12, 512, 64):
            while True:
                try:
                    cur.execute("INSERT INTO filler VALUES (zeroblob(?))", (size,))
                except sqlite3.OperationalError:
                    break
        while True:
            try:
                cur.execute(
                    "INSERT INTO user_audit (at, actor, terminal, user_name, action) "
                    "VALUES (CURRENT_TIMESTAMP, 'x', 'x', 'x', 'x')"
                )
            except sqlite3.OperationalError as exc:
                assert "full" in str(exc), exc
                break
    finally:
        raw.close()


def shown_whole(app: SerialposApp) -> None:
    """The message says it all, and the screen shows every word of it."""
    line = app.screen.query_one(MessageLine)
    assert line.text == SAID
    flat = " ".join(screen_text(app).split())
    assert SAID in flat, screen_text(app)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_login_on_a_full_disk_keeps_its_reason_and_the_pin(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        fill_the_disk(app.database())
        await log_in(pilot, "cashier")
        assert isinstance(app.screen, LoginScreen)
        shown_whole(app)
        pin = app.screen.query_one("#pin", Input)
        assert pin.value == "3333" and pin.has_focus  # not the PIN's fault: Enter tries again
        pin.clear()
        await pilot.press("enter")  # no PIN: the reason nobody can log in stays
        await settle(pilot)
        shown_whole(app)
        assert "type your PIN" not in screen_text(app)


@pytest.fixture
def small_disk(tmp_path: Path, demo_url: str) -> Iterator[Path]:
    """The demo database on a small tmpfs of its own, as tests/chaos/test_disks.py mounts
    one (skipped, with the reason, where mounting is not allowed). A sale writes into pages
    the file already has room in, so only a disk that is really full refuses it."""
    where = tmp_path / "disk"
    where.mkdir()
    source = Path(demo_url.removeprefix("sqlite:///"))
    size = source.stat().st_size // (1 << 20) + 8
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}m", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({mounted.stderr.strip() or 'not root'}); run as "
            "root, or in a container with CAP_SYS_ADMIN, to test a sale on a full disk"
        )
    try:
        for suffix in ("", "-wal", "-shm"):
            found = source.with_name(source.name + suffix)
            if found.exists():
                shutil.copy(found, where / f"demo.sqlite{suffix}")
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path) -> None:
    with (folder / "filler").open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_sale_on_a_full_disk_is_refused_whole_and_said_whole(
    make_app: MakeApp, small_disk: Path, size: tuple[int, int]
) -> None:
    serial = _imei(101)
    url = f"sqlite:///{small_disk / 'demo.sqlite'}"
    app = make_app(url=url)
    async with app.run_test(size=size) as pilot:
        await sale_with_line(pilot, serial)
        assert serial in screen_text(app)
        fill(small_disk)
        await pilot.press("f9")  # pay what is due: the sale is taken, the unit sold
        await settle(pilot)
        if isinstance(app.screen, Tender):
            await pilot.press("enter")
            await settle(pilot)
        shown_whole(app)
        (small_disk / "filler").unlink()
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            state = conn.execute(
                sa.text("SELECT state FROM serial_unit WHERE serial = :s"), {"s": serial}
            ).scalar_one()
            sold = conn.execute(sa.text("SELECT count(*) FROM invoice")).scalar_one()
    finally:
        db.dispose()
    assert (state, sold) == ("reserved", 0)  # still on the open sale's line; nothing sold
