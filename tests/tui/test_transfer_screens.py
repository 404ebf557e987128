"""Transfers in the console at 80x24 and 40x16: start one, pick units in a continuous loop
(errors said with the bell, a unit taken off again), ship it; at the other store open it from
the incoming list and receive it on the ASN checklist, where a unit not shipped is refused and
a unit not received stays in transit and is reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_helpers import SIZES, MakeApp, async_test, log_in, said, screen_text, settle, shows
from tui_helpers import device_scan as scan
from tui_helpers import paste_into_scan as paste

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.context import Actor
from serialpos.services.lookup import lookup_serial
from serialpos.services.transfers.sending import add_units, create_transfer, ship
from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.screens.transfers import TransferPickScreen, TransfersScreen

PHONES = ["356938030000013", "356938030000021", "356938030000039"]
AT_S02 = "356938030000062"
CLERK = Actor("stockroom", Role.STOCKROOM, "T1")


def where(db: Database, serial: str) -> tuple[str, str]:
    (card,) = lookup_serial(db, serial)
    return card.state, card.store


async def type_in(pilot: Pilot[object], text: str, field: str = "#scan") -> None:
    from textual.widgets import Input

    box = pilot.app.screen.query_one(field, Input)
    box.focus()
    box.value = text
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_start_pick_and_ship_a_transfer(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], outbox_folder: Path
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("6")
        await settle(pilot)
        assert isinstance(app.screen, TransfersScreen)
        await pilot.press("ctrl+n")
        await type_in(pilot, "S01", "#find")
        assert said(pilot) == "✗ a transfer must go to another store"
        await pilot.press("ctrl+n")
        await type_in(pilot, "S02", "#find")
        screen = app.screen
        assert isinstance(screen, TransferPickScreen) and screen.number == "T-S01-000001"
        await type_in(pilot, PHONES[0])
        assert said(pilot) == f"✓ PH-AUR15 {PHONES[0]} ✓ 1 unit"
        await type_in(pilot, "#" * 70)  # garbage: no serial is that long
        assert said(pilot).endswith("is 70 characters long; at most 64 are allowed")
        await type_in(pilot, "")  # seen (kept until then: kept_refusals.py)
        await type_in(pilot, AT_S02)
        assert said(pilot) == f"✗ serial {AT_S02} is in stock at S02, not at S01"
        await type_in(pilot, "")  # seen (kept until then: kept_refusals.py)
        await type_in(pilot, "LT-ZEN14")
        await type_in(pilot, PHONES[1])  # a bare serial finds its own product (was refused)
        assert said(pilot) == f"✓ PH-AUR15 {PHONES[1]} ✓ 2 units"
        await pilot.press("f3")
        await type_in(pilot, PHONES[1])
        assert said(pilot) == f"› {PHONES[1]} taken off · 1 unit"
        await pilot.press("f3")
        await type_in(pilot, "ZB24000101-ZB24000103")  # a range, taken whole
        assert said(pilot) == "✓ 3 serials added from the list · 4 units"
        await paste(pilot, "ZB24000101\nZB24000102")  # pasted again: counted once
        assert (
            said(pilot) == "✗ 0 serials added from the list · 4 units; 2 already on it "
            "(counted once)"
        )
        await scan(pilot, "\x1d\x1d01ABC")  # a scanner's garbage
        assert said(pilot) == "✗ unreadable scan: scan contains control characters"
        await type_in(pilot, "")  # seen (kept until then: kept_refusals.py)
        await scan(pilot, f"0105012345000015\x1d21{PHONES[2]}")  # GS1: product and serial
        assert said(pilot) == f"✓ PH-AUR15 {PHONES[2]} ✓ 5 units"
        await pilot.press("f3")  # take off
        await type_in(pilot, "ZB24000103")
        assert said(pilot) == "› ZB24000103 taken off · 4 units"
        await pilot.press("f3")
        await type_in(pilot, "AC-USBC1")
        await type_in(pilot, "5")
        assert said(pilot) == "✓ AC-USBC1: 5 counted · 9 units in all"
        assert "ZB24000102" in screen_text(app)  # newest first in the list
        assert where(demo_db, PHONES[0]) == ("in_stock", "S01")  # picked, not shipped
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert said(pilot) == "✓ shipped T-S01-000001: 9 units in transit to S02"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TransfersScreen)
        assert "T-S01-000001 → S02 9 in transit" in screen_text(app)
    assert where(demo_db, PHONES[0]) == ("in_transit", "S02")
    assert where(demo_db, "ZB24000103") == ("in_stock", "S01")
    assert (outbox_folder / "transfer_shipment-T-S01-000001.csv").exists()


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_receive_a_transfer_on_the_checklist(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    outbox_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = create_transfer(demo_db, CLERK, "S01", "S02")
    add_units(demo_db, CLERK, made.number, "S01", "PH-AUR15", PHONES[:2])
    ship(demo_db, CLERK, made.number, "S01", outbox_folder)
    monkeypatch.setenv("SERIALPOS_STORE", "S02")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("6")
        await settle(pilot)
        assert f"{made.number} ← S01 2 in transit" in screen_text(app)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)
        await type_in(pilot, PHONES[2])
        assert said(pilot) == f"✗ serial {PHONES[2]} of PH-AUR15 is not on transfer {made.number}"
        await type_in(pilot, PHONES[0])
        # The refusal stays until seen; the good scan is said first (kept_refusals.py).
        assert said(pilot) == (
            f"✓ PH-AUR15 {PHONES[0]}: 1 of 2 "
            f"· before it: ✗ serial {PHONES[2]} of PH-AUR15 is not on transfer {made.number}"
        )
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert "PH-AUR15: 1 of 2 received" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert said(pilot).startswith(f"✓ received 1 unit: {made.number}, 1 difference(s)")
        await pilot.press("escape")
        await settle(pilot)
        assert f"{made.number} ← S01 1 left in transit" in screen_text(app)
        # The unit still in transit is received later on the same checklist (the rest).
        assert said(pilot) == (
            f"› {made.number}: 1 unit left in transit; ↓ to it and Enter (or type its number) "
            "receives the rest"
        )
        await type_in(pilot, made.number, "#find")
        assert isinstance(app.screen, ChecklistScreen)
        assert f"{made.number} from S01 (rest)" in screen_text(app)
        assert app.screen.receiving.checklist.lines["PH-AUR15"].expected == 1
        await pilot.press("escape")
        await settle(pilot)
    assert where(demo_db, PHONES[0]) == ("in_stock", "S02")
    assert where(demo_db, PHONES[1]) == ("in_transit", "S02")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_rest_of_a_received_transfer_is_received_later_in_the_console(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    outbox_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A receipt completed with a unit missing leaves it in transit; when it turns up, Enter
    on the transfer receives the rest (it said only the transfer's state before)."""
    from serialpos.services.transfers import TransferReceiving, get_transfer

    made = create_transfer(demo_db, CLERK, "S01", "S02")
    add_units(demo_db, CLERK, made.number, "S01", "PH-AUR15", PHONES[:2])
    ship(demo_db, CLERK, made.number, "S01", outbox_folder)
    first = TransferReceiving(demo_db, CLERK, "S02", made.number, outbox_folder)
    first.scan("PH-AUR15", PHONES[0])
    first.complete(accept_discrepancies=True)
    monkeypatch.setenv("SERIALPOS_STORE", "S02")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("6")
        await settle(pilot)
        await shows(pilot, f"{made.number} ← S01 1 left in transit", "receives the rest")
        await pilot.press("down", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChecklistScreen), said(pilot)
        await type_in(pilot, PHONES[0])  # received the first time: not in transit any more
        assert said(pilot).startswith(f"✗ serial {PHONES[0]} ")
        await type_in(pilot, "")
        await type_in(pilot, PHONES[1])
        assert said(pilot) == f"✓ PH-AUR15 {PHONES[1]}: 1 of 1 ✓ PH-AUR15 complete"
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert said(pilot).startswith(f"✓ received 1 unit: {made.number}"), said(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TransfersScreen)
    assert where(demo_db, PHONES[1]) == ("in_stock", "S02")
    view = get_transfer(demo_db, made.number)
    assert (view.status, view.in_transit) == ("received", 0)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_cancel_an_open_transfer(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    made = create_transfer(demo_db, CLERK, "S01", "S02")
    add_units(demo_db, CLERK, made.number, "S01", "PH-AUR15", PHONES[:1])
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("f8")  # the list's first row is the one chosen
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert app.screen.question == f"Cancel {made.number} to S02? Its 1 unit stay in stock here."
        await pilot.press("y")
        await settle(pilot)
        assert said(pilot) == f"› cancelled {made.number}: its 1 unit stay in stock here"
        # The list is read again by a worker the cancel's own worker starts (one more turn
        # than settle waits for on a loaded machine): wait until its head is painted.
        await shows(pilot, "S01: 0 going out")
        screen = app.screen
        assert isinstance(screen, TransfersScreen) and screen.items == []
        assert "no transfers: F5/^N starts one" in screen_text(app)
        await pilot.press("f8")
        await settle(pilot)
        assert said(pilot) == "✗ choose an open transfer going out in the list (↓) to cancel it"
    assert where(demo_db, PHONES[0]) == ("in_stock", "S01")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_transfer_not_known_here_may_not_be_synced_yet(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    """A number typed or scanned that this database does not hold: at a till, a transfer
    shipped here comes with the sync, so the answer says so (it said only "there is no
    transfer")."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("6")
        await settle(pilot)
        await type_in(pilot, "T-S02-000042", "#find")
        assert said(pilot) == (
            "✗ there is no transfer 'T-S02-000042'; just shipped here? sync, then open it again"
        )
        # Shown whole, at 40x16 too (the longer sentence was cut before its advice).
        assert "open it" in screen_text(app) and "again" in screen_text(app), screen_text(app)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_scans_of_a_transfer_survive_leaving_and_a_restart(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    outbox_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each scan is saved as it is made: leaving the checklist asks nothing and loses
    nothing, and a console started again (a crash, a dropped SSH link) or another terminal
    opens the transfer with them counted. They were the console's memory only."""
    made = create_transfer(demo_db, CLERK, "S01", "S02")
    add_units(demo_db, CLERK, made.number, "S01", "PH-AUR15", PHONES)
    ship(demo_db, CLERK, made.number, "S01", outbox_folder)
    monkeypatch.setenv("SERIALPOS_STORE", "S02")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("6")
        await settle(pilot)
        await type_in(pilot, made.number, "#find")
        assert isinstance(app.screen, ChecklistScreen)
        await type_in(pilot, PHONES[0])
        await type_in(pilot, PHONES[1])
        assert said(pilot) == f"✓ PH-AUR15 {PHONES[1]}: 2 of 3"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TransfersScreen)  # no "leave without completing?"
        await type_in(pilot, made.number, "#find")
        assert isinstance(app.screen, ChecklistScreen)
        assert app.screen.receiving.checklist.lines["PH-AUR15"].scanned == PHONES[:2]
    again = make_app()  # the console started again on the same database
    async with again.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("6")
        await settle(pilot)
        await type_in(pilot, made.number, "#find")
        screen = again.screen
        assert isinstance(screen, ChecklistScreen)
        assert screen.receiving.checklist.lines["PH-AUR15"].scanned == PHONES[:2]
        assert "2/3 units" in screen_text(again)
        await type_in(pilot, PHONES[0])
        assert said(pilot) == f"✗ serial {PHONES[0]} was already scanned (counted once)"
        await type_in(pilot, PHONES[2])
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert said(pilot).startswith(f"✓ received 3 units: {made.number}"), said(pilot)
    assert [where(demo_db, p) for p in PHONES] == [("in_stock", "S02")] * 3
