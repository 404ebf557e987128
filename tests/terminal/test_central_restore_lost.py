"""Central restored from an older backup, the cases a new-user walk found (issue 16's bad
input: nothing recorded may be lost): a till's online sale central accepted and lost, which
the feed alone did not show; another till's quantity move made again at central counted
twice by a till that had pulled it; central's own work the restore lost kept by a till.
Real processes: ``serialpos serve`` on PostgreSQL, the tills' CLI, each its own SQLite."""

from __future__ import annotations

import json
from typing import Any

import pytest
from terminal_chain import Chain, Terminal
from test_central_restore import backup

STOCK = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = :store AND p.sku = :sku"
)
SOLD = "SELECT count(*) FROM ledger_event WHERE action = 'sell' AND serial = :s"


def _stock(db: Terminal | Chain, sku: str = "CAB", store: str = "S1") -> int:
    if isinstance(db, Chain):
        return int(db.scalar(STOCK, sku=sku, store=store))
    return int(db.query(STOCK, sku=sku, store=store)[0][0])


def _push(till: Terminal, *lines: dict[str, Any]) -> list[dict[str, Any]]:
    done = till.cli(
        "--user", "mia", "apply", "--push", "-", stdin="".join(json.dumps(x) + "\n" for x in lines)
    )
    return [json.loads(x) for x in done.stdout.splitlines()]


def test_an_online_sale_central_lost_is_told_and_sent_again(chain: Chain) -> None:
    """``apply --push`` has central accept a sale and a receipt of cables; the till does
    not sync (its feed cursor stays where it was); central is restored to a backup taken
    before them. Its feed ends where the till last read it, so the till used to find central
    "not behind" (``sync`` online, ``resend`` refused): the sale and the cables were lost at
    central for good, the unit sellable again there. Central is now asked whether it holds
    the newest entry it took of this till."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["OL-1"]})[0]["ok"]
    till = chain.terminal("till-online-lost")
    assert till.sync()["pending"] == 0
    with backup(chain) as restore:
        sale = {"op": "sell", "store": "S1", "sku": "PH1", "serial": "OL-1"}
        receipt = {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 4}
        verdicts = _push(till, sale, receipt)
        assert [v["central"] for v in verdicts] == ["accepted", "accepted"], verdicts
        cables = _stock(chain)
        assert chain.scalar(SOLD, s="OL-1") == 1
        restore()
        assert chain.scalar(SOLD, s="OL-1") == 0  # lost at central
        assert _stock(chain) == cables - 4

        told = till.cli("sync", check=False)
        assert told.returncode == 1, told.stdout
        assert "no longer holds journal entry" in told.stderr
        assert "terminal resend" in told.stderr
        status = till.status()
        assert status["link_refusal"]["code"] == "central_behind"
        assert (status["pending"], status["accepted"]) == (0, 2)  # nothing changed here

        done = till.cli("terminal", "resend")
        report = json.loads(done.stdout)
    assert report["again"]["applied"] == 2, report
    assert chain.scalar(SOLD, s="OL-1") == 1  # the sale is at central again, once
    assert _stock(chain) == cables == _stock(till)
    assert till.unit_state("OL-1") == "sold"
    again = till.sync()
    assert (again["pending"], again["accepted"]) == (0, 0)
    assert till.cli("terminal", "resend", check=False).returncode == 1  # not behind now
    till.check_clean()
    chain.check_clean()


def test_an_online_sale_is_kept_pending_while_central_lost_an_earlier_one(chain: Chain) -> None:
    """The check before a push asks too: an online sale made after the restore is kept
    pending (``central_behind``), not pushed onto a central that lost the one before."""
    serials = ["OP-1", "OP-2"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    till = chain.terminal("till-online-next")
    with backup(chain) as restore:
        [first] = _push(till, {"op": "sell", "store": "S1", "sku": "PH1", "serial": "OP-1"})
        assert first["central"] == "accepted"
        restore()
        [second] = _push(till, {"op": "sell", "store": "S1", "sku": "PH1", "serial": "OP-2"})
        assert second["central"] == "pending", second
        assert "terminal resend" in second["central_message"]
        assert chain.scalar(SOLD, s="OP-2") == 0
        till.cli("terminal", "resend")
    assert [chain.scalar(SOLD, s=s) for s in serials] == [1, 1]
    assert till.status()["pending"] == 0
    till.check_clean()


@pytest.mark.parametrize("first", ["puller", "shipper"])
def test_a_quantity_move_sent_again_is_not_counted_twice_by_another_till(
    chain: Chain, first: str
) -> None:
    """Till 1 ships a unit and 3 cables on a transfer the line names (``TX-…``, not a
    number the till made); till 2 of the same store pulls the shipment; central is restored;
    till 2 runs ``terminal resend``, then till 1 (or the other way round), and both sync.
    Till 2 used to count the cables shipped twice (the event made again at central is
    another number, and only a document the till numbered tied it to the first): its stock
    3 below central's for good."""
    stocked = chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serials": [f"QT-{first}"]},
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 20},
    )
    assert all(r["ok"] for r in stocked), stocked
    shipper = chain.terminal(f"till-qt-ship-{first}")
    puller = chain.terminal(f"till-qt-pull-{first}")
    with backup(chain) as restore:
        ship = {
            "op": "transfer_out",
            "id": f"qt-{first}",
            "store": "S1",
            "to": "S2",
            "transfer": f"TX-QT-{first}",
            "create": True,
            "items": [{"sku": "PH1", "serials": [f"QT-{first}"]}, {"sku": "CAB", "quantity": 3}],
        }
        assert shipper.apply(ship)[0]["ok"]
        assert shipper.sync()["accepted"] == 1
        assert puller.sync()["pulled"] > 0
        shipped = _stock(chain)
        assert _stock(puller) == shipped
        restore()
        for till in [puller, shipper] if first == "puller" else [shipper, puller]:
            till.cli("terminal", "resend")
        shipper.sync()
        puller.sync()
    assert _stock(chain) == shipped
    assert (_stock(shipper), _stock(puller)) == (shipped, shipped)
    assert puller.unit_state(f"QT-{first}") == "in_transit"
    for till in (shipper, puller):
        till.check_clean()
    chain.check_clean()


def test_central_work_the_restore_lost_is_undone_on_the_till(chain: Chain) -> None:
    """Central takes in 2 of 3 cables shipped to S2 and the S2 till pulls it; central is
    restored to a backup taken before. After ``terminal resend`` the till kept the 2 cables
    in its stock (central has none: its transfer still shipped, 3 in transit) with ``db
    check`` clean at both ends: nothing would ever bring the two back together."""
    stocked = chain.post(
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 10},
        {
            "op": "transfer_out",
            "store": "S1",
            "to": "S2",
            "transfer": "TX-CW1",
            "create": True,
            "items": [{"sku": "CAB", "quantity": 3}],
        },
    )
    assert all(r["ok"] for r in stocked), stocked
    till = chain.terminal("till-cw-s2", store="S2")
    assert till.sync()["pending"] == 0
    before = _stock(chain, store="S2")
    assert _stock(till, store="S2") == before
    with backup(chain) as restore:
        taken = {"op": "transfer_in", "store": "S2", "transfer": "TX-CW1", "sku": "CAB"}
        assert chain.post(taken | {"quantity": 2})[0]["ok"]
        assert till.sync()["pulled"] > 0
        assert _stock(till, store="S2") == before + 2
        restore()
        assert _stock(chain, store="S2") == before
        till.cli("terminal", "resend")
        till.sync()
    assert _stock(till, store="S2") == _stock(chain, store="S2") == before
    till.check_clean()
    chain.check_clean()


def test_central_answers_for_the_reading_tills_own_entries_only(chain: Chain) -> None:
    """``GET /v1/events?entry=``: held for the till's own entry central applied; not for an
    id central does not hold, nor for another till's entry (its token may not learn it)."""
    import httpx

    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["EH-1"]})[0]["ok"]
    mine, other = chain.terminal("till-eh-mine"), chain.terminal("till-eh-other")
    [made] = other.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "EH-1"})
    assert other.sync()["accepted"] == 1
    [own] = mine.apply({"op": "receive", "store": "S1", "sku": "CAB", "quantity": 1})
    assert mine.sync()["accepted"] == 1

    def held(till: Terminal, entry: str) -> Any:
        answer = httpx.get(
            f"{chain.server.base}/v1/events",
            params={"after": 0, "limit": 1, "terminal": till.name, "entry": entry},
            headers={"Authorization": f"Bearer {till.token}"},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["entry_held"]

    assert held(mine, own["entry"]) is True
    assert held(mine, made["entry"]) is False  # another till's
    assert held(other, made["entry"]) is True
    assert held(mine, "00000000-0000-0000-0000-000000000000") is False
