"""The drawer and the reads that open a screen: the shift opened and closed, a fulfilment line's
serial entry, an ASN's checklist, a blind draft, the login, a fulfilment; a second submit while
the first one's worker still runs writes nothing and opens nothing, at 80x24 and 40x16.

How each test is made: tests/tui/double_submits.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_helpers import (
    PINS,
    SIZES,
    HeldRead,
    MakeApp,
    async_test,
    open_from_home,
    said,
    settle,
)

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services import (
    blind_receiving,
    orders,
    shifts,
    users,
)
from serialpos.services.context import Actor
from serialpos.tui.screens import receiving
from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.home import HomeScreen
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry
from serialpos.tui.screens.shift import ShiftScreen

from test_fulfilment_screen import (  # isort: skip
    MANAGER,
    NOVA,
    line_serial,
    open_fulfilment,
    waiting_orders,
)
from test_receiving_screen import import_asn  # isort: skip

from double_submits import answer_yes, pressed_again, second_handled, until  # isort: skip


# -- the drawer ------------------------------------------------------------------------------


async def amount(pilot: Pilot[object], text: str) -> None:
    """``text`` typed in the Shift screen's field, and Enter."""
    await pilot.press(*text, "enter")


def shifts_held(db: Database) -> list[tuple[int, bool]]:
    """The demo store's shifts: (number, closed), in order."""
    import sqlalchemy as sa

    from serialpos.db.shift_tables import shift_t

    def read(conn: sa.Connection) -> list[tuple[int, bool]]:
        rows = conn.execute(
            sa.select(shift_t.c.number, shift_t.c.closed_at).order_by(shift_t.c.number)
        )
        return [(int(number), closed is not None) for number, closed in rows]

    return db.read(read)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_float_typed_again_while_the_shift_opens_opens_one_shift(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The float and Enter, typed again while the shift opens: a second open of the drawer
    was sent (the service refused it: shift 1 already open), said with the bell."""
    held = HeldRead(shifts.open_shift)
    monkeypatch.setattr(shifts, "open_shift", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_from_home(pilot, "cashier", "s", ShiftScreen)
        await amount(pilot, "100")
        await pressed_again(pilot, held, *"100", "enter")
        assert app.screen is screen
        assert said(pilot) == "✓ shift 1 open with a float of 100.00", said(pilot)
    assert shifts_held(demo_db) == [(1, False)]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_enter_again_while_the_shift_closes_closes_it_once(
    make_app: MakeApp,
    demo_db: Database,
    outbox_folder: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The count, Enter (asked), Enter (closed), and Enter again while it closes (a
    scanner's second Enter, a key pressed twice): a second close of the drawer was sent (the
    service refused it: no shift open), its refusal said with the bell."""
    held = HeldRead(shifts.close_shift)
    monkeypatch.setattr(shifts, "close_shift", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_from_home(pilot, "cashier", "s", ShiftScreen)
        await amount(pilot, "100")
        await settle(pilot)
        await amount(pilot, "100")  # asked: balances, Enter again to close
        await settle(pilot)
        await pilot.press("enter")  # closed (held)
        await pressed_again(pilot, held, "enter")
        assert app.screen is screen
        assert said(pilot).startswith("✓ shift 1 closed: PDF "), said(pilot)
    assert shifts_held(demo_db) == [(1, True)]


# -- reads that open a screen --------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_enter_twice_on_a_fulfilment_line_opens_one_serial_entry(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter on a line, again while its order is read: two serial entries, one over the
    other."""
    waiting_orders(demo_db)
    held = HeldRead(orders.get_order)
    monkeypatch.setattr(orders, "get_order", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("enter")
        await pressed_again(pilot, held, "enter")
        entries = [s for s in app.screen_stack if isinstance(s, SerialEntry)]
        assert len(entries) == 1 and app.screen is entries[0]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_enter_twice_on_an_asn_opens_one_checklist(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter on an ASN, again while it opens: two checklists of the same ASN."""
    import_asn(demo_db)
    held = HeldRead(receiving.open_asn_session)
    monkeypatch.setattr(receiving, "open_asn_session", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        menu = await open_from_home(pilot, "stockroom", "5", receiving.ReceivingScreen)
        assert menu.asns
        await pilot.press("down", "enter")
        await pressed_again(pilot, held, "enter")
        lists = [s for s in app.screen_stack if isinstance(s, ChecklistScreen)]
        assert len(lists) == 1 and app.screen is lists[0]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_enter_twice_on_a_blind_draft_resumes_it_once(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    outbox_folder: Path,
) -> None:
    """Enter on an unfinished blind receipt, again while it is resumed: two checklists
    appending to the one draft file."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    blind_receiving.open_blind_receipt(
        demo_db,
        Actor("stockroom", Role.STOCKROOM, "T1"),
        "S01",
        "Acme",
        "R9",
        outbox_folder,
        receiving.drafts_folder(),
    )
    held = HeldRead(blind_receiving.resume_blind_receipt)
    monkeypatch.setattr(blind_receiving, "resume_blind_receipt", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        menu = await open_from_home(pilot, "stockroom", "5", receiving.ReceivingScreen)
        assert menu.drafts
        await pilot.press("down", "enter")
        await pressed_again(pilot, held, "enter")
        lists = [s for s in app.screen_stack if isinstance(s, ChecklistScreen)]
        assert len(lists) == 1 and app.screen is lists[0]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_enter_twice_at_the_login_starts_one_session(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter on the PIN, again while it is checked: the second Enter is kept for the menu
    (tui/type_ahead.py), never a second log-in."""
    held = HeldRead(users.login)
    monkeypatch.setattr(users, "login", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press(*"cashier", "tab", *PINS["cashier"], "enter")
        await held.held(pilot)
        await pilot.press("enter")
        await held.let_go(pilot)
        assert held.calls == 1
        assert len([s for s in app.screen_stack if isinstance(s, HomeScreen)]) == 1


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_serial_read_twice_on_a_fulfilment_line_is_recorded_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scanner's second read of a line's serial while the first is recorded: both reach
    the service, which records the serial the line already holds as nothing new (no second
    reservation, nothing journaled; a different serial is refused, serial_recorded). Not
    guarded, on purpose: scans of other lines go on while one is recorded."""
    from serialpos.domain.decoder import decode
    from serialpos.services.lookup import lookup_serial
    from serialpos.tui.messages import ScanRead

    first, _ = waiting_orders(demo_db)
    held = HeldRead(orders.set_serial)
    monkeypatch.setattr(orders, "set_serial", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("p")  # the pending lines: first's phone under the cursor
        await settle(pilot)
        app.post_message(ScanRead(NOVA, "test", decode(NOVA)))
        await held.held(pilot)
        app.post_message(ScanRead(NOVA, "test", decode(NOVA)))
        await until(pilot, lambda: held.calls == 2, "the second read")
        await held.let_go(pilot)
        assert app.screen is screen
        assert said(pilot) == f"✓ {first} line 2: serial {NOVA} recorded", said(pilot)
    assert line_serial(demo_db, first, 2) == NOVA
    [unit] = lookup_serial(demo_db, NOVA)
    assert [event.action for event in unit.events] == ["receive", "reserve"]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_fulfilment_asked_again_while_it_runs_is_made_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F10 and yes again while the fulfilment runs: a second fulfilment of the same order was
    sent; the service refused it (the order fulfilled), and the refusal was said with the
    bell over the first one's invoice."""
    from serialpos.services import orders as orders_service
    from serialpos.services.orders.checkout import add_payment
    from serialpos.services.orders.serials import set_serial

    first, _second = waiting_orders(demo_db)
    view = orders_service.get_order(demo_db, first)
    [nova] = [line for line in view.lines if line.sku == "PH-NOVA7"]
    set_serial(demo_db, MANAGER, first, nova.line, NOVA)
    add_payment(
        demo_db, MANAGER, first, "card", orders_service.get_order(demo_db, first).totals.due
    )
    held = HeldRead(orders_service.fulfil)
    monkeypatch.setattr(orders_service, "fulfil", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("y")
        await held.held(pilot)
        await pilot.press("f10")
        await answer_yes(pilot)
        await second_handled(pilot, held)
        await held.let_go(pilot)
        assert held.calls == 1
        assert app.screen is screen
        invoice = orders_service.get_order(demo_db, first).invoices[0]
        assert said(pilot) == f"✓ {first} fulfilled: invoice {invoice}", said(pilot)
