"""Quantities of an entry central did not take come back on the till (issue 16,
docs/offline.md "Quantities central did not take"): each local ledger event is tied to the
journal entry that made it, and when the entry settles as a conflict or a refusal its
quantities (products without serials) are put back where the till moved them, once, so
the till's stock of them is central's. Real ``serialpos serve`` on PostgreSQL, terminals
driven through the CLI, each its own SQLite."""

from __future__ import annotations

import json
from typing import Any

from terminal_chain import Chain, Terminal

STOCK = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = :store AND p.sku = :sku"
)
PUT_BACK = (
    "SELECT e.quantity, e.document_type, e.document_id, e.reason FROM ledger_event e "
    "JOIN product p ON p.id = e.product_id WHERE p.sku = :sku AND e.action = 'central_state' "
    "AND e.serial IS NULL ORDER BY e.id"
)


def _stock(db: Terminal | Chain, store: str, sku: str = "CAB") -> int:
    if isinstance(db, Chain):
        return int(db.scalar(STOCK, store=store, sku=sku))
    return int(db.query(STOCK, store=store, sku=sku)[0][0])


def _same(till: Terminal, chain: Chain, store: str = "S1", sku: str = "CAB") -> int:
    here, there = _stock(till, store, sku), _stock(chain, store, sku)
    assert here == there, (store, sku, here, there)
    return here


def _stocked(chain: Chain, serial: str, cables: int = 10, store: str = "S1") -> None:
    done = chain.post(
        {"op": "receive", "store": store, "sku": "PH1", "serial": serial},
        {"op": "receive", "store": store, "sku": "CAB", "quantity": cables},
    )
    assert all(r["ok"] for r in done), done


def _sold_at_central(chain: Chain, serial: str, store: str = "S1") -> None:
    done = chain.post({"op": "sell", "store": store, "sku": "PH1", "serial": serial})
    assert done[0]["ok"], done


def _settled(till: Terminal, entry: str) -> tuple[str, dict[str, Any]]:
    [(state, answer)] = till.query("SELECT state, answer FROM journal_entry WHERE id = :e", e=entry)
    return str(state), dict(json.loads(answer))


def _conflicted(till: Terminal, chain: Chain, made: dict[str, Any], store: str = "S1") -> int:
    """Sync the till: the entry ``made`` is a conflict; the cables are central's again, and
    a second sync puts nothing back twice. The till's stock of cables."""
    assert made["ok"], made
    report = till.sync()
    assert report["conflicts"] == 1, report
    assert _settled(till, made["entry"])[0] == "conflict"
    here = _same(till, chain, store)
    again = till.sync()
    assert again["conflicts"] == 0 and _stock(till, store) == here, again
    for db in (till, chain):
        db.check_clean()
    return here


def test_a_counter_sale_that_is_a_conflict_puts_its_cable_back(chain: Chain) -> None:
    """The case found: a sale of a cable and of a phone central sold meanwhile is a
    conflict; central took neither line, so the cable is back on the till's stock (9 -> 10),
    the put-back naming the order and central's error, and ``terminal refused`` (its
    conflicts) says what was put back."""
    _stocked(chain, "QB-1")
    till = chain.terminal("qb-sale")
    _sold_at_central(chain, "QB-1")
    [made] = till.apply(
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": "PH1", "serial": "QB-1"}, {"sku": "CAB", "quantity": 1}],
            "fulfil": True,
            "payments": [{"method": "cash", "amount": "5000.00"}],
        }
    )
    assert _stock(till, "S1") == _stock(chain, "S1") - 1
    _conflicted(till, chain, made)
    [back] = till.query(PUT_BACK, sku="CAB")
    assert back == (1, "order", made["order"], "sync_conflict")
    shown = json.loads(till.cli("conflicts", "list", "--json").stdout)
    mine = next(c for c in shown if c["entry"]["id"] == made["entry"])
    assert mine["put_back"] == [
        {"sku": "CAB", "store": "S1", "quantity": 1, "document": made["order"]}
    ]


def test_a_receipt_that_is_a_conflict_takes_its_cables_off_again(chain: Chain) -> None:
    """A blind receipt of a new phone and 4 cables at S1, offline, while central received
    that phone at S2, is a conflict: the cables never arrived at central, so they leave the
    till's stock again."""
    till = chain.terminal("qb-rcv")
    before = _stock(till, "S1")
    assert chain.post({"op": "receive", "store": "S2", "sku": "PH1", "serial": "QB-2"})[0]["ok"]
    items = [{"sku": "PH1", "serials": ["QB-2"]}, {"sku": "CAB", "quantity": 4}]
    [made] = till.apply({"op": "receive", "store": "S1", "vendor": "Acme", "items": items})
    assert made["ok"] and _stock(till, "S1") == before + 4, made
    assert _conflicted(till, chain, made) == before


def test_a_refused_receipt_of_cables_takes_them_off_again(chain: Chain) -> None:
    """A receipt central refuses outright (a number it already holds) with 3 cables: the
    till's stock of cables is central's again, and ``terminal refused`` names the
    put-back."""
    till = chain.terminal("qb-ref")
    before = _stock(till, "S1")
    taken = chain.post(
        {
            "op": "receive",
            "store": "S1",
            "vendor": "Acme",
            "number": "R-QB-000009",
            "items": [{"sku": "CAB", "quantity": 1}],
        }
    )
    assert taken[0]["ok"], taken
    [made] = till.apply(
        {
            "op": "receive",
            "store": "S1",
            "vendor": "Acme",
            "number": "R-QB-000009",
            "items": [{"sku": "CAB", "quantity": 3}],
        }
    )
    assert made["ok"] and _stock(till, "S1") == before + 3, made
    # Central kept nothing of it: the run names it on stderr and exits 1 (it exited 0).
    done = till.cli("sync", check=False)
    assert done.returncode == 1, done
    report = json.loads(done.stdout)
    assert report["refused"] == 1, report
    [words] = report["refusals"]
    assert words.startswith("journal entry ") and "(receive): central refused it" in words
    assert "R-QB-000009" in words and f"refused: {words}" in done.stderr
    assert _settled(till, made["entry"])[0] == "refused"
    assert _same(till, chain) == before + 1  # central's own receipt comes by the pull
    shown = json.loads(till.cli("terminal", "refused").stdout)
    mine = next(r for r in shown if r["entry"] == made["entry"])
    assert mine["put_back"] == [
        {"sku": "CAB", "store": "S1", "quantity": -3, "document": "R-QB-000009"}
    ]
    assert till.sync()["refused"] == 0
    assert _stock(till, "S1") == before + 1
    for db in (till, chain):
        db.check_clean()


def test_a_return_to_vendor_that_is_a_conflict_puts_its_cables_back(chain: Chain) -> None:
    _stocked(chain, "QB-3")
    till = chain.terminal("qb-rtv")
    _sold_at_central(chain, "QB-3")
    items = [{"sku": "PH1", "serials": ["QB-3"]}, {"sku": "CAB", "quantity": 2}]
    [made] = till.apply(
        {"op": "rtv", "store": "S1", "vendor": "Acme", "reason": "faulty", "items": items}
    )
    _conflicted(till, chain, made)


def test_an_adjustment_that_is_a_conflict_puts_its_cables_back(chain: Chain) -> None:
    _stocked(chain, "QB-4")
    till = chain.terminal("qb-adj")
    _sold_at_central(chain, "QB-4")
    items = [{"sku": "PH1", "remove": ["QB-4"]}, {"sku": "CAB", "quantity": -3}]
    [made] = till.apply({"op": "adjust", "store": "S1", "reason": "damaged", "items": items})
    _conflicted(till, chain, made)


def test_a_count_central_applied_to_other_stock_ends_as_central(chain: Chain) -> None:
    """A count is absolute: the till, offline, counts the 10 cables it sees (no change
    here) while central sold 2 meanwhile; central approves it against its 8 (+2 there).
    Central took the entry, but not with the till's change: the till moves by the
    difference when the entry settles, and after the pull (central's sale) its stock is
    central's, 10."""
    assert chain.post({"op": "receive", "store": "S2", "sku": "CAB", "quantity": 10})[0]["ok"]
    till = chain.terminal("qb-cnt", "S2")
    before = _stock(till, "S2")
    assert chain.post({"op": "sell", "store": "S2", "sku": "CAB", "quantity": 2})[0]["ok"]
    scans = [{"sku": "CAB", "quantity": before}]
    [made] = till.apply(
        {
            "op": "count",
            "store": "S2",
            "approve": True,
            "products": ["CAB"],
            "batches": [{"counter": "mia", "scans": scans}],
        }
    )
    assert made["ok"] and _stock(till, "S2") == before, made
    report = till.sync()
    assert report["accepted"] == 1, report
    assert _same(till, chain, "S2") == before
    assert till.sync()["accepted"] == 0 and _stock(till, "S2") == before
    for db in (till, chain):
        db.check_clean()


def test_a_count_central_found_already_right_takes_the_tills_change_back(chain: Chain) -> None:
    """Central answers a count with only the products whose count differed from its
    on-hand. The till, offline, counts 4 cables (-6 here); meanwhile another till's count
    brought central to 4 already, so central takes the entry and moves nothing, and leaves
    the cables out of its answer. The till's own -6 and the other till's -6 from the pull
    must not both stay: the till ends at central's 4 (it ended at -2)."""
    assert chain.post({"op": "receive", "store": "S2", "sku": "CAB", "quantity": 10})[0]["ok"]
    first, second = chain.terminal("qb-cn1", "S2"), chain.terminal("qb-cn2", "S2")
    before = _stock(second, "S2")
    line = {
        "op": "count",
        "store": "S2",
        "approve": True,
        "products": ["CAB"],
        "batches": [{"counter": "mia", "scans": [{"sku": "CAB", "quantity": before - 6}]}],
    }
    assert first.apply(line)[0]["ok"] and first.sync()["accepted"] == 1
    [made] = second.apply(line)
    assert made["ok"] and _stock(second, "S2") == before - 6, made
    report = second.sync()
    assert report["accepted"] == 1, report
    state, answer = _settled(second, made["entry"])
    assert state == "accepted" and answer["quantities"] == [], answer
    assert _same(second, chain, "S2") == before - 6
    assert _same(first, chain, "S2") == before - 6
    assert second.sync()["accepted"] == 0 and _stock(second, "S2") == before - 6
    for db in (first, second, chain):
        db.check_clean()


def test_a_transfer_received_twice_gives_the_cables_back(chain: Chain) -> None:
    """Central ships a phone and 5 cables S1 -> S2; two S2 tills receive it offline. The
    second receipt is not taken at central: its 5 cables leave that till's S2 stock again,
    and the first till's receipt (from the pull) counts them once."""
    _stocked(chain, "QB-6", cables=5)
    ship = chain.post(
        {
            "op": "transfer_out",
            "store": "S1",
            "to": "S2",
            "transfer": "QB-T6",
            "create": True,
            "items": [{"sku": "PH1", "serials": ["QB-6"]}, {"sku": "CAB", "quantity": 5}],
        }
    )
    assert ship[0]["ok"], ship
    first, second = chain.terminal("qb-in-a", "S2"), chain.terminal("qb-in-b", "S2")
    for till in (first, second):
        till.sync()
    line = {
        "op": "transfer_in",
        "store": "S2",
        "transfer": "QB-T6",
        "complete": True,
        "items": [{"sku": "PH1", "serials": ["QB-6"]}, {"sku": "CAB", "quantity": 5}],
    }
    [a] = first.apply(line)
    [b] = second.apply(line)
    assert a["ok"] and b["ok"], (a, b)
    assert first.sync()["accepted"] == 1
    report = second.sync()
    assert report["conflicts"] + report["refused"] == 1, report
    assert _settled(second, b["entry"])[0] in ("conflict", "refused")
    _same(second, chain, "S2")
    for db in (first, second, chain):
        db.check_clean()
