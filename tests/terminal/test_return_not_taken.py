"""A till's sale central did not take cannot be returned there (issue 16): two tills sold one
serial offline, the second's sale is a conflict. A return of it at the second till would pay
a refund for a sale central never had and put the unit in stock here while central has it
sold (central refuses the return, and the two disagree for good); it is refused before
anything moves, and the till and central still agree."""

from __future__ import annotations

from terminal_chain import Chain


def _sale(serial: str) -> dict[str, object]:
    lines = [{"sku": "PH1", "serial": serial}]
    return {"op": "order_create", "store": "S1", "lines": lines, "fulfil": True}


def test_a_return_of_a_sale_central_did_not_take_is_refused(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "RN-1"})[0]["ok"]
    first, second = chain.terminal("rn-a"), chain.terminal("rn-b")
    assert first.apply(_sale("RN-1"))[0]["ok"]
    [lost] = second.apply(_sale("RN-1"))
    assert lost["ok"], lost
    assert first.sync()["accepted"] == 1
    assert second.sync()["conflicts"] == 1
    before = second.query("SELECT count(*) FROM journal_entry")

    [refused] = second.apply(
        {"op": "order_return", "order": lost["order"], "line_numbers": [1]}, check=False
    )
    assert refused["error"] == "not_taken", refused
    assert f"order {lost['order']} was not taken by central (conflict #" in refused["message"]
    assert second.query("SELECT count(*) FROM journal_entry") == before  # nothing journaled
    refunds = "SELECT count(*) FROM invoice WHERE kind = 'Refund'"
    assert second.query(refunds) == [(0,)]
    assert (
        second.unit_state("RN-1")
        == "sold"
        == chain.scalar("SELECT state FROM serial_unit WHERE serial = 'RN-1'")
    )
    report = second.sync()
    assert (report["accepted"], report["refused"], report["pending"]) == (0, 0, 0), report
    # The till whose sale stands returns it as ever.
    [sold] = first.query("SELECT number FROM sale_order")
    [back] = first.apply({"op": "order_return", "order": sold[0], "line_numbers": [1]})
    assert back["ok"], back
    assert first.sync()["accepted"] == 1
    for db in (first, second, chain):
        db.check_clean()
