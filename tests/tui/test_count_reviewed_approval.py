"""A count is approved as its manager reviewed it, at 80x24 and 40x16: a scan taken on
another terminal between the review and the second F9 (a serial typed wrong, made a new
unit) is not posted under a confirmation that never showed it; the review is read again, the
refusal names the scan, and the next approval posts what is now shown."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from test_counts_screen import IN_STOCK, enter, message, open_counts, unit_state
from tui_helpers import SIZES, MakeApp, async_test, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.context import Actor
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.scanning import scan
from serialpos.services.counts.views import get_count

TYPED_WRONG = "ZB24000199"  # a LT-ZEN14 serial the demo does not know: a new unit if posted


def _unit_exists(db: Database, serial: str) -> bool:
    return bool(
        db.read(
            lambda conn: conn.execute(
                sa.text("SELECT count(*) FROM serial_unit WHERE serial = :s"), {"s": serial}
            ).scalar_one()
        )
    )


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_after_the_review_is_not_approved_unseen(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], outbox_folder: Path
) -> None:
    who = Actor("stockroom", Role.STOCKROOM, "T2")
    number = open_count(demo_db, who, "S01", products=["PH-AUR15", "LT-ZEN14"]).number
    start_batch(demo_db, who, number, "Ann")
    scan(demo_db, who, number, 1, sku="PH-AUR15", serial=IN_STOCK)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_counts(pilot, "manager")
        await enter(pilot, screen, "")  # resume the count
        await pilot.press("f6")
        await settle(pilot)
        assert screen.result is not None and screen.result.never_seen == ()
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert "adds 0" in message(screen)
        # Ann, still counting on her handheld, types a laptop's serial one digit wrong.
        scan(demo_db, who, number, 1, sku="LT-ZEN14", serial=TYPED_WRONG)
        await pilot.press("ctrl+f")
        await settle(pilot)
        said = message(screen)
        assert said.startswith(f"✗ count {number} was counted further after you reviewed it")
        assert f"LT-ZEN14 {TYPED_WRONG}" in said and "Nothing posted" in said
        assert not _unit_exists(demo_db, TYPED_WRONG)
        assert unit_state(demo_db, "356938030000021") == "in_stock"  # not written off
        assert get_count(demo_db, number).status == "open"
        # The review shown is the count as it is now: the new serial is there to judge.
        assert [u.serial for u in screen.result.never_seen] == [TYPED_WRONG]
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert "adds 1" in message(screen)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert message(screen).startswith(f"✓ {number} approved: ")
    assert unit_state(demo_db, TYPED_WRONG) == "in_stock"  # seen, then approved
