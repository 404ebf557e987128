"""Two tills sold one unit offline: the losing till's sales reports still counted its sale
that central recorded as a conflict, unmarked, so the till's totals were more than central's
for the same sales; and its serial card still claimed a warranty from that sale. The reports
leave such a sale out and name it (on stderr; the rows' shape is pinned), and the card gives
no warranty from it (issue 16)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import sqlalchemy as sa
from terminal_chain import Chain

from serialpos.services import products, users


def test_a_sale_central_did_not_take_is_not_counted(chain: Chain) -> None:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="PW1", name="Watch", price=Decimal("250.00"),
        serial_mode="required",
    )  # fmt: skip
    with chain.server.db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE product SET warranty_months = 24 WHERE sku = 'PW1'"))
    assert chain.post({"op": "receive", "store": "S1", "sku": "PW1", "serials": ["NT-1", "NT-2"]})[
        0
    ]["ok"]
    winner, loser = chain.terminal("till-nt-a"), chain.terminal("till-nt-b")
    [won] = winner.apply({"op": "sell", "store": "S1", "sku": "PW1", "serial": "NT-1"})
    [lost] = loser.apply({"op": "sell", "store": "S1", "sku": "PW1", "serial": "NT-1"})
    [kept] = loser.apply({"op": "sell", "store": "S1", "sku": "PW1", "serial": "NT-2"})
    assert winner.sync()["accepted"] == 1
    assert loser.sync()["conflicts"] == 1

    # The losing till: the conflict sale is left out of the rows and totals, and named.
    done = loser.cli("--user", "mia", "report", "sales", "--json")
    rows = json.loads(done.stdout)
    assert [r["invoice"] for r in rows] == [kept["invoice"]]  # a plain array, as pinned
    assert set(rows[0]) >= {"invoice", "total", "serial", "kind"}
    assert f"1 sale central did not take is not counted ({lost['invoice']})" in done.stderr
    assert "serialpos conflicts list / serialpos terminal refused" in done.stderr
    table = loser.cli("--user", "mia", "report", "sales")
    assert lost["invoice"] not in table.stdout and kept["invoice"] in table.stdout
    assert "250.00" in table.stdout and "500.00" not in table.stdout  # the footer's total
    assert f"not counted ({lost['invoice']})" in table.stderr
    detail = loser.cli("--user", "mia", "report", "sales-detail", "--format", "csv")
    read = list(csv.reader(io.StringIO(detail.stdout)))
    assert read[0][0] == "Invoice" and [r[0] for r in read[1:]] == [kept["invoice"]]
    assert f"not counted ({lost['invoice']})" in detail.stderr
    by_serial = loser.cli("--user", "mia", "report", "sales", "--serial", "NT-2", "--json")
    assert "not counted" not in by_serial.stderr  # the note names what the filter would show

    # Central's report of the same till's sales adds up to the till's own.
    at_central = json.loads(chain.central("report", "sales", "--json", user="mia").stdout)
    tills = {r["invoice"]: r for r in at_central}
    assert lost["invoice"] not in tills and won["invoice"] in tills
    mine = [r for r in at_central if r["invoice"] in {lost["invoice"], kept["invoice"]}]
    assert sum(Decimal(r["total"]) for r in mine) == sum(Decimal(r["total"]) for r in rows)
    assert sum(Decimal(r["total"]) for r in rows) == Decimal("250.00")
    central_note = chain.central("report", "sales", user="mia")
    assert "did not take" not in central_note.stderr  # central: nothing changes
    # The winning till counts its sale, with no note.
    theirs = winner.cli("--user", "mia", "report", "sales", "--json")
    assert [r["invoice"] for r in json.loads(theirs.stdout)] == [won["invoice"]]
    assert "did not take" not in theirs.stderr

    # The losing till's card of the unit: NOT TAKEN, and no warranty from that sale.
    [card] = json.loads(loser.cli("serial", "show", "NT-1", "--json").stdout)
    assert card["sale"]["invoice"] == lost["invoice"] and card["sale"]["central"]
    assert card["warranty"]["state"] == "not_taken"
    assert card["warranty"]["ends_on"] is None
    words = loser.cli("serial", "show", "NT-1").stdout
    assert "NOT TAKEN by central" in words and "in warranty until" not in words
    assert "warranty: no warranty: sale not taken by central" in words
    # The till's other sale, and the winner's, keep their warranty.
    assert "in warranty until" in loser.cli("serial", "show", "NT-2").stdout
    assert "in warranty until" in winner.cli("serial", "show", "NT-1").stdout
