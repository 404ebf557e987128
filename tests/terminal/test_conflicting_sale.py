"""A till's sale with one conflicting line (issue 16, new-user walk): till A sold a unit
offline, till B sold the same unit and another in one order. Central applies B's sale whole
or not at all, so none of it stands there: the conflict says all it held (each line, the
tenders, the total taken) and that the whole sale was not recorded because of which unit,
on central and on the till; ``record_sale`` records the rest with the money, the
conflicting line left open and paid. Real ``serialpos serve`` on PostgreSQL."""

from __future__ import annotations

import json
import re
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from terminal_chain import Chain, Terminal, till_db
from test_console_terminal import _console

sys.path.insert(0, str(Path(__file__).parents[1] / "tui"))

from tui_helpers import HANDHELD, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services import not_taken, products, users
from serialpos.services.orders import NewOrder, add_item, fulfil
from serialpos.tui.screens.conflicts import ConflictsScreen
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.message_line import MessageLine

PRICE = Decimal("418.80")


@pytest.fixture(scope="module")
def priced(chain: Chain) -> str:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="CSP", name="Phone CS", serial_mode="required", price=PRICE
    )
    return "CSP"


def _receive(chain: Chain, sku: str, *serials: str) -> None:
    for serial in serials:
        assert chain.post({"op": "receive", "store": "S1", "sku": sku, "serial": serial})[0]["ok"]


def _two_tills(
    chain: Chain, sku: str, opened: list[Database], tag: str
) -> tuple[Terminal, str, str, int]:
    """A sells ``tag``-034 offline; B sells it and ``tag``-042 in one order, paid 837.60
    in cash. A syncs, then B: (B, B's order, its invoice, the conflict's number)."""
    lost, other = f"{tag}-034", f"{tag}-042"
    _receive(chain, sku, lost, other)
    a, b = chain.terminal(f"{tag.lower()}-a"), chain.terminal(f"{tag.lower()}-b")
    assert a.apply({"op": "sell", "store": "S1", "sku": sku, "serial": lost})[0]["ok"]
    db, mia = till_db(b, opened)
    first = add_item(db, mia, None, sku=sku, serial=lost, start=NewOrder("S1"))
    add_item(db, mia, first.order.order, sku=sku, serial=other)
    done = fulfil(db, mia, first.order.order, payments=[("cash", Decimal("837.60"))])
    assert a.sync()["accepted"] == 1
    report = b.sync()
    assert (report["accepted"], report["conflicts"]) == (0, 1), report
    number = int(chain.scalar("SELECT max(id) FROM sync_conflict"))
    return b, first.order.order, done.invoice, number


def _not_recorded(c: dict[str, Any]) -> dict[str, Any]:
    return dict(c["not_recorded"])


def test_the_conflict_names_the_whole_sale_not_recorded(
    chain: Chain, priced: str, opened: list[Database]
) -> None:
    b, order, invoice, number = _two_tills(chain, priced, opened, "NR")
    assert chain.scalar("SELECT count(*) FROM sale_order WHERE number = :n", n=order) == 0
    shown = json.loads(chain.central("conflicts", "show", str(number), "--json").stdout)
    assert shown["serial"] == "NR-034"
    missing = _not_recorded(shown)
    assert missing["lines"] == [
        {"sku": priced, "serial": "NR-034", "quantity": 1, "price": "418.80", "discount": None},
        {"sku": priced, "serial": "NR-042", "quantity": 1, "price": "418.80", "discount": None},
    ]
    assert missing["payments"] == [{"method": "cash", "amount": "837.60"}]
    assert (missing["taken"], missing["conflicting"]) == ("837.60", [1])
    assert missing["order_discount"] is None
    assert (missing["order"], missing["invoice"]) == (order, invoice)
    words = chain.central("conflicts", "show", str(number)).stdout
    assert (
        f"NOT RECORDED: the whole sale {order} (invoice {invoice}) was not recorded at "
        "central: NR-034 was not in stock here for it; not recorded: 2 lines, 837.60 taken "
        "(cash 837.60)"
    ) in " ".join(words.split())
    assert f"* {priced} NR-034 x1 at 418.80" in words
    assert f"- {priced} NR-042 x1 at 418.80" in words
    # The till says the same, from central and from its own journal.
    on_till = b.cli("conflicts", "show", str(number)).stdout
    assert "NOT RECORDED: the whole sale" in on_till and "NR-042 x1 at 418.80" in on_till
    [own] = [
        json.loads(answer)["conflict"]
        for (answer,) in b.query("SELECT answer FROM journal_entry WHERE state = 'conflict'")
    ]
    assert _not_recorded(own)["taken"] == "837.60"


def test_record_sale_records_the_rest_and_the_money(
    chain: Chain, priced: str, opened: list[Database]
) -> None:
    b, order, invoice, number = _two_tills(chain, priced, opened, "RS")
    [(line,)] = b.query("SELECT line FROM journal_entry WHERE state = 'conflict'")
    made = json.loads(line)["journal"]["at"]
    till, _mia = till_db(b, opened)
    assert till.read(not_taken.documents) == (invoice,)  # not taken: left out of its reports
    time.sleep(1.1)  # the resolution comes later than the sale: dated as the sale
    done = chain.central(
        "conflicts", "resolve", str(number), "--by", "record_sale", user="ada"
    ).stdout
    assert json.loads(done)["resolution"]["action"] == "record_sale"
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'RS-042'") == "sold"
    paid = chain.scalar(
        "SELECT sum(p.amount) FROM order_payment p JOIN sale_order o ON o.id = p.order_id "
        "WHERE o.number = :n",
        n=order,
    )
    assert Decimal(str(paid)) == Decimal("837.60")
    lines = chain.server.db.read(
        lambda conn: conn.exec_driver_sql(
            "SELECT l.serial, l.status FROM order_line l JOIN sale_order o ON o.id = l.order_id "
            f"WHERE o.number = '{order}' ORDER BY l.number"
        ).all()
    )
    assert [tuple(r) for r in lines] == [(None, "open"), ("RS-042", "fulfilled")]
    assert chain.scalar("SELECT count(*) FROM invoice WHERE number = :n", n=invoice) == 1
    issued = chain.scalar("SELECT issued_at FROM invoice WHERE number = :n", n=invoice)
    assert f"{issued:%Y-%m-%dT%H:%M:%S}Z" == made  # the till's time, not the resolution's
    # The unit sold at till A stays A's customer's.
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'RS-034'") == "sold"
    again = chain.central(
        "conflicts", "resolve", str(number), "--by", "record_sale", user="ada", check=False
    )
    assert again.returncode != 0 and "already resolved" in again.stdout + again.stderr
    # Resolved at central: the till's next sync learns it, and counts the sale as taken.
    assert till.read(not_taken.documents) == (invoice,)
    b.sync()
    assert till.read(not_taken.documents) == ()
    assert till.read(lambda conn: not_taken.verdict_of(conn, order)) is None
    chain.check_clean()


def test_the_words_fit_a_handheld() -> None:
    from serialpos.domain.sale_not_recorded import lines_for_people

    line = {
        "op": "order_create",
        "lines": [
            {"sku": "PH1", "serial": "S-034", "quantity": 1, "catalogue_price": "418.80"},
            {"sku": "CAB", "quantity": 2, "catalogue_price": "9.50", "price": "8.00"},
        ],
        "payments": [{"method": "cash", "amount": "400"}, {"method": "card", "amount": "35.8"}],
        "numbers": {"order": "S01-B-3", "invoice": "INV-B-3"},
    }
    words = lines_for_people({"serial": "S-034", "entry": {"line": line}})
    assert words == [
        "the whole sale S01-B-3 (invoice INV-B-3) was not recorded at central: S-034 was not "
        "in stock here for it; not recorded: 2 lines, 435.80 taken (cash 400.00, card 35.80)",
        "* PH1 S-034 x1 at 418.80",
        "- CAB x2 at 8.00",
    ]
    assert lines_for_people({"serial": "S-1", "entry": {"line": {"op": "sell"}}}) == []


@async_test
async def test_the_handheld_shows_the_sale_and_records_it(
    chain: Chain, priced: str, opened: list[Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    b, order, _invoice, number = _two_tills(chain, priced, opened, "TU")
    app = _console(b, monkeypatch, server=chain.server.base)
    async with app.run_test(size=HANDHELD) as pilot:
        await log_in(pilot, "mia", "1234")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        rows = app.screen.query_one("#rows")
        [prompt] = [o.prompt.plain for o in rows.options if o.id == str(number)]  # type: ignore[attr-defined]
        said = " ".join(prompt.split())
        assert f"NOT RECORDED: the whole sale {order}" in said, said
        assert "837.60 taken (cash 837.60)" in said and f"- {priced} TU-042 x1 at 418.80" in said
        rows.highlighted = [o.id for o in rows.options].index(str(number))  # type: ignore[attr-defined]
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        question = " ".join(re.sub("[\u2500-\u259f]", " ", screen_text(app)).split())
        assert f"Record the rest of conflict #{number}'s sale (at central)?" in question
        await pilot.press("enter")
        await settle(pilot)
        said = app.screen.query_one(MessageLine).text
        assert said == (
            f"\u2713 conflict {number}: the rest of the sale recorded with its money at central"
        ), said
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'TU-042'") == "sold"
    # Resolved at the till: it took central's rows of the sale at once (terminal/
    # resolved_here.py), not at its next sync, which finds nothing left to take.
    lines = (
        "SELECT l.number, l.serial, l.status FROM order_line l "
        "JOIN sale_order o ON o.id = l.order_id WHERE o.number = :n ORDER BY l.number"
    )
    assert b.query(lines, n=order) == [(1, None, "open"), (2, "TU-042", "fulfilled")]
    assert b.sync()["recorded_sales"] == 0
    b.check_clean()
