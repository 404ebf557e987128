"""A conflict offers only the resolutions that go through (issue 16): ``conflicts show``
(``resolutions`` in its JSON, ``resolve by:`` in its words) lists each resolution whose
checks and unit state let it through, and ``resolve`` accepts exactly those. Before, a
till's second return of one unit read "record_sale books it at central", then refused (it
now offers ``refund``, which books it: services/second_refund.py);
a till's sale of a unit central wrote off was refused ``record_sale`` as "every line named
a unit sold elsewhere" (untrue), and still refused once the unit was added back."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from till_push import entry, push

from serialpos.db.engine import Database
from serialpos.domain.conflict_words import conflict_words
from serialpos.domain.errors import DomainError
from serialpos.domain.states import Action
from serialpos.services import conflicts, ledger, lookup, products, snapshot, stores, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import SYSTEM, Actor
from serialpos.services.document_numbers import terminal_tag
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.reading import get_order

Shop = tuple[Database, Actor, list[Actor]]


def _shop(db: Database) -> Shop:
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(
        db, mia, sku="PH1", name="Phone", price=D("299.00"), serial_mode="required"
    )
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=["U1", "U2"])
    tills = [users.actor_for(db, "mia", f"api-till-{n}") for n in (1, 2)]
    for n, token in enumerate(tills, start=1):
        snapshot.link(db, token, "S1", f"till-{n}")
    return db, mia, tills


def _sale(key: str, till: int, seq: int, *serials: str) -> bytes:
    """A till's counter sale (``order_create``) of ``serials``, handed over and paid."""
    return entry(
        key,
        f"till-{till}",
        seq,
        op="order_create",
        store="S1",
        lines=[{"sku": "PH1", "serial": s} for s in serials],
        fulfil=True,
        payments=[{"method": "cash", "amount": str(299 * len(serials))}],
    )


def _adjust(db: Database, mia: Actor, move: str) -> None:
    line = {"op": "adjust", move: ["U1"], "store": "S1", "sku": "PH1", "reason": "count"}
    assert apply_object(db, mia, line)["ok"]


def _conflict(verdicts: list[dict[str, Any]]) -> int:
    assert verdicts[-1].get("error") == "sync_conflict", verdicts
    return int(verdicts[-1]["conflict"]["id"])


def _written_off(shop: Shop) -> int:
    db, mia, tills = shop
    _adjust(db, mia, "remove")
    return _conflict(push(db, tills[0], [_sale("a1", 1, 1, "U1")]))


def _sold_elsewhere(shop: Shop, *serials: str) -> int:
    db, _mia, tills = shop
    [sold] = push(
        db, tills[0], [entry("a1", "till-1", 1, op="sell", store="S1", sku="PH1", serial="U1")]
    )
    assert sold["ok"], sold
    return _conflict(push(db, tills[1], [_sale("b1", 2, 1, *serials)]))


def _double_return(shop: Shop) -> int:
    """U1 sold at till 1, returned at till 1, then at till 2 (its copy of the order)."""
    db, _mia, tills = shop
    [sold] = push(
        db, tills[0], [entry("a1", "till-1", 1, op="sell", store="S1", sku="PH1", serial="U1")]
    )
    back = {"op": "order_return", "order": sold["order"], "serials": ["U1"]}
    # Each till's refund note by its own number, as a till journals its return.
    first = {"refund": f"RF-S1-{terminal_tag('till-1', 'S1')}-000001"}
    assert push(db, tills[0], [entry("a2", "till-1", 2, **back, numbers=first)])[0]["ok"]
    second = {"refund": f"RF-S1-{terminal_tag('till-2', 'S1')}-000001"}
    return _conflict(push(db, tills[1], [entry("b1", "till-2", 1, **back, numbers=second)]))


def _bare_return(shop: Shop) -> int:
    db, _mia, tills = shop
    [sold] = push(
        db, tills[0], [entry("a1", "till-1", 1, op="sell", store="S1", sku="PH1", serial="U1")]
    )
    assert sold["ok"], sold
    line = {"op": "return", "store": "S1", "sku": "PH1", "serial": "U1"}
    return _conflict(push(db, tills[1], [entry("b1", "till-2", 1, **line)]))


def _plain_sell(shop: Shop) -> int:
    db, _mia, tills = shop
    line = {"op": "sell", "store": "S1", "sku": "PH1", "serial": "U1"}
    assert push(db, tills[0], [entry("a1", "till-1", 1, **line)])[0]["ok"]
    return _conflict(push(db, tills[1], [entry("b1", "till-2", 1, **line)]))


def _added_back(shop: Shop) -> int:
    number = _written_off(shop)
    _adjust(shop[0], shop[1], "add")
    return number


#: Each kind of conflict, and the resolutions it must offer.
KINDS: dict[str, tuple[Callable[[Shop], int], list[str]]] = {
    "one-line sale of a unit sold elsewhere": (
        lambda s: _sold_elsewhere(s, "U1"),
        ["accept", "return", "refund"],
    ),
    "two-line sale, one unit sold elsewhere": (
        lambda s: _sold_elsewhere(s, "U1", "U2"),
        ["accept", "return", "record_sale"],
    ),
    "sale of a unit written off": (_written_off, ["accept", "refund"]),
    "sale of a unit written off, added back": (
        _added_back,
        ["accept", "write_off", "record_sale", "refund"],
    ),
    "second return of one unit": (_double_return, ["accept", "refund"]),
    "bare return of a unit sold on an order": (_bare_return, ["accept", "return"]),
    "plain sell of a unit sold elsewhere": (_plain_sell, ["accept", "return", "refund"]),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_offers_exactly_what_resolve_accepts(
    kind: str, migrated_sqlite: Path, tmp_path: Path
) -> None:
    """For every resolution, on a fresh copy of the same conflict: offered ⇔ accepted."""
    build, expected = KINDS[kind]
    went: list[str] = []
    for action in conflicts.RESOLUTIONS:
        path = tmp_path / f"{action}.sqlite"
        shutil.copyfile(migrated_sqlite, path)
        db = Database(f"sqlite:///{path}")
        try:
            stores.add_store(db, SYSTEM, "S1", "Main Street")
            shop = _shop(db)
            number = build(shop)
            offered = conflicts.show(db, number)["resolutions"]
            assert offered == expected, (kind, offered)
            try:
                conflicts.resolve(db, shop[1], number, action, apply_object=apply_object)
            except DomainError as refused:
                # A refusal says what works: only resolutions it offers.
                named = {a for a in conflicts.RESOLUTIONS if f"by {a}" in str(refused)}
                assert named <= set(offered) | {"return", "refund"}, (action, str(refused))
            else:
                went.append(action)
                assert check_ledger(db) == []
        finally:
            db.dispose()
    assert went == expected, kind


def test_a_sale_of_a_unit_written_off_says_so_and_records_once_added_back(db: Database) -> None:
    shop = _shop(db)
    _db, mia, _tills = shop
    number = _written_off(shop)
    shown = conflicts.show(db, number)
    with pytest.raises(DomainError) as refused:
        conflicts.resolve(db, mia, number, "record_sale", apply_object=apply_object)
    said = str(refused.value)
    assert "sold elsewhere" not in said
    at = shown["first_event"]["at"]
    assert f"U1 was written off at S1 at {at}" in said, said
    assert "add it back first" in said and "then record_sale records the sale" in said
    _adjust(db, mia, "add")
    assert "record_sale" in conflicts.show(db, number)["resolutions"]
    done = conflicts.resolve(db, mia, number, "record_sale", apply_object=apply_object)
    assert done["status"] == "resolved"
    card = lookup.lookup_serial(db, "U1", "PH1")[0]
    assert (card.state, card.store) == ("sold", "S1")  # the till's customer has it
    assert card.sale is not None and card.sale.status == "fulfilled", card.sale
    view = get_order(db, card.sale.order)
    assert [line.serial for line in view.lines] == ["U1"]
    assert sum(p.amount for p in view.payments) == D("299.00")
    assert check_ledger(db) == []


def test_a_second_return_offers_accept_and_says_where_its_money_is(db: Database) -> None:
    shop = _shop(db)
    number = _double_return(shop)
    shown = conflicts.show(db, number)
    # refund books the till's second refund at central (services/second_refund.py).
    assert shown["resolutions"] == ["accept", "refund"]
    words = "\n".join(conflict_words(shown, "central"))
    assert "record_sale books it" not in words
    assert "resolve by: accept, refund" in words
    with pytest.raises(DomainError) as refused:
        conflicts.resolve(db, shop[1], number, "record_sale", apply_object=apply_object)
    assert "resolve it by accept or refund" in str(refused.value), str(refused.value)
    conflicts.resolve(db, shop[1], number, "accept", apply_object=apply_object)
    assert conflicts.show(db, number)["resolutions"] == []
