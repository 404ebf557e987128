"""The console on a store terminal (issue 16), driven by Pilot at 80x24 and 40x16 against a
real ``serialpos serve``: a counter sale is one journal entry, pushed at once and answered by
central before the receipt is printed; the same unit sold at another till meanwhile is a
conflict the cashier hears and reads; the link line says OFFLINE with the entries waiting
while central cannot be reached, and ONLINE once they are through."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from terminal_chain import Chain, Terminal
from textual.pilot import Pilot
from textual.widgets import Input

sys.path.insert(0, str(Path(__file__).parents[1] / "tui"))
sys.path.insert(0, str(Path(__file__).parents[1]))

from link_gate import Gate
from tui_helpers import SIZES, async_test, log_in, screen_text, settle

from escpos_standin import TcpPrinter
from serialpos.cli.context import CliState
from serialpos.tui.app import SerialposApp
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.tender import Tender
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.status_line import StatusLine


def _console(
    till: Terminal, monkeypatch: pytest.MonkeyPatch, *, server: str, printer: int | None = None
) -> SerialposApp:
    """The till's console as its cashier starts it: its own config (the chain's server given
    as ``server``, a receipt printer when asked), no ``--db``."""
    text = till.config.read_text()
    lines = [
        f'server = "{server}"' if line.startswith("server = ") else line
        for line in text.splitlines()
    ]
    if printer is not None and "[receipt_printer]" not in text:
        lines += [
            "",
            "[receipt_printer]",
            'connection = "network"',
            'host = "127.0.0.1"',
            f"port = {printer}",
            "timeout = 2",
        ]
    till.config.write_text("\n".join(lines) + "\n")
    for key, value in till.env.items():
        if key.startswith(("SERIALPOS_", "XDG_")):
            monkeypatch.setenv(key, value)
    for key in ("SERIALPOS_CONFIG", "SERIALPOS_DB", "SERIALPOS_USER"):
        monkeypatch.delenv(key, raising=False)
    state = CliState(config_path=str(till.config))
    state.in_console = True
    app = SerialposApp(state)
    app.sync_interval = 3600.0  # rounds only when the test asks (one runs at login)
    return app


async def _sell(pilot: Pilot[object], serial: str) -> str:
    """Scan a unit's serial into a new sale and take cash; what the message line says."""
    if not isinstance(pilot.app.screen, SaleScreen):
        await pilot.press("3")
        await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SaleScreen)
    field = screen.query_one("#scan", Input)
    field.focus()
    field.value = serial
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("f9")
    await settle(pilot)
    if isinstance(pilot.app.screen, Tender):
        await pilot.press("enter")
        await settle(pilot)
    return pilot.app.screen.query_one(MessageLine).text


def _link_line(app: SerialposApp) -> str:
    return app.screen.query_one(StatusLine).plain.splitlines()[-1]


async def _round(pilot: Pilot[object]) -> None:
    app = pilot.app
    assert isinstance(app, SerialposApp)
    app.sync_round()
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_console_sale_reaches_central_before_its_receipt(
    chain: Chain, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    tag = f"{size[0]}"
    serial = f"CON-{tag}"
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    till = chain.terminal(f"con{tag}")
    printer = TcpPrinter()
    app = _console(till, monkeypatch, server=chain.server.base, printer=printer.port)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "mia", "1234")
        assert "ONLINE" in _link_line(app)
        said = await _sell(pilot, serial)
        assert "central accepted" in said, said
        assert "ONLINE" in _link_line(app) and "0 waiting" in _link_line(app)
    printer.close()
    [entry] = till.query("SELECT line, state FROM journal_entry")
    line = json.loads(entry[0])
    assert entry[1] == "accepted" and line["op"] == "order_create"
    number = line["numbers"]["order"]
    assert number.startswith(f"S1-CON{tag}-")
    assert chain.scalar("SELECT status FROM sale_order WHERE number = :n", n=number) == (
        "fulfilled"
    )
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=serial) == "sold"
    assert line["numbers"]["invoice"].encode() in bytes(printer.received)  # the receipt


@async_test
async def test_two_tills_one_unit_through_the_console(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "CON-2T"})[0]["ok"]
    first, second = chain.terminal("con2a"), chain.terminal("con2b")
    app = _console(second, monkeypatch, server=chain.server.base)
    rang: list[bool] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.bell = lambda: rang.append(True)  # type: ignore[method-assign]
        await log_in(pilot, "mia", "1234")  # its first round: the unit is in stock here
        # Meanwhile the other till sells the unit and central accepts it.
        [sold] = first.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "CON-2T"})
        assert sold["ok"] and first.sync()["accepted"] == 1
        said = await _sell(pilot, "CON-2T")
        assert "CONFLICT at central" in said and "recorded as conflict" in said, said
        assert rang
    [(state,)] = second.query("SELECT state FROM journal_entry")
    assert state == "conflict"
    [conflict] = [
        c
        for c in json.loads(chain.central("conflicts", "list", "--json").stdout)
        if c["serial"] == "CON-2T"
    ]
    assert (conflict["terminal"], conflict["sku"]) == ("con2b", "PH1")
    assert (
        chain.scalar(
            "SELECT count(*) FROM ledger_event WHERE serial = 'CON-2T' AND action = 'sell'"
        )
        == 1
    )


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_link_line_offline_and_back(
    chain: Chain, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    serial = f"CON-L{size[0]}"
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    till = chain.terminal(f"conl{size[0]}")
    gate = Gate(int(chain.server.base.rsplit(":", 1)[1]))
    app = _console(till, monkeypatch, server=gate.url)
    try:
        async with app.run_test(size=size) as pilot:
            await log_in(pilot, "mia", "1234")
            assert "ONLINE" in _link_line(app)
            gate.down()  # as if the server were stopped
            await _round(pilot)
            assert "OFFLINE" in _link_line(app)
            said = await _sell(pilot, serial)
            assert "offline: kept" in said, said
            line = _link_line(app)
            assert line.startswith("OFFLINE") and "1 waiting" in line, line
            assert "OFFLINE" in screen_text(app)
            assert chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=serial) == (
                "in_stock"
            )
            gate.up()
            await _round(pilot)
            line = _link_line(app)
            assert line.startswith("ONLINE") and "0 waiting" in line, line
    finally:
        gate.down()
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=serial) == "sold"
    audits = till.query("SELECT action FROM user_audit ORDER BY id")
    assert [a for (a,) in audits if a in ("went_offline", "back_online")] == [
        "went_offline",
        "back_online",
    ]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_link_line_names_a_revoked_token(
    chain: Chain, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """A till whose token was revoked is not offline: central answered and refused it. The
    link line says REFUSED and why, at 40 columns too (it said ``OFFLINE 1 waiting <1m``,
    the reason dropped for want of room: the cashier waited for a link that was up)."""
    from serialpos.services import tokens, users

    serial = f"CON-R{size[0]}"
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    till = chain.terminal(f"conr{size[0]}")
    app = _console(till, monkeypatch, server=chain.server.base)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "mia", "1234")
        assert "ONLINE" in _link_line(app)
        ada = users.actor_for(chain.server.db, "ada", "setup")
        tokens.revoke_token(chain.server.db, ada, till.token_name)
        await _sell(pilot, serial)
        await _round(pilot)
        line = _link_line(app)
        assert line.startswith("REFUSED") and "token revoked" in line, line
        assert len(line) <= size[0]
        assert "revoked" in screen_text(app)
    assert till.status()["pending"] == 1  # nothing lost: the sale waits for a token
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=serial) == "in_stock"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_link_line_says_central_behind_after_a_sale_too(
    chain: Chain, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """Central answers but is behind the till (restored from an older backup): the line
    says REFUSED and why from the console's start, and still after a sale — the sale's
    answer used to redraw it ``OFFLINE``, the state as recorded, as ``terminal status``
    said ``"link": "offline"``."""
    import sqlalchemy as sa

    serial = f"CON-B{size[0]}"
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    till = chain.terminal(f"conb{size[0]}")
    engine = sa.create_engine(till.db_url)  # as if central lost its newest events
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE sync_state SET value = '99999999' WHERE key = 'feed_after'")
            )
    finally:
        engine.dispose()
    assert till.cli("sync", check=False).returncode == 1  # found behind before the console
    assert till.status()["link"] == "refused"
    app = _console(till, monkeypatch, server=chain.server.base)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "mia", "1234")
        line = _link_line(app)
        assert line.startswith("REFUSED") and "central behind" in line, line
        said = await _sell(pilot, serial)
        assert "central is behind this till" in said and "terminal resend" in said, said
        line = _link_line(app)
        assert line.startswith("REFUSED") and "central behind" in line, line
        assert len(line) <= size[0]
    status = till.status()  # nothing sent to a central behind the till, nothing lost
    assert (status["pending"], status["link"]) == (1, "refused")
    assert status["link_refusal"]["code"] == "central_behind"
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=serial) == "in_stock"
