"""The ledger on both databases: a unit received, sold, refused a second sale."""

from __future__ import annotations

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import AlreadySold, DuplicateSerial
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger


def test_receive_sell_and_refuse_second_sale(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A1", "B1"])
    with pytest.raises(DuplicateSerial):
        ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH1", serials=["A1"])
    with pytest.raises(DuplicateSerial, match="differs only in letter case from A1"):
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["a1"])
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A1"])
    with pytest.raises(AlreadySold):
        ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A1"])
    cards = lookup.lookup_serial(db, " A1 ")
    assert [(c.state, c.store) for c in cards] == [("sold", "S1")]
    assert [e.action for e in cards[0].events] == ["receive", "sell"]
    assert lookup.lookup_serial(db, "B1")[0].state == "in_stock"
    assert lookup.lookup_serial(db, "a1") == []  # case-sensitive: "did you mean A1?"
    assert check_ledger(db) == []
