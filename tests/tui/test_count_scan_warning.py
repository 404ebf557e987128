"""A count at the console (80x24 and 40x16), scans sent as a scanner sends them: a unit the
ledger has sold, expected (on an ASN not received) or at another store was shown ✓ and
explained only at review, so the clerk walked on believing it fine. Its scan now says so at
once, with the bell, kept like a refusal until seen; the batch list marks it ⚠; and the
review's Elsewhere row names its product at both widths. A quantity past the limit of one
product's count is refused at the entry, naming the product."""

from __future__ import annotations

import pytest
from scan_bursts import ARRIVALS, scanner_types
from tui_helpers import SIZES, KeyClock, MakeApp, async_test, settle, shows

from serialpos.db.engine import Database
from serialpos.domain.events import DocumentRef
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import ledger
from serialpos.services.context import Actor
from serialpos.services.counts.reconciling import reconcile
from serialpos.services.counts.views import get_count
from serialpos.tui.screens.serial_mode import Confirm

from test_counts_screen import (  # isort: skip
    AT_S02,
    IN_STOCK,
    count_whole_store,
    enter,
    message,
    open_counts,
)

SOLD = "ZB24000101"  # an LT-ZEN14 unit at S01 in the demo, sold below
EXPECTED = "356938039999991"  # a PH-AUR15 unit on an ASN not received yet


def _sell_and_expect(db: Database) -> None:
    who = Actor("cashier", Role.ADMIN, "T1")
    ledger.move(
        db,
        who,
        Action.SELL,
        store="S01",
        sku="LT-ZEN14",
        serials=[SOLD],
        document=DocumentRef("order", "S01-000003"),
    )
    ledger.move(
        db,
        who,
        Action.EXPECT,
        store="S01",
        sku="PH-AUR15",
        serials=[EXPECTED],
        document=DocumentRef("asn", "ASN-9"),
    )


WARNED = "counted as found on the shelf; review before approving"


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_sold_expected_or_other_store_unit_is_said_at_once_and_kept(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    arrival: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _sell_and_expect(demo_db)
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        rung: list[int] = []
        monkeypatch.setattr(app, "bell", lambda: rung.append(1))
        screen = await count_whole_store(pilot, "Ann")
        await scanner_types(pilot, clock, f"{SOLD}\r{EXPECTED}\r{AT_S02}\r{IN_STOCK}\r", arrival)
        assert [(k.kind, k.message) for k in screen.kept] == [
            ("warn", f"{SOLD} is sold (order S01-000003): {WARNED}"),
            # The serials of another product than the one a scan chose keep it selected.
            ("warn", f"{EXPECTED} is expected at S01 (ASN-9): {WARNED} (LT-ZEN14 stays selected)"),
            ("warn", f"{AT_S02} is in stock at S02: {WARNED} (LT-ZEN14 stays selected)"),
        ]
        assert len(rung) == 3  # the bell for each, none for the unit in stock here
        said = message(screen)
        # The newest scan's answer first, the three kept after it, newest first.
        assert said.startswith(f"✓ {IN_STOCK} counted as PH-AUR15"), said
        assert "· before it: 3 to see (F7 lists them), newest first: " in said, said
        assert said.index(AT_S02) < said.index(EXPECTED) < said.index(SOLD), said
        listed = screen.listing.visible_text()  # newest first; a handheld shows two
        assert f"✓ PH-AUR15 {IN_STOCK}" in listed or f"✓ {IN_STOCK}" in listed
        assert f"⚠ PH-AUR15 {AT_S02} in stock" in listed or f"⚠ {AT_S02} in stock" in listed
        assert [(sku, what, flag) for sku, what, _o, flag in screen.scan_log] == [
            ("PH-AUR15", IN_STOCK, ""),
            ("PH-AUR15", AT_S02, "in_stock"),
            ("PH-AUR15", EXPECTED, "expected"),
            ("LT-ZEN14", SOLD, "sold"),
        ]
        await pilot.press("f7")  # listed whole, oldest first
        await settle(pilot)
        await shows(pilot, f"1. ⚠ {SOLD} is sold (order", "3 scans to see")
        await pilot.press("enter")
        await settle(pilot)
        assert not screen.kept
        await pilot.press("f6")
        await settle(pilot)
        assert screen.stage == "review" and screen.result is not None
        await pilot.press("right", "right")  # Missing -> Never seen -> Elsewhere
        await settle(pilot)
        rows = screen.listing.visible_text()
        assert "Elsewhere (3)" in rows
        # The sold unit's row names its product at both widths (a handheld's named none).
        lines = rows.splitlines()
        assert lines[1].startswith(f"LT-ZEN14 {SOLD}") and "sold" in lines[1]
        assert lines[2].startswith(f"PH-AUR15 {AT_S02}") and "in stock" in lines[2]
        assert screen.count is not None
    result = reconcile(demo_db, screen.count.number)
    assert {(e.serial, e.state, e.action) for e in result.elsewhere} == {
        (SOLD, "sold", "leave"),
        (EXPECTED, "expected", "leave"),
        (AT_S02, "in_stock", "leave"),
    }


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_quantity_past_the_limit_is_refused_naming_the_product(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_counts(pilot, "stockroom")
        await enter(pilot, screen, "")
        await enter(pilot, screen, "Ann")
        await enter(pilot, screen, "5012345000077")  # a cable: one counted
        await enter(pilot, screen, "+999999")
        assert isinstance(app.screen, Confirm)  # so many: asked first (unlikely_quantity)
        await pilot.press("y")
        await settle(pilot)
        assert "AC-USBC1: +999999, 1000000 in batch 1" in message(screen)
        await enter(pilot, screen, "+1")
        assert screen.kept and screen.kept[-1].kind == "error"
        assert message(screen) == (
            "✗ AC-USBC1: 1,000,000 counted in C-S01-000001, +1 would pass the limit of "
            "1,000,000 for one product: not counted"
        )
        await shows(pilot, "AC-USBC1: 1,000,000 counted")
    assert [b.scans for b in get_count(demo_db, "C-S01-000001").batches] == [1_000_000]
