"""A till's offline sale is dated at central by the till's time of the act (issue 16): a
sale rung up offline at 23:50 and synced after midnight stays on the day it was made in
central's sales report, as in the till's own; central's own records (the ledger event, the
order's last change) keep central's clock. A till's clock far ahead is not believed: the sale
is dated at central's time and the verdict says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from terminal_chain import Chain, till_db

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.services.context import Actor
from serialpos.services.orders import NewOrder, add_item, fulfil
from serialpos.terminal.journaled import journaled_object

#: The rooms that stamp a sale's times on the till: the order (header, work), its invoice
#: and payments (checkout), and its journal entry.
_CLOCKS = (
    "serialpos.services.orders.header.utcnow",
    "serialpos.services.orders.work.utcnow",
    "serialpos.services.orders.checkout.utcnow",
    "serialpos.terminal.journaled.utcnow",
)


def _set_clock(monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
    for where in _CLOCKS:
        monkeypatch.setattr(where, lambda: at, raising=False)


def _counter_sale(db: Database, mia: Actor, serial: str) -> str:
    added = add_item(db, mia, None, sku="PH1", serial=serial, start=NewOrder("S1"))
    return fulfil(db, mia, added.order.order, payments=[("cash", Decimal("999"))]).invoice


def _sales_on(chain: Chain, day: str) -> set[str]:
    done = chain.central("report", "sales", "--from", day, "--to", day, "--json", user="mia")
    return {row["invoice"] for row in json.loads(done.stdout)}


def test_an_offline_sale_stays_on_the_day_the_till_made_it(
    chain: Chain, opened: list[Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    serials = ["DAY-1", "DAY-2"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    till = chain.terminal("till-day")
    db, mia = till_db(till, opened)
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    _set_clock(monkeypatch, datetime.combine(yesterday, time(23, 50)))
    counter = _counter_sale(db, mia, "DAY-1")  # an order at central (one by one)
    plain = journaled_object(till.name)(
        db, mia, {"op": "sell", "store": "S1", "sku": "PH1", "serial": "DAY-2", "payment": "cash"}
    )  # a plain sale (central writes a run of those set-based)
    assert plain["ok"], plain
    monkeypatch.undo()

    report = till.sync()  # after midnight: central's clock says today
    assert (report["accepted"], report["conflicts"], report["refused"]) == (2, 0, 0)
    mine = {counter, plain["invoice"]}
    assert _sales_on(chain, yesterday.isoformat()) >= mine
    for invoice in mine:
        issued = chain.scalar("SELECT issued_at FROM invoice WHERE number = :n", n=invoice)
        assert issued == datetime.combine(yesterday, time(23, 50))
        paid = chain.scalar(
            "SELECT min(p.at) FROM order_payment p JOIN invoice i ON i.id = p.invoice_id "
            "WHERE i.number = :n",
            n=invoice,
        )
        assert paid == datetime.combine(yesterday, time(23, 50))
    # The entry carried the till's time of the act.
    line = json.loads(db.read(journal.entries)[0].line)
    assert line["journal"]["at"] == f"{yesterday.isoformat()}T23:50:00Z"
    # Central's own records keep its clock: the ledger's sale events are today's.
    sold_on = chain.scalar(
        "SELECT min(at) FROM ledger_event WHERE action = 'sell' AND serial IN ('DAY-1', 'DAY-2')"
    )
    assert sold_on.date() >= today
    till.check_clean()
    chain.check_clean()


def test_a_till_clock_far_ahead_is_dated_at_centrals_time_and_said(
    chain: Chain, opened: list[Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "AHEAD-1"})[0]["ok"]
    till = chain.terminal("till-ahead")
    db, mia = till_db(till, opened)
    ahead = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=3)
    _set_clock(monkeypatch, ahead)
    invoice = _counter_sale(db, mia, "AHEAD-1")
    monkeypatch.undo()
    before = datetime.now(UTC).replace(tzinfo=None)
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0)
    issued = chain.scalar("SELECT issued_at FROM invoice WHERE number = :n", n=invoice)
    assert before - timedelta(seconds=1) <= issued <= datetime.now(UTC).replace(tzinfo=None)
    [entry] = db.read(journal.entries)
    answer = json.loads(entry.answer or "{}")
    assert answer["ok"] and any("clock was 3 days ahead" in w for w in answer["warnings"])
    [said] = report["warnings"]  # the run says it (on stderr too), and goes on
    assert said.startswith("journal entry 1: central: the till's clock was 3 days ahead")
