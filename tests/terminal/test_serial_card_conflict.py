"""Two tills sold one unit offline: the losing till's serial card still showed its own
invoice for the unit, with nothing saying central did not take the sale. The card says so
(``NOT TAKEN by central: conflict #N``), from the till's journal, at 80 and 40 columns
(issue 16)."""

from __future__ import annotations

import json

from terminal_chain import Chain

from serialpos.services.lookup import SaleLink, UnitCard
from serialpos.tui.widgets.unit_cards import summary


def test_the_losing_tills_card_says_its_sale_is_a_conflict(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "SC-1"})[0]["ok"]
    winner, loser = chain.terminal("till-card-a"), chain.terminal("till-card-b")
    [won] = winner.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "SC-1"})
    [lost] = loser.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "SC-1"})
    winner.sync()
    assert loser.sync()["conflicts"] == 1
    listed = json.loads(loser.cli("conflicts", "list", "--json").stdout)  # its store's
    [conflict] = [c for c in listed if c["terminal"] == "till-card-b"]

    [card] = json.loads(loser.cli("serial", "show", "SC-1", "--json").stdout)
    assert card["sale"]["invoice"] == lost["invoice"]  # the till's own sale, still shown...
    assert card["sale"]["central"] == f"conflict #{conflict['id']}"  # ...marked
    words = loser.cli("serial", "show", "SC-1").stdout
    assert f"NOT TAKEN by central: conflict #{conflict['id']}" in words

    [card] = json.loads(winner.cli("serial", "show", "SC-1", "--json").stdout)
    assert card["sale"]["invoice"] == won["invoice"] and card["sale"]["central"] is None
    assert "NOT TAKEN" not in winner.cli("serial", "show", "SC-1").stdout
    # central's own card: its journal is empty, nothing marked
    [card] = json.loads(chain.central("serial", "show", "SC-1", "--json").stdout)
    assert card["sale"]["central"] is None


def test_the_card_says_it_at_40_columns() -> None:
    sale = SaleLink("S1-B-000001", 1, "fulfilled", "INV-S1-B-000001", central="conflict #12")
    card = UnitCard("PH1", "Phone", "SC-1", "sold", "S1", (), sale=sale)
    lines = summary((card,)).plain.splitlines()
    assert "  NOT TAKEN by central: conflict #12" in lines
    assert all(len(x) <= 37 for x in lines if "NOT TAKEN" in x)  # a handheld's row
