"""A transfer receipt central did not take put its units and quantities back on the till,
but the till's copy of the transfer still read "received". It reads what central says:
``refused`` when central holds it received by another till (issue 16)."""

from __future__ import annotations

from terminal_chain import Chain, Terminal


def _copy(till: Terminal, number: str) -> tuple[str, str | None]:
    [(status, by)] = till.query(
        "SELECT status, received_by FROM transfer WHERE number = :n", n=number
    )
    return str(status), by


def test_a_receipt_central_did_not_take_reads_refused_on_the_till(chain: Chain) -> None:
    done = chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": "RR-1"},
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 3},
    )
    assert all(r["ok"] for r in done), done
    ship = chain.post(
        {
            "op": "transfer_out",
            "store": "S1",
            "to": "S2",
            "transfer": "RR-T1",
            "create": True,
            "items": [{"sku": "PH1", "serials": ["RR-1"]}, {"sku": "CAB", "quantity": 3}],
        }
    )
    assert ship[0]["ok"], ship
    first, second = chain.terminal("rr-in-a", "S2"), chain.terminal("rr-in-b", "S2")
    for till in (first, second):
        till.sync()
    line = {
        "op": "transfer_in",
        "store": "S2",
        "transfer": "RR-T1",
        "complete": True,
        "items": [{"sku": "PH1", "serials": ["RR-1"]}, {"sku": "CAB", "quantity": 3}],
    }
    [a] = first.apply(line)
    [b] = second.apply(line)
    assert a["ok"] and b["ok"], (a, b)
    assert _copy(second, "RR-T1")[0] == "received"  # offline, as the till did it
    assert first.sync()["accepted"] == 1
    report = second.sync()
    assert report["conflicts"] + report["refused"] == 1, report
    assert report["refused_receipts"] == 1, report
    assert _copy(second, "RR-T1") == ("refused", None)  # was: "received", by mia
    assert _copy(first, "RR-T1")[0] == "received"
    assert second.sync()["refused_receipts"] == 0  # once
    for db in (first, second, chain):
        db.check_clean()


def test_a_receipt_central_did_not_take_reads_centrals_copy_while_in_transit(
    chain: Chain,
) -> None:
    """Another till received the phone only; this till's receipt of phone and cables is not
    taken. Central still has the cables in transit: the copy here reads central's (the phone
    received, the cables not), so the cables can be received here again."""
    done = chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": "RR-2"},
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 4},
    )
    assert all(r["ok"] for r in done), done
    ship = chain.post(
        {
            "op": "transfer_out",
            "store": "S1",
            "to": "S2",
            "transfer": "RR-T2",
            "create": True,
            "items": [{"sku": "PH1", "serials": ["RR-2"]}, {"sku": "CAB", "quantity": 4}],
        }
    )
    assert ship[0]["ok"], ship
    first, second = chain.terminal("rr-in-c", "S2"), chain.terminal("rr-in-d", "S2")
    for till in (first, second):
        till.sync()
    [a] = first.apply(
        {
            "op": "transfer_in",
            "store": "S2",
            "transfer": "RR-T2",
            "items": [{"sku": "PH1", "serials": ["RR-2"]}],
        }
    )
    [b] = second.apply(
        {
            "op": "transfer_in",
            "store": "S2",
            "transfer": "RR-T2",
            "complete": True,
            "items": [{"sku": "PH1", "serials": ["RR-2"]}, {"sku": "CAB", "quantity": 4}],
        }
    )
    assert a["ok"] and b["ok"], (a, b)
    assert first.sync()["accepted"] == 1
    report = second.sync()
    assert report["conflicts"] + report["refused"] == 1, report
    assert report["refused_receipts"] == 1, report
    status = chain.scalar("SELECT status FROM transfer WHERE number = 'RR-T2'")
    assert _copy(second, "RR-T2") == (status, None)
    assert second.query(
        "SELECT u.received FROM transfer_unit u JOIN transfer t ON t.id = u.transfer_id "
        "WHERE t.number = 'RR-T2'"
    ) == [(1,)]
    assert second.query(
        "SELECT l.quantity, l.received FROM transfer_line l JOIN transfer t "
        "ON t.id = l.transfer_id WHERE t.number = 'RR-T2'"
    ) == [(4, 0)]
    [again] = second.apply(
        {
            "op": "transfer_in",
            "store": "S2",
            "transfer": "RR-T2",
            "complete": True,
            "items": [{"sku": "CAB", "quantity": 4}],
        }
    )
    assert again["ok"], again
    assert second.sync()["accepted"] == 1
    for db in (first, second, chain):
        db.check_clean()
