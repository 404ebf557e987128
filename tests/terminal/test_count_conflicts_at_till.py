"""The conflicts of a till's own counts, at the till (issue 16).

Central takes a till's count and records one conflict per decision it cannot carry out,
each under the count entry's id with ``#n`` after it. The till's own list of conflicts (what
it shows offline, and what it knows of the conflicts of its own entries) was read from the
entries settled as conflicts only: an accepted count's conflicts were not there. And a unit
the till's count matched on the shelf that central holds sold or elsewhere just took
central's state on the till: the shelf and central's record disagreed with no conflict.
Real processes: ``serialpos serve`` on PostgreSQL, each till its own SQLite driven by the
CLI (terminal_chain.py).
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
import sqlalchemy as sa
from api_serving import free_port
from terminal_chain import Chain, Terminal, opened, till_db

from serialpos.domain.errors import DomainError
from serialpos.services import counts, products, users

__all__ = ["opened"]

UNITS = (
    "SELECT p.sku, u.serial, u.state, s.code FROM serial_unit u "
    "JOIN product p ON p.id = u.product_id JOIN store s ON s.id = u.store_id "
    "WHERE u.serial LIKE :prefix ORDER BY p.sku, u.serial"
)


def _product(chain: Chain, sku: str) -> None:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(chain.server.db, ada, sku=sku, name=sku, serial_mode="required")


def _post(chain: Chain, line: dict[str, Any]) -> None:
    got = chain.post(line)
    assert got[0]["ok"], got


def _central_units(chain: Chain, prefix: str) -> dict[tuple[str, str], tuple[str, str]]:
    with chain.server.db.engine.connect() as conn:
        rows = conn.execute(sa.text(UNITS), {"prefix": f"{prefix}%"}).all()
    return {(k, s): (state, store) for k, s, state, store in rows}


def _count(sku: str, *serials: str) -> dict[str, Any]:
    scans = [{"sku": sku, "serial": s} for s in serials]
    return {
        "op": "count",
        "store": "S1",
        "products": [sku],
        "approve": True,
        "batches": [{"counter": "stock", "scans": scans}],
    }


def _listed(till: Terminal, *args: str) -> tuple[list[dict[str, Any]], str]:
    done = till.cli("conflicts", "list", "--json", *args)
    return list(json.loads(done.stdout)), done.stderr


def _offline(till: Terminal, chain: Chain) -> str:
    """Point the till at a port nobody listens on; the config as it was, to restore."""
    real = till.config.read_text()
    till.config.write_text(real.replace(chain.server.base, f"http://127.0.0.1:{free_port()}"))
    return real


def test_a_till_lists_the_conflicts_of_its_own_counts_offline_and_follows_them(
    chain: Chain,
) -> None:
    """A count of the till's with two decisions central cannot carry out (a unit it wrote
    off was sold at central meanwhile; a unit it added is in stock at S2 there): its own list
    shows both, offline too, each with its count entry's id as central has it; resolved at
    this till, its offline list says resolved."""
    _product(chain, "CQ1")
    _post(chain, {"op": "receive", "store": "S1", "sku": "CQ1", "serials": ["CQ-1", "CQ-2"]})
    _post(chain, {"op": "receive", "store": "S2", "sku": "CQ1", "serials": ["CQ-9"]})
    till = chain.terminal("cq-till")
    _post(chain, {"op": "sell", "store": "S1", "sku": "CQ1", "serial": "CQ-2"})
    [counted] = till.apply(_count("CQ1", "CQ-1", "CQ-9"))
    assert counted["ok"], counted
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0), report
    at_central = {
        c["serial"]: c for c in json.loads(chain.central("conflicts", "list", "--json").stdout)
    }
    assert {"CQ-2", "CQ-9"} <= set(at_central), at_central

    real = _offline(till, chain)
    offline, note = _listed(till)
    assert "cannot be reached" in note, note
    mine = {c["serial"]: c for c in offline}
    assert set(mine) == {"CQ-2", "CQ-9"}, offline
    for serial, c in mine.items():
        theirs = at_central[serial]
        assert (c["id"], c["sku"], c["store"], c["status"]) == (
            theirs["id"],
            "CQ1",
            "S1",
            "open",
        ), c
        assert c["entry"]["id"] == theirs["entry"]["id"] and "#" in c["entry"]["id"], c
        assert (c["error"], c["message"]) == (theirs["error"], theirs["message"]), c
        # The event that stood when central answered (nothing moved since): the same.
        assert c["first_event"] == theirs["first_event"] and c["first_event"], c
        assert c["terminal"] == "cq-till" and c["user"] == "mia", c
    till.config.write_text(real)

    # Online: central's, each known as this till's own (who made it here).
    online, _note = _listed(till)
    own = {c["serial"]: c for c in online if c["serial"] in mine}
    assert {s: c.get("user") for s, c in own.items()} == {"CQ-2": "mia", "CQ-9": "mia"}, own

    # Resolved at this till (named by its entry): the offline list follows.
    number = mine["CQ-9"]["id"]
    done = till.cli("--user", "mia", "conflicts", "resolve", str(number), "--by", "accept")
    assert json.loads(done.stdout)["status"] == "resolved"
    _offline(till, chain)
    after = {c["serial"]: c for c in _listed(till)[0]}
    assert after["CQ-9"]["status"] == "resolved", after
    assert after["CQ-9"]["resolution"]["action"] == "accept", after
    assert after["CQ-2"]["status"] == "open", after
    assert [c["serial"] for c in _listed(till, "--status", "open")[0]] == ["CQ-2"]
    till.config.write_text(real)
    till.check_clean()
    chain.check_clean()


def test_a_unit_a_tills_count_matched_that_central_holds_sold_or_elsewhere_is_a_conflict(
    chain: Chain,
) -> None:
    """The till holds CM-1..3 in stock at S1 and counts all three on the shelf (matches: no
    decision). Meanwhile central sold CM-1 and shipped CM-2 to S2. Central keeps its state
    of both, and records a conflict naming each for a manager (the shelf and its record
    disagree about where the unit is); the till takes central's state and its count copy
    names the conflicts. Resolved by return, the sold unit comes back to stock at S1 at
    central and on the till."""
    _product(chain, "CM1")
    _post(
        chain, {"op": "receive", "store": "S1", "sku": "CM1", "serials": ["CM-1", "CM-2", "CM-3"]}
    )
    till = chain.terminal("cm-till")
    _post(chain, {"op": "sell", "store": "S1", "sku": "CM1", "serial": "CM-1"})
    _post(
        chain,
        {
            "op": "transfer_out",
            "store": "S1",
            "to": "S2",
            "transfer": "CM-T1",
            "create": True,
            "items": [{"sku": "CM1", "serials": ["CM-2"]}],
        },
    )
    [counted] = till.apply(_count("CM1", "CM-1", "CM-2", "CM-3"))
    assert counted["ok"] and counted["matched"] == 3 and counted["missing"] == [], counted

    synced = till.cli("sync")
    report = json.loads(synced.stdout)
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0), report
    # The round names each of the count's conflicts on stderr, as a sale's (it said nothing).
    named = [w for w in synced.stderr.splitlines() if w.startswith("conflict: ")]
    assert len(named) == 2 and all("count #" in w for w in named), synced.stderr
    assert any("serial CM-1 sku CM1" in w for w in named), named
    before = {
        ("CM1", "CM-1"): ("sold", "S1"),
        ("CM1", "CM-2"): ("in_transit", "S2"),
        ("CM1", "CM-3"): ("in_stock", "S1"),
    }
    assert _central_units(chain, "CM-") == before
    listed = json.loads(chain.central("conflicts", "list", "--json").stdout)
    mine = {c["serial"]: c for c in listed if c["serial"].startswith("CM-")}
    assert set(mine) == {"CM-1", "CM-2"}, listed
    assert (mine["CM-1"]["error"], mine["CM-2"]["error"]) == ("already_sold", "invalid_state")
    for serial, c in mine.items():
        assert (c["sku"], c["store"], c["status"], c["terminal"]) == (
            "CM1",
            "S1",
            "open",
            "cm-till",
        ), c
        assert f"CM1 {serial} on the shelf" in c["message"], c
    assert "sold at S1" in mine["CM-1"]["message"], mine
    assert "in transit at S2" in mine["CM-2"]["message"], mine
    assert till.sync()["pending"] == 0
    here = {(k, s): (state, at) for k, s, state, at in till.query(UNITS, prefix="CM-%")}
    assert here[("CM1", "CM-1")] == ("sold", "S1") and here[("CM1", "CM-3")] == (
        "in_stock",
        "S1",
    ), here
    assert here.get(("CM1", "CM-2"), ("", ""))[0] != "in_stock", here
    copy = json.loads(till.cli("count", "show", counted["count"], "--json").stdout)
    named = {c["serial"]: c["conflict"] for c in copy["central"]["conflicts"]}
    assert named == {"CM-1": mine["CM-1"]["id"], "CM-2": mine["CM-2"]["id"]}, copy

    # Central's state stands until a manager resolves it: returned, CM-1 is in stock again.
    done = till.cli(
        "--user", "mia", "conflicts", "resolve", str(mine["CM-1"]["id"]), "--by", "return"
    )
    assert json.loads(done.stdout)["status"] == "resolved"
    assert _central_units(chain, "CM-1")[("CM1", "CM-1")] == ("in_stock", "S1")
    till.sync()
    assert till.query(UNITS, prefix="CM-1") == [("CM1", "CM-1", "in_stock", "S1")]
    till.check_clean()
    chain.check_clean()


def test_a_bare_serial_the_till_does_not_know_gets_one_refusal_that_fits_a_handheld(
    chain: Chain, opened: list[Any]
) -> None:
    """A serial the till never held, scanned alone in a count: before the product is chosen
    and after, one refusal (there were two, "scan the product's barcode first" sending the
    person round to the other), naming the serial and the problem, read whole in a 40x16
    handheld's message line (four rows of 38 columns, its "✗ " first); nothing recorded."""
    _product(chain, "CU1")
    _post(chain, {"op": "receive", "store": "S1", "sku": "CU1", "serials": ["CU-1"]})
    _post(
        chain,
        {"op": "receive", "store": "S2", "sku": "CU1", "serials": ["CU-LONG-SERIAL-0000000099"]},
    )
    till = chain.terminal("cu-till")
    db, mia = till_db(till, opened)
    count = counts.open_count(db, mia, "S1", ["CU1"])
    counts.start_batch(db, mia, count.number, "stock")
    for serial in ("CU-9", "CU-LONG-SERIAL-0000000099"):
        said = []
        for current in (None, counts.take(db, mia, count.number, 1, text="CU1").current):
            with pytest.raises(DomainError) as refused:
                counts.take(db, mia, count.number, 1, text=serial, current=current)
            said.append((refused.value.code, refused.value.message))
        assert said[0] == said[1], said
        code, message = said[0]
        assert code == "unknown_unit" and "unknown on this till" in message, message
        assert serial[:20] in message and "GS1 label" in message, message
        assert len(textwrap.wrap(f"✗ {message}", 38)) <= 4, message
    assert [b.scans for b in counts.get_count(db, count.number).batches] == [0]
