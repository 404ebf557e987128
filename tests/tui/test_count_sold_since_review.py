"""A count approved after one of its missing units was sold, at 80x24 and 40x16: the
question said "writes off N" from the review, approval rightly writes off N-1 (the sold unit
is not in stock to write off), and the result says so, naming the unit. It said "N-1 written
off" as though that were what had been asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_counts_screen import IN_STOCK, enter, message, open_counts, unit_state
from tui_helpers import SIZES, MakeApp, async_test, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.context import Actor
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.scanning import scan

SOLD_SINCE = "356938030000021"  # a PH-AUR15 in stock at S01, missing from the count


def _sell(db: Database, serial: str) -> None:
    from serialpos.services.orders.checkout import fulfil
    from serialpos.services.orders.header import open_order
    from serialpos.services.orders.lines import add_item

    cashier = Actor("cashier", Role.CASHIER, "T1")
    order = open_order(db, cashier, "S01").order
    add_item(db, cashier, order, sku="PH-AUR15", serial=serial)
    fulfil(db, cashier, order, settle_in="cash")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_missing_unit_sold_after_the_review_is_named_in_the_approval(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], outbox_folder: Path
) -> None:
    who = Actor("stockroom", Role.STOCKROOM, "T2")
    number = open_count(demo_db, who, "S01", products=["PH-AUR15"]).number
    start_batch(demo_db, who, number, "Ann")
    scan(demo_db, who, number, 1, sku="PH-AUR15", serial=IN_STOCK)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_counts(pilot, "manager")
        await enter(pilot, screen, "")  # resume the count
        await pilot.press("f6")
        await settle(pilot)
        assert screen.result is not None
        asked = len(screen.result.missing)
        assert SOLD_SINCE in [u.serial for u in screen.result.missing]
        _sell(demo_db, SOLD_SINCE)  # at the counter, after the review
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert f"writes off {asked}," in message(screen)
        await pilot.press("ctrl+f")
        await settle(pilot)
        said = message(screen)
        assert f"{number} approved: {asked - 1} written off" in said, said
        assert f"asked {asked} and 0" in said, said
        assert f"1 unit not written off, moved in the ledger (PH-AUR15 {SOLD_SINCE})" in said
    assert unit_state(demo_db, SOLD_SINCE) == "sold"
