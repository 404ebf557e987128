"""The Conflicts screen on a store terminal's console (issue 16, item 4), driven by Pilot at
80x24 and 40x16 against a real ``serialpos serve``: a manager at a till opens Admin, which
offers Conflicts only there (users, settings and stores are central's); the screen reads the
store's conflicts at central and resolves them there, as that manager. Offline it says so,
lists the till's own conflicts from its journal, and a resolution changes nothing."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from api_serving import free_port
from terminal_chain import Chain
from test_console_terminal import _console

sys.path.insert(0, str(Path(__file__).parents[1] / "tui"))

from tui_helpers import SIZES, async_test, log_in, screen_text, settle

from serialpos.tui.screens.admin import AdminScreen
from serialpos.tui.screens.conflicts import OFFLINE_LINE, ConflictsScreen
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.message_line import MessageLine


def _status(chain: Chain, serial: str) -> tuple[int, str, str | None]:
    with chain.server.db.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT id, status, resolved_by FROM sync_conflict WHERE serial = %(s)s",
            {"s": serial},
        ).one()
    return int(row[0]), str(row[1]), row[2]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_manager_at_a_till_resolves_a_conflict_at_central(
    chain: Chain, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    serial = f"CF-{size[0]}"
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    first, second = chain.terminal(f"cfa{size[0]}"), chain.terminal(f"cfb{size[0]}")
    sell = {"op": "sell", "store": "S1", "sku": "PH1", "serial": serial}
    first.apply(sell)
    second.apply(sell)
    assert first.sync()["accepted"] == 1 and second.sync()["conflicts"] == 1
    conflict, status, _by = _status(chain, serial)
    assert status == "open"

    # Offline: the screen says so, shows the till's own conflict, and refuses to resolve.
    app = _console(second, monkeypatch, server=f"http://127.0.0.1:{free_port()}")
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "mia", "1234")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AdminScreen)
        shown = screen_text(app)
        assert "Conflicts" in shown and "Users" not in shown and "Store settings" not in shown
        await pilot.press("s")  # a section of central's: said, not opened
        await settle(pilot)
        assert isinstance(app.screen, AdminScreen)
        assert "central's" in app.screen.query_one(MessageLine).text
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        shown = screen_text(app)
        assert "OFFLINE" in shown and f"#{conflict}" in shown, shown
        rows = [o.prompt.plain for o in app.screen.query_one("#rows").options]  # type: ignore[attr-defined]
        assert rows[0] == OFFLINE_LINE and any(serial in r for r in rows[1:])
        # The cursor starts on the conflict, not on the OFFLINE line (F6 said "no conflict
        # chosen" until Down was pressed).
        assert app.screen.query_one("#rows").highlighted == 1  # type: ignore[attr-defined]
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)  # asked first, as at central
        await pilot.press("enter")
        await settle(pilot)
        said = app.screen.query_one(MessageLine).text
        assert "OFFLINE: central cannot be reached" in said and "nothing changed" in said, said
    assert _status(chain, serial)[1] == "open"

    # Online: central's conflicts of the store; F6 returns the unit there, as mia.
    app = _console(second, monkeypatch, server=chain.server.base)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "mia", "1234")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        rows = [o.id for o in app.screen.query_one("#rows").options]  # type: ignore[attr-defined]
        assert str(conflict) in rows and "OFFLINE" not in screen_text(app)
        app.screen.query_one("#rows").highlighted = rows.index(str(conflict))  # type: ignore[attr-defined]
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        question = " ".join(re.sub("[\u2500-\u259f]", " ", screen_text(app)).split())
        assert f"for conflict #{conflict} (at central)?" in question, question
        await pilot.press("enter")
        await settle(pilot)
        said = app.screen.query_one(MessageLine).text
        assert said == f"✓ conflict {conflict}: returned to stock at central", said
    assert _status(chain, serial)[1:] == ("resolved", "mia")
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=serial) == "in_stock"
    chain.check_clean()


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_conflict_on_a_till_names_the_quantities_put_back(
    chain: Chain, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """A sale of a phone (sold at another till first) and a cable is a conflict: the till's
    cable went back on its stock, and the Conflicts screen says so under the conflict, online
    (central's list, with the till's own put-back) and offline (from its journal)."""
    serial = f"CQ-{size[0]}"
    done = chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": serial},
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 3},
    )
    assert all(r["ok"] for r in done), done
    first, second = chain.terminal(f"cqa{size[0]}"), chain.terminal(f"cqb{size[0]}")
    first.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": serial})
    [made] = second.apply(
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": "PH1", "serial": serial}, {"sku": "CAB", "quantity": 1}],
            "fulfil": True,
            "payments": [{"method": "cash", "amount": "5000.00"}],
        }
    )
    assert first.sync()["accepted"] == 1 and second.sync()["conflicts"] == 1
    said = f"put back here: CAB +1 at S1 ({made['order']})"
    for server in (chain.server.base, f"http://127.0.0.1:{free_port()}"):
        app = _console(second, monkeypatch, server=server)
        async with app.run_test(size=size) as pilot:
            await log_in(pilot, "mia", "1234")
            await pilot.press("a")
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            assert isinstance(app.screen, ConflictsScreen)
            rows = [o.prompt.plain for o in app.screen.query_one("#rows").options]  # type: ignore[attr-defined]
            mine = [r for r in rows if serial in r]
            assert len(mine) == 1 and said in mine[0], (server, rows)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_manager_at_a_cashiers_till_is_told_the_token_lacks_the_right(
    chain: Chain, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """Mia (a manager) logs in at a till set up with carl's (a cashier's) token and resolves
    a conflict: central refuses, and the message line says, whole at 40x16 too, that the
    till's token lacks the right (not mia) and what to do. It said "this terminal's token
    (user carl) may not act for mia, whose role may do more", as if mia were refused."""
    serial = f"CT-{size[0]}"
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    first, carls = chain.terminal(f"cta{size[0]}"), chain.terminal(f"ctb{size[0]}", user="carl")
    sell = {"op": "sell", "store": "S1", "sku": "PH1", "serial": serial}
    first.apply(sell)
    carls.cli("--user", "carl", "apply", "-", stdin=json.dumps(sell) + "\n")
    assert first.sync()["accepted"] == 1 and carls.sync()["conflicts"] == 1
    conflict = _status(chain, serial)[0]

    app = _console(carls, monkeypatch, server=chain.server.base)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "mia", "1234")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        rows = [o.id for o in app.screen.query_one("#rows").options]  # type: ignore[attr-defined]
        app.screen.query_one("#rows").highlighted = rows.index(str(conflict))  # type: ignore[attr-defined]
        await pilot.press("f5", "enter")  # accept, and yes
        await settle(pilot)
        said = app.screen.query_one(MessageLine).text
        assert said == (
            "✗ central refused: this till's token (carl, cashier) may not resolve conflicts; "
            "mia may: do it at central, or give the till a manager's token"
        ), said
        shown = " ".join(screen_text(app).split())
        assert "give the till a manager's token" in shown, shown  # read whole on screen
    assert _status(chain, serial)[1] == "open"
