"""Counts made at a till judge only what the till knew (issue 16, a new user's walk T1-T4).

Central once recounted a till's count against its own stock: a unit the till added (new to
it, in stock at another store at central) was listed "elsewhere" and the till kept it in
stock at its store (T1); units received at another till after this till's view were written
off "not found" while on the shelf (T2); a count central did not take still read "approved"
on the till (T3); and a serial the till did not know was counted as the product being
counted (T4). Central now posts the till's decisions where still legal, records a conflict
naming each unit it cannot, and every unit the count named takes central's state on the
till (docs/offline.md, "Counts made at a till"). Real processes: ``serialpos serve`` on
PostgreSQL, each till its own SQLite driven by the CLI. After syncing both ways, each check
holds: every unit of the test as central has it on each till, stock levels equal, a conflict
for each disagreement, ``db check`` clean everywhere.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from terminal_chain import Chain, Terminal, opened, till_db

from serialpos.domain.errors import DomainError
from serialpos.services import counts, products, users
from serialpos.services.context import SYSTEM

__all__ = ["opened"]

UNITS = (
    "SELECT p.sku, u.serial, u.state, s.code FROM serial_unit u "
    "JOIN product p ON p.id = u.product_id JOIN store s ON s.id = u.store_id "
    "WHERE u.serial LIKE :prefix ORDER BY p.sku, u.serial"
)
STOCK = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = :store AND p.sku = :sku"
)
CONFLICTS = "SELECT serial, error FROM sync_conflict WHERE serial LIKE :prefix ORDER BY serial"


def _product(chain: Chain, sku: str) -> None:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(chain.server.db, ada, sku=sku, name=sku, serial_mode="required")


def _receive(chain: Chain, store: str, sku: str, *serials: str) -> None:
    got = chain.post({"op": "receive", "store": store, "sku": sku, "serials": list(serials)})
    assert got[0]["ok"], got


def _central_units(chain: Chain, prefix: str) -> dict[tuple[str, str], tuple[str, str]]:
    with chain.server.db.engine.connect() as conn:
        rows = conn.execute(sa.text(UNITS), {"prefix": f"{prefix}%"}).all()
    return {(k, s): (state, store) for k, s, state, store in rows}


def _same(chain: Chain, prefix: str, skus: tuple[str, ...], *tills: tuple[Terminal, str]) -> None:
    """Each till holds every unit of the test as central has it: central's units at its
    store are all there, each unit it holds is where and as central has it (a unit central
    holds none of is written off there, neither on hand nor live), and its store's stock of
    each product is central's."""
    central = _central_units(chain, prefix)
    for till, store in tills:
        here = {(k, s): (state, at) for k, s, state, at in till.query(UNITS, prefix=f"{prefix}%")}
        for unit, place in here.items():
            assert central.get(unit, ("written_off", place[1])) == place, (till.name, unit)
        for unit, place in central.items():
            if place[1] == store:
                assert here.get(unit) == place, (till.name, unit, place, here.get(unit))
        for sku in skus:
            there = int(chain.scalar(STOCK, store=store, sku=sku))
            assert int(till.query(STOCK, store=store, sku=sku)[0][0]) == there, (till.name, sku)


def _conflicts(chain: Chain, prefix: str) -> list[tuple[str, str]]:
    with chain.server.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(CONFLICTS), {"prefix": f"{prefix}%"})]


def _count(sku: str, *serials: str) -> dict[str, Any]:
    scans = [{"sku": sku, "serial": s} for s in serials]
    return {
        "op": "count",
        "store": "S1",
        "products": [sku],
        "approve": True,
        "batches": [{"counter": "stock", "scans": scans}],
    }


def _count_copy(till: Terminal, number: str) -> dict[str, Any]:
    return dict(json.loads(till.cli("count", "show", number, "--json").stdout))


def test_a_unit_a_till_adds_that_central_holds_elsewhere_is_a_conflict_and_the_till_takes_it(
    chain: Chain,
) -> None:
    """T1: the till adds a serial it never held; central has it in stock at S2. And a unit
    the till finds missing was sold at central meanwhile: not written off there either."""
    _product(chain, "T1P")
    _receive(chain, "S1", "T1P", "T1-001", "T1-002", "T1-004")
    _receive(chain, "S2", "T1P", "T1-003")
    c = chain.terminal("ct-t1")
    sold = chain.post({"op": "sell", "store": "S1", "sku": "T1P", "serial": "T1-004"})
    assert sold[0]["ok"], sold
    [counted] = c.apply(_count("T1P", "T1-001", "T1-002", "T1-003"))
    assert counted["ok"] and counted["unexpected"]["never_seen"] == [
        {"sku": "T1P", "serial": "T1-003"}
    ], counted
    assert counted["missing"] == [{"sku": "T1P", "serial": "T1-004"}], counted
    assert c.query(UNITS, prefix="T1-003") == [("T1P", "T1-003", "in_stock", "S1")]

    report = c.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0), report
    # Central did not move them, and says so: a conflict naming each unit.
    assert _central_units(chain, "T1-003") == {("T1P", "T1-003"): ("in_stock", "S2")}
    assert _central_units(chain, "T1-004") == {("T1P", "T1-004"): ("sold", "S1")}
    assert _conflicts(chain, "T1-") == [
        ("T1-003", "duplicate_serial"),
        ("T1-004", "not_in_stock"),
    ]
    assert c.sync()["pending"] == 0
    _same(chain, "T1-", ("T1P",), (c, "S1"))
    # The till's count says what central did.
    copy = _count_copy(c, counted["count"])
    central = copy["central"]
    assert central["state"] == "accepted" and central["added"] == [], copy
    assert [x["serial"] for x in central["conflicts"]] == ["T1-004", "T1-003"], copy
    shown = c.cli("count", "show", counted["count"]).stdout
    assert "conflict #" in shown and "T1-003" in shown, shown
    c.check_clean()
    chain.check_clean()


def test_units_received_at_another_till_are_not_written_off_by_a_count_that_never_saw_them(
    chain: Chain,
) -> None:
    """T2: till A receives two units offline; till B, without them, counts the product."""
    _product(chain, "T2P")
    _receive(chain, "S1", "T2P", "T2-001", "T2-002", "T2-003", "T2-004")
    a, b = chain.terminal("ct-t2a"), chain.terminal("ct-t2b")
    [got] = a.apply({"op": "receive", "store": "S1", "sku": "T2P", "serials": ["T2-005", "T2-006"]})
    assert got["ok"], got
    [counted] = b.apply(_count("T2P", "T2-001", "T2-002", "T2-003", "T2-004"))
    assert counted["ok"] and counted["missing"] == [] and counted["matched"] == 4, counted

    assert a.sync()["accepted"] == 1
    report = b.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0), report
    # On the shelf, never judged by B's count: in stock at central, no conflict (nothing
    # the till decided was refused).
    assert _central_units(chain, "T2-005") == {("T2P", "T2-005"): ("in_stock", "S1")}
    assert _central_units(chain, "T2-006") == {("T2P", "T2-006"): ("in_stock", "S1")}
    assert _conflicts(chain, "T2-") == []
    at_central = json.loads(chain.central("count", "show", counted["count"], "--json").stdout)
    assert at_central["missing"] == [] and at_central["central"]["conflicts"] == [], at_central
    for till in (a, b, a, b):
        assert till.sync()["pending"] == 0
    _same(chain, "T2-", ("T2P",), (a, "S1"), (b, "S1"))
    assert int(chain.scalar(STOCK, store="S1", sku="T2P")) == 6
    for db in (a, b, chain):
        db.check_clean()


def test_a_count_central_refuses_is_not_approved_on_the_till_and_its_units_are_centrals(
    chain: Chain,
) -> None:
    """T3: the count's entry is refused at central (its maker is no longer a manager there):
    the till's copy says so, the unit it wrote off is back, the one it added is gone."""
    _product(chain, "T3P")
    _receive(chain, "S1", "T3P", "T3-001", "T3-002")
    users.add_user(chain.server.db, SYSTEM, "nina", "manager", "1234")
    c = chain.terminal("ct-t3", user="nina")
    done = c.cli(
        "--user", "nina", "apply", "-", stdin=json.dumps(_count("T3P", "T3-001", "T3-009"))
    )
    [counted] = [json.loads(x) for x in done.stdout.splitlines()]
    assert counted["ok"] and counted["missing"] == [{"sku": "T3P", "serial": "T3-002"}], counted
    ada = users.actor_for(chain.server.db, "ada", "setup")
    from serialpos.services import user_admin

    user_admin.set_role(chain.server.db, ada, "nina", "cashier")

    report = c.sync()
    assert (report["accepted"], report["refused"]) == (0, 1), report
    copy = _count_copy(c, counted["count"])
    assert copy["central"]["state"] == "refused", copy
    assert "NOT TAKEN by central" in c.cli("count", "show", counted["count"]).stdout
    gone = chain.central("count", "show", counted["count"], "--json", check=False)
    assert gone.returncode != 0  # central holds no such count
    assert c.sync()["pending"] == 0
    _same(chain, "T3-", ("T3P",), (c, "S1"))
    assert c.query(UNITS, prefix="T3-002") == [("T3P", "T3-002", "in_stock", "S1")]
    c.check_clean()
    chain.check_clean()


def test_a_serial_a_till_does_not_know_is_never_counted_as_another_products(
    chain: Chain, opened: list[Any]
) -> None:
    """T4: a laptop's serial scanned while counting routers, at a till that never held it."""
    _product(chain, "T4R")
    _product(chain, "T4L")
    _receive(chain, "S1", "T4R", "T4-R01", "T4-R02")
    _receive(chain, "S2", "T4L", "T4-L01")
    c = chain.terminal("ct-t4")

    # The console: the router chosen, then the laptop's bare serial. The till cannot tell
    # its product: refused, nothing recorded, instead of "T4R T4-L01 counted".
    db, mia = till_db(c, opened)
    count = counts.open_count(db, mia, "S1", ["T4R"])
    counts.start_batch(db, mia, count.number, "stock")
    chosen = counts.take(db, mia, count.number, 1, text="T4R")
    with pytest.raises(DomainError) as refused:
        counts.take(db, mia, count.number, 1, text="T4-L01", current=chosen.current)
    assert refused.value.code == "unknown_unit", refused.value.message
    assert "T4-L01" in refused.value.message
    assert [b.scans for b in counts.get_count(db, count.number).batches] == [0]

    # A line that names the router's SKU with it (the person says it is one), T4-R02 not
    # found: central writes T4-R02 off and records T4-L01 under no product but its own.
    [counted] = c.apply(_count("T4R", "T4-R01", "T4-L01"))
    assert counted["ok"], counted
    report = c.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0), report
    assert _central_units(chain, "T4-") == {
        ("T4L", "T4-L01"): ("in_stock", "S2"),
        ("T4R", "T4-R01"): ("in_stock", "S1"),
        ("T4R", "T4-R02"): ("written_off", "S1"),
    }
    assert _conflicts(chain, "T4-") == [("T4-L01", "duplicate_serial")]
    assert c.sync()["pending"] == 0
    _same(chain, "T4-", ("T4R", "T4L"), (c, "S1"))
    assert c.query(UNITS, prefix="T4-L01") == [("T4R", "T4-L01", "written_off", "S1")]
    c.check_clean()
    chain.check_clean()


def test_a_count_approved_in_the_console_of_a_till_sends_its_decisions(
    chain: Chain, opened: list[Any], tmp_path: Any
) -> None:
    """T2 through the console's services: the count approved on screen is journaled with
    what the till decided, and central writes off only that."""
    _product(chain, "T5P")
    _receive(chain, "S1", "T5P", "T5-001", "T5-002", "T5-003")
    a, b = chain.terminal("ct-t5a"), chain.terminal("ct-t5b")
    [got] = a.apply({"op": "receive", "store": "S1", "sku": "T5P", "serials": ["T5-004"]})
    assert got["ok"], got

    db, mia = till_db(b, opened)
    count = counts.open_count(db, mia, "S1", ["T5P"])
    counts.start_batch(db, mia, count.number, "stock")
    current = counts.take(db, mia, count.number, 1, text="T5P").current
    for serial in ("T5-001", "T5-002"):
        counts.take(db, mia, count.number, 1, text=serial, current=current)
    done = counts.approve(db, mia, count.number, tmp_path / "outbox")
    assert [u.serial for u in done.reconciliation.missing] == ["T5-003"]
    [line] = [json.loads(x) for (x,) in b.query("SELECT line FROM journal_entry")]
    assert line["decided"] == {"missing": [{"sku": "T5P", "serial": "T5-003"}], "found": []}

    assert a.sync()["accepted"] == 1
    report = b.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0), report
    assert _central_units(chain, "T5-") == {
        ("T5P", "T5-001"): ("in_stock", "S1"),
        ("T5P", "T5-002"): ("in_stock", "S1"),
        ("T5P", "T5-003"): ("written_off", "S1"),
        ("T5P", "T5-004"): ("in_stock", "S1"),
    }
    assert _conflicts(chain, "T5-") == []
    for till in (a, b):
        assert till.sync()["pending"] == 0
    _same(chain, "T5-", ("T5P",), (a, "S1"), (b, "S1"))
    for one in (a, b, chain):
        one.check_clean()


def test_a_unit_a_till_scanned_that_central_holds_written_off_there_is_put_back(
    chain: Chain,
) -> None:
    """Two counts of one product at two tills, both offline: A does not scan T6-002 (writes
    it off), B scans it (a plain match for B, no decision). B's scan is the unit on the
    shelf: central puts it back in stock, as for a found decision, and both tills follow."""
    _product(chain, "T6P")
    _receive(chain, "S1", "T6P", "T6-001", "T6-002")
    a, b = chain.terminal("ct-t6a"), chain.terminal("ct-t6b")
    [by_a] = a.apply(_count("T6P", "T6-001"))
    assert by_a["ok"] and by_a["missing"] == [{"sku": "T6P", "serial": "T6-002"}], by_a
    [by_b] = b.apply(_count("T6P", "T6-001", "T6-002"))
    assert by_b["ok"] and by_b["missing"] == [] and by_b["matched"] == 2, by_b

    assert a.sync()["accepted"] == 1
    assert _central_units(chain, "T6-002") == {("T6P", "T6-002"): ("written_off", "S1")}
    report = b.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0), report
    assert _central_units(chain, "T6-") == {
        ("T6P", "T6-001"): ("in_stock", "S1"),
        ("T6P", "T6-002"): ("in_stock", "S1"),
    }
    assert _conflicts(chain, "T6-") == []
    copy = _count_copy(b, by_b["count"])
    # Put back (written off here, on the shelf), not "added" (new to central).
    assert copy["central"]["put_back"] == [{"sku": "T6P", "serial": "T6-002"}], copy
    assert copy["central"]["added"] == [], copy
    shown = b.cli("count", "show", by_b["count"]).stdout
    assert "central took it: 1 put back" in shown and "added" not in shown, shown
    for till in (a, b, a, b):
        assert till.sync()["pending"] == 0
    _same(chain, "T6-", ("T6P",), (a, "S1"), (b, "S1"))
    assert int(chain.scalar(STOCK, store="S1", sku="T6P")) == 2
    for db in (a, b, chain):
        db.check_clean()
