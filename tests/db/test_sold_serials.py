"""A store that does not track stock by serial still sells one unit once (services/
sold_serials.py), on SQLite and PostgreSQL: a serial sold (gone) or live at another store is
refused there by ``apply`` and at the counter alike, naming the unit's store and state; a
returned serial sells again; and ``db check`` names the sales recorded before the rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products, settings, sold_serials
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order
from serialpos.services.orders.serials import set_serial
from serialpos.services.returns import return_units


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    """PH at S1 (tracked): P1 sold there, P2 in stock; S2 does not track stock by serial."""
    products.create_product(
        db, admin, sku="PH", name="Phone", price=Decimal("100.00"), serial_mode="required"
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["P1", "P2"])
    assert apply_object(db, admin, {"op": "sell", "store": "S1", "sku": "PH", "serial": "P1"})["ok"]
    settings.set_setting(db, admin, "serialized_inventory", "off", "S2")
    return db


def sell(db: Database, actor: Actor, serial: str, store: str = "S2") -> dict[str, object]:
    return apply_object(db, actor, {"op": "sell", "store": store, "sku": "PH", "serial": serial})


def violations(db: Database) -> list[tuple[str, str, str]]:
    return [(f.rule, f.store, f.detail) for f in check_ledger(db) if f.violation]


def test_apply_refuses_a_sold_serial_and_one_in_stock_elsewhere(
    shop: Database, admin: Actor
) -> None:
    sold = sell(shop, admin, "P1")
    assert (sold["ok"], sold["error"], sold["message"]) == (
        False,
        "already_sold",
        "PH P1 is sold (at S1): it cannot be sold again until it is returned",
    )
    elsewhere = sell(shop, admin, "P2")
    assert (elsewhere["ok"], elsewhere["error"], elsewhere["message"]) == (
        False,
        "not_in_stock",
        "PH P2 is in stock at S1, not at S2: sell it at S1, or transfer it to S2 first",
    )
    # A serial the ledger has no unit of sells once at S2, then not again.
    assert sell(shop, admin, "N1")["ok"]
    again = sell(shop, admin, "N1")
    assert (again["ok"], again["error"], again["message"]) == (
        False,
        "already_sold",
        "PH N1 was sold at S2 on INV-S2-000001 and not returned: it cannot be sold again "
        "until it is returned",
    )
    # Nor at S1, where it would make a new unit.
    at_s1 = sell(shop, admin, "N1", store="S1")
    assert not at_s1["ok"]
    # Nothing of the refusals was recorded: P2 still in stock, one sale of P1, one of N1.
    assert [(u.state, u.store) for u in lookup.lookup_serial(shop, "P2")] == [("in_stock", "S1")]
    assert get_order(shop, "S2-000001").lines[0].serial == "N1"
    with pytest.raises(DomainError):
        get_order(shop, "S2-000002")
    assert violations(shop) == []


def test_a_returned_serial_sells_again(shop: Database, admin: Actor) -> None:
    assert sell(shop, admin, "N1")["ok"]
    back = apply_object(shop, admin, {"op": "return", "store": "S2", "sku": "PH", "serial": "N1"})
    assert back["error"] == "sold_on_order"  # a sale's return is its order's
    first = get_order(shop, "S2-000001").lines[0].line
    return_units(shop, admin, "S2-000001", lines=[first])
    assert sell(shop, admin, "N1")["ok"]  # the return took it back
    line = get_order(shop, "S2-000002").lines[0].line
    return_units(shop, admin, "S2-000002", lines=[line])
    assert sell(shop, admin, "N1")["ok"]  # returned on its order
    assert violations(shop) == []


def test_the_counter_at_such_a_store_refuses_as_apply_does(shop: Database, admin: Actor) -> None:
    order = open_order(shop, admin, "S2").order
    line = add_item(shop, admin, order, sku="PH").line
    with pytest.raises(DomainError) as sold:
        set_serial(shop, admin, order, line, "P1")
    assert (sold.value.code, str(sold.value)) == (
        "already_sold",
        "PH P1 is sold (at S1): it cannot be sold again until it is returned",
    )
    with pytest.raises(DomainError) as elsewhere:
        set_serial(shop, admin, order, line, "P2")
    assert elsewhere.value.code == "not_in_stock" and "in stock at S1" in str(elsewhere.value)
    assert get_order(shop, order).lines[0].serial is None
    # A serial sold since it was put on the line is refused at fulfilment, by the ledger.
    set_serial(shop, admin, order, line, "N1")
    assert sell(shop, admin, "N1")["ok"]
    with pytest.raises(DomainError) as late:
        fulfil(shop, admin, order, settle_in="card")
    assert late.value.code == "already_sold" and "was sold at S2 on" in str(late.value)


def test_db_check_names_a_serial_sold_twice_or_sold_while_in_stock(
    shop: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sales recorded before the rule existed (the refusal switched off, as it was)."""
    monkeypatch.setattr(sold_serials, "refuse_sold", lambda *_args: None)
    assert sell(shop, admin, "P1")["ok"]  # sold at S1 already
    assert sell(shop, admin, "P2")["ok"]  # in stock at S1
    assert sell(shop, admin, "N1")["ok"]
    assert sell(shop, admin, "N1")["ok"]
    assert sorted(violations(shop)) == [
        (
            "serial_sold_twice",
            "S2",
            "unit N1 is on two sales, INV-S2-000003 and INV-S2-000004, with no return between them",
        ),
        (
            "serial_sold_twice",
            "S2",
            "unit P1 is on two sales, INV-S1-000001 and INV-S2-000001, with no return between them",
        ),
        (
            "serial_sold_while_live",
            "S2",
            "unit P2 is sold on INV-S2-000002 (not returned) but in stock at S1",
        ),
    ]
