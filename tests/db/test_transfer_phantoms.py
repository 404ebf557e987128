"""``serialpos apply`` never makes stock out of nothing by a receipt or a return.

A new-user walk found: a kept transfer's quantity taken in once without its id and once on
it (5 shipped, 10 received); a bare ``transfer_in`` of a quantity with no limit at all; a
serial shipped on a kept transfer taken in without its id, leaving the transfer "shipped"
with the unit in transit for good and its receipt refused with an untrue message; a bare
quantity ``return`` of an exploded kit or of a million cables nothing sold. ``db check``
found none of it. Each test here fails on the code before (services/transfers/bare_receipts.py,
item_checks.py, services/quantity_returns.py, services/transfer_checks.py).
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.product_import import import_products_text
from serialpos.services.transfers.views import get_transfer


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CAB", name="Cable")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A1", "A2", "A3"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=20)
    return db


def run(db: Database, actor: Actor, **line: Any) -> dict[str, Any]:
    return apply_object(db, actor, line)


def on_hand(db: Database, store: str, sku: str) -> int:
    def read(conn: sa.Connection) -> int:
        p = repo.product_by_sku(conn, sku)
        return int(
            conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(repo.stock_t.c.quantity), 0))
                .join(repo.store_t, repo.store_t.c.id == repo.stock_t.c.store_id)
                .where(repo.stock_t.c.product_id == p.id, repo.store_t.c.code == store)
            ).scalar_one()
        )

    return db.read(read)


def test_a_kept_transfers_quantity_is_received_once(shop: Database, admin: Actor) -> None:
    out = run(shop, admin, op="transfer_out", store="S1", to="S2", sku="CAB", quantity=5,
              transfer="K2", create=True)  # fmt: skip
    assert out["ok"], out
    bare = run(shop, admin, op="transfer_in", store="S2", sku="CAB", quantity=5)
    assert (bare["ok"], bare["error"]) == (False, "not_on_asn")
    assert bare["message"] == (
        "CAB: 5 to receive at S2 but 0 in transit to S2 without a kept transfer; "
        '5 on transfer K2: receive them on it ("transfer": "K2")'
    )
    assert on_hand(shop, "S2", "CAB") == 0
    kept = run(shop, admin, op="transfer_in", store="S2", sku="CAB", quantity=5, transfer="K2")
    assert kept["ok"] and kept["status"] == "received", kept
    assert on_hand(shop, "S2", "CAB") == 5  # 5 shipped, 5 received: never 10
    assert check_ledger(shop) == []


def test_a_bare_quantity_receipt_is_held_to_what_is_in_transit_to_it(
    shop: Database, admin: Actor
) -> None:
    assert run(shop, admin, op="transfer_out", store="S1", to="S2", sku="CAB", quantity=4)["ok"]
    over = run(shop, admin, op="transfer_in", store="S2", sku="CAB", quantity=20)
    assert (over["ok"], over["error"]) == (False, "not_on_asn")
    assert (
        over["message"] == "CAB: 20 to receive at S2 but 4 in transit to S2 without a kept transfer"
    )
    # Shipped to S2: nothing is in transit to S1 (the sender) by it.
    back = run(shop, admin, op="transfer_in", store="S1", sku="CAB", quantity=1)
    assert (back["ok"], back["error"]) == (False, "not_on_asn")
    # An id not kept is a document reference only: it draws on the same bare shipments.
    assert run(shop, admin, op="transfer_in", store="S2", sku="CAB", quantity=3, transfer="X9")[
        "ok"
    ]
    assert run(shop, admin, op="transfer_in", store="S2", sku="CAB", quantity=1)["ok"]
    again = run(shop, admin, op="transfer_in", store="S2", sku="CAB", quantity=1)
    assert (
        again["message"] == "CAB: 1 to receive at S2 but 0 in transit to S2 without a kept transfer"
    )
    assert (on_hand(shop, "S1", "CAB"), on_hand(shop, "S2", "CAB")) == (16, 4)
    assert check_ledger(shop) == []


def test_a_serial_on_a_kept_transfer_received_without_its_id_is_booked_on_it(
    shop: Database, admin: Actor
) -> None:
    out = run(shop, admin, op="transfer_out", store="S1", to="S2", sku="PH1", serials=["A1", "A2"],
              transfer="K1", create=True)  # fmt: skip
    assert out["ok"], out
    got = run(shop, admin, op="transfer_in", store="S2", sku="PH1", serial="A1")
    assert got["ok"], got
    assert got["transfer"] == "K1" and got["status"] == "shipped"
    assert got["received"] == [{"sku": "PH1", "quantity": 1, "serials": ["A1"]}]
    assert got["in_transit"] == [{"sku": "PH1", "quantity": 1, "serials": ["A2"]}]
    last = run(shop, admin, op="transfer_in", store="S2", sku="PH1", serial="A2")
    assert last["ok"] and last["status"] == "received", last
    view = get_transfer(shop, "K1")
    assert view.in_transit == 0
    assert check_ledger(shop) == []


def test_serials_of_a_kept_transfer_and_of_none_on_one_line_are_refused(
    shop: Database, admin: Actor
) -> None:
    assert run(shop, admin, op="transfer_out", store="S1", to="S2", sku="PH1", serial="A1",
               transfer="K1", create=True)["ok"]  # fmt: skip
    assert run(shop, admin, op="transfer_out", store="S1", to="S2", sku="PH1", serial="A2")["ok"]
    mixed = run(shop, admin, op="transfer_in", store="S2", sku="PH1", serials=["A1", "A2"])
    assert (mixed["ok"], mixed["error"]) == (False, "not_on_asn")
    assert mixed["message"] == (
        "serial A1 of PH1 is in transit on transfer K1 and A2 is not: receive them on "
        "separate lines"
    )
    assert run(shop, admin, op="transfer_in", store="S2", sku="PH1", serial="A2")["ok"]


def test_items_name_a_serial_listed_twice_and_sum_a_sku_on_two_lines(
    shop: Database, admin: Actor
) -> None:
    assert run(shop, admin, op="transfer_out", store="S1", to="S2", sku="PH1", serial="A1",
               transfer="T9", create=True)["ok"]  # fmt: skip
    assert run(shop, admin, op="transfer_out", store="S1", to="S2", sku="CAB", quantity=2,
               transfer="T9")["ok"]  # fmt: skip
    twice = run(shop, admin, op="transfer_in", store="S2", transfer="T9",
                items=[{"sku": "PH1", "serial": "A1"}, {"sku": "PH1", "serial": "A1"}])  # fmt: skip
    assert (twice["ok"], twice["error"]) == (False, "duplicate_serial")
    assert twice["message"] == "serial A1 of PH1 is listed twice: list each unit once"
    summed = run(shop, admin, op="transfer_in", store="S2", transfer="T9",
                 items=[{"sku": "CAB", "quantity": 2}, {"sku": "CAB", "quantity": 2}])  # fmt: skip
    assert (summed["ok"], summed["error"]) == (False, "not_on_asn")
    assert (
        summed["message"] == "CAB: 4 to receive (2 + 2 on 2 lines) but 2 in transit on transfer T9"
    )
    assert get_transfer(shop, "T9").in_transit == 3  # nothing received by either


def test_a_unit_in_transit_is_named_with_both_stores(shop: Database, admin: Actor) -> None:
    assert run(shop, admin, op="transfer_out", store="S1", to="S2", sku="PH1", serial="A1")["ok"]
    again = run(shop, admin, op="transfer_out", store="S1", to="S2", sku="PH1", serial="A1")
    assert again["message"] == "serial A1 is not in stock (it is in transit from S1 to S2)"
    wrong = run(shop, admin, op="transfer_in", store="S1", sku="PH1", serial="A1")
    assert wrong["message"] == "serial A1 is in transit from S1 to S2, not at S1"


KIT_CATALOGUE = (
    "SKU,Name,Price,Serial Number Option,PackageType,Components\n"
    "DRILL,Drill,100.00,Required,,\n"
    "BITS,Bit set,20.00,Disabled,,\n"
    "KIT,Drill kit,110.00,Disabled,exploded,DRILL*1|BITS*1\n"
)


def test_a_bare_return_of_an_exploded_kit_is_refused(db: Database, admin: Actor) -> None:
    import_products_text(db, admin, KIT_CATALOGUE)
    refused = run(db, admin, op="return", store="S1", sku="KIT", quantity=1)
    assert (refused["ok"], refused["error"]) == (False, "bad_request")
    assert refused["message"].startswith(
        "KIT is a package opened at the sale: it is never in stock and sells as its components"
    )
    assert on_hand(db, "S1", "KIT") == 0


def test_a_bare_sale_of_an_exploded_kit_is_refused(db: Database, admin: Actor) -> None:
    """A ``sell`` of the kit by the ledger alone took the kit itself to -1 and sold neither
    the drill nor the bits: refused, pointing at the order, which sells its parts."""
    import_products_text(db, admin, KIT_CATALOGUE)
    refused = run(db, admin, op="sell", store="S1", sku="KIT", quantity=1)
    assert (refused["ok"], refused["error"]) == (False, "bad_request")
    assert "sell it with order_create" in refused["message"], refused
    assert on_hand(db, "S1", "KIT") == 0


def test_a_quantity_return_is_held_to_what_was_sold(shop: Database, admin: Actor) -> None:
    million = run(shop, admin, op="return", store="S1", sku="CAB", quantity=1000000)
    assert (million["ok"], million["error"]) == (False, "invalid_state")
    assert million["message"].startswith(
        "CAB: 1000000 to take back but only 0 sold and not returned yet (all stores)"
    )
    assert run(shop, admin, op="sell", store="S1", sku="CAB", quantity=3)["ok"]
    # Handed in at another store: allowed up to what was sold anywhere.
    assert run(shop, admin, op="return", store="S2", sku="CAB", quantity=2)["ok"]
    over = run(shop, admin, op="return", store="S1", sku="CAB", quantity=2)
    assert over["message"].startswith("CAB: 2 to take back but only 1 sold and not returned yet")
    assert run(shop, admin, op="return", store="S1", sku="CAB", quantity=1)["ok"]
    assert (on_hand(shop, "S1", "CAB"), on_hand(shop, "S2", "CAB")) == (18, 2)
    assert check_ledger(shop) == []


def test_db_check_sees_the_phantoms_receipts_beside_a_transfer_left(
    shop: Database, admin: Actor
) -> None:
    """What the old ``transfer_in`` left (made here by the ledger call it was): a unit a kept
    transfer lists in transit though in stock, and a quantity received twice."""
    assert run(shop, admin, op="transfer_out", store="S1", to="S2", sku="PH1", serial="A1",
               transfer="K1", create=True)["ok"]  # fmt: skip
    assert run(shop, admin, op="transfer_out", store="S1", to="S2", sku="CAB", quantity=5,
               transfer="K2", create=True)["ok"]  # fmt: skip
    ledger.move(shop, admin, Action.TRANSFER_IN, store="S2", sku="PH1", serials=["A1"])
    ledger.move(shop, admin, Action.TRANSFER_IN, store="S2", sku="CAB", quantity=5)
    assert run(shop, admin, op="transfer_in", store="S2", sku="CAB", quantity=5, transfer="K2")[
        "ok"
    ]
    found = {(f.rule, f.store, f.sku, f.detail) for f in check_ledger(shop)}
    assert found == {
        (
            "transfer_unit_in_transit",
            "S2",
            "PH1",
            "transfer K1 lists A1 in transit to S2 but the ledger has it in stock at S2",
        ),
        (
            "transfer_received_once",
            "",
            "CAB",
            "5 taken in by transfer_in without a kept transfer but only 0 shipped so: "
            "stock received twice or never shipped",
        ),
    }
