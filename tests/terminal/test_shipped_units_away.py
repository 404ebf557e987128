"""The tills of a store follow the units it shipped wherever they go (issue 16): a unit
shipped from S1 and received at S2 is then sold, returned and shipped on at S2, and none of
it is in S1's feed. Each S1 till's copy of it is central's after its sync, whichever till
shipped it (services/transfers/away.py). Real ``serialpos serve`` on PostgreSQL, terminals
through the CLI, each its own SQLite."""

from __future__ import annotations

from typing import Any

from terminal_chain import Chain, Terminal

WHERE = (
    "SELECT s.code, u.state FROM serial_unit u JOIN store s ON s.id = u.store_id "
    "WHERE u.serial = :serial"
)


def _line(op: str, store: str, serial: str, **more: Any) -> dict[str, Any]:
    return {"op": op, "store": store, "sku": "PH1", "serial": serial, **more}


def _where(db: Terminal | Chain, serial: str) -> tuple[str, str]:
    if isinstance(db, Chain):
        with db.server.db.engine.connect() as conn:
            import sqlalchemy as sa

            [row] = conn.execute(sa.text(WHERE), {"serial": serial}).all()
    else:
        [row] = db.query(WHERE, serial=serial)
    return str(row[0]), str(row[1])


def test_a_unit_sold_at_the_store_it_was_shipped_to_reads_sold_on_the_senders_tills(
    chain: Chain,
) -> None:
    """Till A of S1 ships UA-1 to S2; till B of S1 holds no copy of the transfer. S2's till
    receives it and sells it: both S1 tills read it sold at S2 (not in stock there for
    good). A return at S2, and a transfer on to S1 again, are followed too; a sync with
    nothing new changes nothing."""
    assert chain.post(_line("receive", "S1", "UA-1"))[0]["ok"]
    a, b = chain.terminal("ua-a"), chain.terminal("ua-b")
    s2 = chain.terminal("ua-s2", "S2")
    [out] = a.apply(_line("transfer_out", "S1", "UA-1", to="S2", transfer="UA-TR1", create=True))
    assert out["ok"] and a.sync()["accepted"] == 1
    b.sync()
    assert s2.sync()["transfers"] == 1
    [got] = s2.apply(_line("transfer_in", "S2", "UA-1", transfer="UA-TR1"))
    assert got["ok"] and s2.sync()["accepted"] == 1
    for till in (a, b):
        till.sync()
        assert _where(till, "UA-1") == ("S2", "in_stock"), till.name

    [sold] = s2.apply(_line("sell", "S2", "UA-1", payment="card"))
    assert sold["ok"] and s2.sync()["accepted"] == 1
    assert _where(chain, "UA-1") == ("S2", "sold")
    for till in (a, b):
        report = till.sync()
        assert report["central_state"] == 1, (till.name, report)
        assert _where(till, "UA-1") == ("S2", "sold"), till.name
        assert till.sync()["central_state"] == 0, till.name  # nothing new: nothing changes

    # At central's console, through the sale's order (a bare return is refused
    # sold_on_order: services/sold_on_order.py).
    returned = chain.post({"op": "order_return", "order": sold["order"], "serials": ["UA-1"]})
    assert returned[0]["ok"], returned
    b.sync()
    assert _where(b, "UA-1") == ("S2", "in_stock")
    # Shipped back to S1 from S2 and received at S1: the S1 feed and the follow agree.
    back = chain.post(_line("transfer_out", "S2", "UA-1", to="S1", transfer="UA-TR2", create=True))
    assert back[0]["ok"], back
    b.sync()
    assert _where(b, "UA-1") == ("S1", "in_transit")
    assert chain.post(_line("transfer_in", "S1", "UA-1", transfer="UA-TR2"))[0]["ok"]
    for till in (a, b):
        till.sync()
        assert _where(till, "UA-1") == ("S1", "in_stock"), till.name
    for db in (a, b, s2, chain):
        db.check_clean()


def test_a_unit_a_conflict_sent_to_the_other_store_is_followed_there(chain: Chain) -> None:
    """The same new serial received offline at S1's till and at S2 (S2's reached central
    first): S1's receipt is a conflict and its copy goes to S2, in stock (the verdict).
    S2 then sells it: S1's till reads it sold at S2, as central has it."""
    till = chain.terminal("uc-s1")
    [got] = till.apply(_line("receive", "S1", "UC-1"))
    assert got["ok"], got
    assert chain.post(_line("receive", "S2", "UC-1"))[0]["ok"]
    first = till.sync()
    assert first["conflicts"] == 1, first
    assert _where(till, "UC-1") == ("S2", "in_stock")
    assert chain.post(_line("sell", "S2", "UC-1"))[0]["ok"]
    report = till.sync()
    assert report["central_state"] == 1, report
    assert _where(till, "UC-1") == ("S2", "sold")
    for db in (till, chain):
        db.check_clean()


def test_a_unit_a_refusal_sent_to_the_other_store_is_followed_there(chain: Chain) -> None:
    """S1's till receives, offline, serial UR-1 on receipt number R-UR-000001. Central holds
    that number already (a receipt of cables), so it refuses the entry outright (not a
    conflict: central records nothing), and it has UR-1 in stock at S2 (received there
    meanwhile): the verdict moves the till's copy to S2. S2 then sells it: the till names
    UR-1 when it asks what moved at other stores, and reads it sold at S2, as central has
    it."""
    till = chain.terminal("ur-s1")
    taken = chain.post(
        {
            "op": "receive",
            "store": "S1",
            "vendor": "Acme",
            "number": "R-UR-000001",
            "items": [{"sku": "CAB", "quantity": 1}],
        },
        _line("receive", "S2", "UR-1"),
    )
    assert all(r["ok"] for r in taken), taken
    [got] = till.apply(
        {
            "op": "receive",
            "store": "S1",
            "vendor": "Acme",
            "number": "R-UR-000001",
            "items": [{"sku": "PH1", "serials": ["UR-1"]}],
        }
    )
    assert got["ok"], got
    first = till.sync()
    assert (first["refused"], first["conflicts"]) == (1, 0), first
    assert _where(till, "UR-1") == ("S2", "in_stock")
    assert chain.post(_line("sell", "S2", "UR-1"))[0]["ok"]
    report = till.sync()
    assert report["central_state"] == 1, report
    assert _where(till, "UR-1") == _where(chain, "UR-1") == ("S2", "sold")
    assert till.sync()["central_state"] == 0
    for db in (till, chain):
        db.check_clean()
