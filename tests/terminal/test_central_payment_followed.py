"""A part payment central takes on a till's layby reaches the till (issue 16).

A payment moves no unit, so no event of the feed named the order and the till never asked
for it: the layby read owing what it owed before the head office took 300 on it. At
collection the cashier took the whole balance again, and central booked the 300 as change
the till never gave: the customer paid 300 twice, both ``db check`` runs clean, nothing
said. Now each round that pulls asks central for the till's own open orders holding money
and takes the payments it lacks (terminal/own_orders.py): the till asks for what is really
owed. Real ``serialpos serve`` on PostgreSQL, the till its own process.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from terminal_chain import Chain, till_db
from test_closed_order_owes import _central_pay
from test_money_on_closed_order import _layby
from test_refund_not_taken import PAYMENTS, STATUS, _central, _money

from serialpos.config import ChainConfig
from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.services import products, users
from serialpos.services.orders.checkout import fulfil
from serialpos.terminal import own_orders
from serialpos.terminal.client import CentralClient
from serialpos.terminal.link import LinkWatch
from serialpos.terminal.sync import sync_once


def test_a_payment_taken_at_central_on_a_tills_layby_is_owed_no_more_at_the_till(
    chain: Chain, tmp_path: Path
) -> None:
    till, order, total = _layby(chain, "CP1")
    taken = _central_pay(chain, tmp_path, order, "300.00")
    assert taken["ok"], taken
    report = till.sync()
    assert report["order_payments"] == 1, report
    assert sorted(_money(till.query(PAYMENTS, n=order))) == sorted(
        _money(_central(chain, PAYMENTS, n=order))
    )
    # Central's 300 is in no shift of the till's: it moved in central's drawer.
    assert till.query(
        "SELECT p.shift_id FROM order_payment p JOIN sale_order o ON o.id = p.order_id "
        "WHERE o.number = :n AND p.amount = 300",
        n=order,
    ) == [(None,)]
    # The till asks for what is owed, and both ends then read the same sale, no change.
    owed = Decimal(total) - Decimal("500")
    [done] = till.apply(
        {
            "op": "order_fulfil",
            "order": order,
            "payments": [{"method": "card", "amount": f"{owed:.2f}"}],
        }
    )
    assert done["ok"] and done["change_due"] == "0.00", done
    assert till.sync()["accepted"] == 1
    assert _central(chain, STATUS, n=order) == [("fulfilled",)]
    theirs = _money(_central(chain, PAYMENTS, n=order))
    assert not [row for row in theirs if row[0] == "change"], theirs
    assert sorted(_money(till.query(PAYMENTS, n=order))) == sorted(theirs)
    assert sum(amount for _k, _m, amount in theirs) == Decimal(total)
    # Followed once: a later round takes nothing again.
    assert till.sync()["order_payments"] == 0
    till.check_clean()
    assert _findings_of(chain, order) == []


def test_a_till_offline_while_central_took_a_payment_books_no_change_it_never_gave(
    chain: Chain, tmp_path: Path
) -> None:
    """The till did not sync between the head office's 300 and the collection: it took the
    balance its copy showed (700 by card, no change). Central booked 300 of cash change the
    till never gave, and the 300 paid twice was in no book. Now central books the till's
    tenders and the change it gave (none), the order holds 300 over its total, and central's
    answer says so: the till's sync names it."""
    till, order, total = _layby(chain, "CP2")
    taken = _central_pay(chain, tmp_path, order, "300.00")
    assert taken["ok"], taken
    owed_here = Decimal(total) - Decimal("200")
    [done] = till.apply(
        {
            "op": "order_fulfil",
            "order": order,
            "payments": [{"method": "card", "amount": f"{owed_here:.2f}"}],
        }
    )
    assert done["ok"], done
    [(line,)] = till.query("SELECT line FROM journal_entry WHERE id = :e", e=done["entry"])
    assert json.loads(line)["change_due"] == "0.00", line
    done_sync = till.cli("sync", check=False)
    assert done_sync.returncode == 0, done_sync.stderr
    report = json.loads(done_sync.stdout)
    assert report["accepted"] == 1, report
    [said] = report["warnings"]
    assert f"order {order} holds 300.00 over its total" in said, said
    assert "paid 300.00 twice" in said and "300.00 twice" in done_sync.stderr, done_sync.stderr
    theirs = _money(_central(chain, PAYMENTS, n=order))
    assert sorted(theirs) == sorted(
        [
            ("payment", "cash", Decimal("200.00")),
            ("payment", "cash", Decimal("300.00")),
            ("payment", "card", owed_here),
        ]
    ), theirs
    assert _central(chain, STATUS, n=order) == [("fulfilled",)]
    assert till.unit_state("CP2-1") == "sold"
    # Central's check names the money held beyond the total, as for any such order, and a
    # manager gives it back (``order_refund``): the check is clean again.
    assert [f["rule"] for f in _findings_of(chain, order)] == ["order_overpaid"]
    back = tmp_path / "back.jsonl"
    refund = {
        "op": "order_refund",
        "order": order,
        "refunds": [{"method": "card", "amount": "300"}],
    }
    back.write_text(json.dumps(refund) + "\n")
    done_back = chain.central("apply", str(back), user="ada")
    assert json.loads(done_back.stdout.splitlines()[0])["ok"], done_back.stdout
    assert _findings_of(chain, order) == []
    till.check_clean()


def test_a_tills_fulfilment_with_change_books_the_change_it_gave(
    chain: Chain, tmp_path: Path
) -> None:
    """Nothing changed at central: the till took 1000 in cash for the 700 owed and gave 300
    change; central books the same 300 (as it worked out before), no warning."""
    till, order, total = _layby(chain, "CP3")
    owed = Decimal(total) - Decimal("200")
    [done] = till.apply(
        {
            "op": "order_fulfil",
            "order": order,
            "payments": [{"method": "cash", "amount": f"{owed + 300:.2f}"}],
        }
    )
    assert done["ok"] and done["change_due"] == "300.00", done
    report = till.sync()
    assert (report["accepted"], report["warnings"]) == (1, []), report
    theirs = _money(_central(chain, PAYMENTS, n=order))
    assert ("change", "cash", Decimal("-300.00")) in theirs, theirs
    assert sorted(_money(till.query(PAYMENTS, n=order))) == sorted(theirs)
    assert _findings_of(chain, order) == []
    till.check_clean()


def _findings_of(chain: Chain, order: str) -> list[dict[str, object]]:
    """Central's ``db check`` findings naming ``order`` (the chain is shared by the tests
    of this file)."""
    done = chain.central("db", "check", "--json", check=False)
    return [f for f in json.loads(done.stdout)["findings"] if order in str(f["detail"])]


def test_the_consoles_fulfilment_journals_the_change_it_gave(
    chain: Chain, tmp_path: Path, opened: list[Database]
) -> None:
    """The counter's fulfilment (services/orders/checkout.py, journaled by
    services/orders/sale_journal.py) names its change as the till's ``apply`` does, and
    central books that, not its own: the head office's 300 is paid twice, said."""
    till, order, total = _layby(chain, "CP4")
    assert _central_pay(chain, tmp_path, order, "300.00")["ok"]
    db, mia = till_db(till, opened)
    owed_here = Decimal(total) - Decimal("200")
    fulfil(db, mia, order, payments=[("cash", owed_here + 100)])
    [(line,)] = till.query("SELECT line FROM journal_entry ORDER BY seq DESC LIMIT 1")
    assert json.loads(line)["op"] == "order_fulfil"
    assert json.loads(line)["change_due"] == "100.00", line
    # The console's own round (terminal/link.py): the status line says it.
    state = LinkWatch(
        db, ChainConfig(chain.server.base, till.token, "S1", till.name), user="mia"
    ).tick()
    assert state.online and state.pending == 0, state
    assert f"order {order} holds 300.00 over its total" in state.message, state
    theirs = _money(_central(chain, PAYMENTS, n=order))
    assert ("change", "cash", Decimal("-100.00")) in theirs, theirs
    assert sum(amount for _k, _m, amount in theirs) == Decimal(total) + 300
    assert [f["rule"] for f in _findings_of(chain, order)] == ["order_overpaid"]


def test_background_rounds_ask_for_the_tills_orders_once_a_minute(
    chain: Chain, tmp_path: Path, opened: list[Database]
) -> None:
    """The console's rounds run every few seconds; its own open orders are asked for at most
    once every ASK_EVERY seconds (a thousand stores' tills would ask central 12 times a
    minute each), and a one-off ``serialpos sync`` asks every time."""
    till, order, _total = _layby(chain, "CP5")
    db, _mia = till_db(till, opened)
    config = ChainConfig(chain.server.base, till.token, "S1", till.name)

    def round_() -> int:
        with CentralClient(chain.server.base, till.token, timeout=30) as client:
            return sync_once(db, config, client).order_payments

    def asked_long_ago() -> None:
        earlier = (utcnow() - timedelta(seconds=own_orders.ASK_EVERY + 1)).isoformat()
        db.write(lambda conn: journal.set_state(conn, own_orders.ASKED_AT, earlier))

    assert _central_pay(chain, tmp_path, order, "100.00")["ok"]
    assert round_() == 0  # `_layby`'s sync asked a moment ago: not yet
    asked_long_ago()
    assert round_() == 1
    assert _central_pay(chain, tmp_path, order, "50.00")["ok"]
    assert round_() == 0  # asked a moment ago
    assert till.sync()["order_payments"] == 1  # a one-off asks whenever


def test_a_payment_at_central_on_a_layby_made_without_a_deposit_reaches_the_till(
    chain: Chain, tmp_path: Path
) -> None:
    """A layby laid by at the till with nothing paid (the unit held for the customer), a
    part payment at the head office: the till asked only for its orders holding a payment,
    so it never heard of the 300 and asked the whole 900 at collection (the customer paid
    300 twice). Found by the money machine (tests/terminal/test_money_stateful.py). A layby
    or special order of the till's own open here is asked for whatever it holds."""
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db,
        ada,
        sku="LBND",
        name="LBND",
        price=Decimal("900.00"),
        serial_mode="required",
    )
    assert chain.post({"op": "receive", "store": "S1", "sku": "LBND", "serial": "ND-1"})[0]["ok"]
    till = chain.terminal("ND")
    [made] = till.apply(
        {
            "op": "order_create",
            "store": "S1",
            "type": "layby",
            "lines": [{"sku": "LBND", "serial": "ND-1"}],
        }
    )
    assert made["ok"], made
    assert till.sync()["accepted"] == 1
    order = made["order"]
    taken = _central_pay(chain, tmp_path, order, "300.00")
    assert taken["ok"], taken
    assert till.sync()["order_payments"] == 1
    assert sorted(_money(till.query(PAYMENTS, n=order))) == sorted(
        _money(_central(chain, PAYMENTS, n=order))
    )
    [done] = till.apply(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "card", "amount": "600"}]}
    )
    assert done["ok"] and done["change_due"] == "0.00", done
    report = till.sync()
    assert (report["accepted"], report["warnings"]) == (1, []), report
    assert _findings_of(chain, order) == []
    till.check_clean()
