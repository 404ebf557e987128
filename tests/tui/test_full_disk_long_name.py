"""A full disk under a database with a long file name (the verify walk): at 40x16 the name
took the disk-full sentence's last row and cut it. The reason comes first and the sentence
fits both sizes whole; the name is shortened around an ellipsis, its suffix kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_full_disk_screens import fill_the_disk
from test_sale import enter, open_sale
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.tui.backend import short_name
from serialpos.tui.screens.login import LoginScreen
from serialpos.tui.widgets.message_line import MessageLine

LONG = "serialpos-store-S01-back-office-counter-2026-12-06.sqlite"  # 57 characters
SHORT = "serialpos-store-S01…-06.sqlite"


def test_a_long_name_is_shortened_around_an_ellipsis() -> None:
    assert short_name(LONG) == SHORT and len(SHORT) == 30
    assert short_name("demo.sqlite") == "demo.sqlite"
    assert short_name("a\x1bb.sqlite") == "a\\x1bb.sqlite"  # a control character as \\xNN
    assert short_name("x" * 30) == "x" * 30  # at the limit: whole


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_disk_full_sentence_fits_under_a_long_file_name(
    make_app: MakeApp, demo_url: str, tmp_path: Path, size: tuple[int, int]
) -> None:
    source = Path(demo_url.removeprefix("sqlite:///"))
    (tmp_path / "long").mkdir()
    target = tmp_path / "long" / LONG
    for suffix in ("", "-wal", "-shm"):
        found = source.with_name(source.name + suffix)
        if found.exists():
            shutil.copy(found, target.with_name(target.name + suffix))
    app = make_app(url=f"sqlite:///{target}")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        fill_the_disk(app.database())
        await log_in(pilot, "cashier")
        assert isinstance(app.screen, LoginScreen)
        said = app.screen.query_one(MessageLine).text
        assert said == (
            "✗ the disk is full (or failing): this change was not recorded; free some space "
            f"and try again (cannot write {SHORT})"
        ), said
        shown = screen_text(app)
        assert "".join(said.split()) in "".join(shown.split()), shown  # every word of it


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_sale_refused_on_a_full_disk_fits_a_handhelds_four_rows(
    make_app: MakeApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """Where the walk saw it: the Sale screen, whose message line keeps four rows at 40x16.
    The disk is full as the database layer says it (its DiskFull, naming the file; a real
    full disk under a sale needs a tmpfs: tests/tui/test_full_disk_screens.py)."""
    from serialpos.db.open_errors import disk_full_message
    from serialpos.services import counter_scan
    from serialpos.services.database import DiskFull

    where = tmp_path / LONG

    def full(*_args: object, **_kwargs: object) -> None:
        raise DiskFull(disk_full_message(str(where)), where)

    monkeypatch.setattr(counter_scan, "scan_at_counter", full)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_sale(pilot)
        await enter(pilot, "PH-AUR15")
        said = app.screen.query_one(MessageLine).text
        assert said == (
            "✗ the disk is full (or failing): this change was not recorded; free some space "
            f"and try again (cannot write {SHORT})"
        ), said
        shown = screen_text(app)
        assert "".join(said.split()) in "".join(shown.split()), shown  # every word of it
