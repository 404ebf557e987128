"""Money a till moved on its order that central closed meanwhile: what ``refund`` books at
central, and when it is offered (issue 16; services/conflict_closed_money.py).

A till's deposit (``order_pay``) on a layby central voided, or its void (``order_void``,
journaled with the ``refunds`` it paid out of its drawer) of a layby central fulfilled, is
a conflict ``order_closed``. Before, only ``accept`` was offered: no book at central held
the money the till's drawer moved. Now ``refund`` books it on central's order: the deposit
taken and refunded (the order stays voided, holding nothing), or the till's refund paid
(the order stays fulfilled, owing it). A void central could not book (an older till's
entry naming no refunds, or an order central voided too) offers ``accept`` only, and
``resolve`` refuses ``refund`` saying so."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from test_conflict_offers import Shop, _conflict, _shop
from till_push import entry, push

from serialpos.db.engine import Database
from serialpos.domain.conflict_words import conflict_words
from serialpos.domain.errors import DomainError
from serialpos.services import conflicts, stores
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import SYSTEM
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.reading import get_order

CASH_50 = [{"method": "cash", "amount": "50.00"}]


def _layby(shop: Shop) -> str:
    """A layby of U1 (299.00) made at till 1, 100 paid there, known at central."""
    db, _mia, tills = shop
    create = {"op": "order_create", "store": "S1", "type": "layby"}
    [made] = push(
        db, tills[0], [entry("l1", "till-1", 1, **create, lines=[{"sku": "PH1", "serial": "U1"}])]
    )
    assert made["ok"], made
    pay = {"op": "order_pay", "order": made["order"]}
    [paid] = push(
        db,
        tills[0],
        [entry("l2", "till-1", 2, **pay, payments=[{"method": "cash", "amount": "100"}])],
    )
    assert paid["ok"], paid
    return str(made["order"])


def _central(shop: Shop, line: dict[str, Any]) -> None:
    assert apply_object(shop[0], shop[1], line)["ok"]


def _deposit_on_voided(shop: Shop) -> int:
    order = _layby(shop)
    _central(shop, {"op": "order_void", "order": order})
    pay = {"op": "order_pay", "order": order, "payments": CASH_50}
    return _conflict(push(shop[0], shop[2][0], [entry("l3", "till-1", 3, **pay)]))


def _void(shop: Shop, central: dict[str, Any] | None, **extra: Any) -> int:
    order = _layby(shop)
    if central is not None:
        _central(shop, {**central, "order": order})
    void = {"op": "order_void", "order": order, **extra}
    return _conflict(push(shop[0], shop[2][0], [entry("l3", "till-1", 3, **void)]))


def _deposit_then_fulfil(shop: Shop, *, recorded: bool) -> int:
    """The till's deposit of 50 on a layby central voided, then its fulfilment of it (the
    149 balance): the deposit's conflict, the fulfilment's resolved by ``record_sale`` (the
    order fulfilled, owing 150) when ``recorded``."""
    order = _layby(shop)
    _central(shop, {"op": "order_void", "order": order})
    pay = {"op": "order_pay", "order": order, "payments": CASH_50}
    fulfil = {
        "op": "order_fulfil",
        "order": order,
        "payments": [{"method": "card", "amount": "149"}],
    }
    [paid] = push(shop[0], shop[2][0], [entry("l3", "till-1", 3, **pay)])
    fulfilled = _conflict(push(shop[0], shop[2][0], [entry("l4", "till-1", 4, **fulfil)]))
    if recorded:
        conflicts.resolve(shop[0], shop[1], fulfilled, "record_sale", apply_object=apply_object)
    return _conflict([paid])


FULFIL = {"op": "order_fulfil", "payments": [{"method": "card", "amount": "199.00"}]}
REFUNDED = [{"method": "cash", "amount": "100.00"}]

#: Each kind of conflict, and the resolutions it must offer.
KINDS: dict[str, tuple[Callable[[Shop], int], list[str]]] = {
    "deposit on an order central voided": (_deposit_on_voided, ["accept", "refund"]),
    "void of an order central fulfilled": (
        lambda s: _void(s, FULFIL, refunds=REFUNDED),
        ["accept", "refund"],
    ),
    "deposit before the till's fulfilment, recorded": (
        lambda s: _deposit_then_fulfil(s, recorded=True),
        ["accept", "record_sale"],
    ),
    "deposit before the till's fulfilment, open": (
        lambda s: _deposit_then_fulfil(s, recorded=False),
        ["accept"],
    ),
    "void naming no refunds (an older till)": (lambda s: _void(s, FULFIL), ["accept"]),
    "void of an order central voided too": (
        lambda s: _void(s, {"op": "order_void"}, refunds=REFUNDED),
        ["accept"],
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_offers_exactly_what_resolve_accepts(
    kind: str, migrated_sqlite: Path, tmp_path: Path
) -> None:
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
            shown = conflicts.show(db, number)
            assert shown["error"] == "order_closed", shown
            assert shown["resolutions"] == expected, (kind, shown["resolutions"])
            try:
                conflicts.resolve(db, shop[1], number, action, apply_object=apply_object)
            except DomainError as refused:
                # A refusal says what works: only resolutions it offers.
                named = {a for a in conflicts.RESOLUTIONS if f"by {a}" in str(refused)}
                assert named <= set(expected), (action, str(refused))
            else:
                went.append(action)
                assert check_ledger(db) == []
        finally:
            db.dispose()
    assert went == expected, kind


def test_a_deposit_on_a_voided_order_is_booked_taken_and_refunded(db: Database) -> None:
    """The till's cashier took it (dated as the till did), the manager refunds it; the
    order stays voided and holds nothing; the rows name no shift of central's."""
    shop = _shop(db)
    number = _deposit_on_voided(shop)
    order = str(conflicts.show(db, number)["entry"]["line"]["order"])
    words = "\n".join(conflict_words(conflicts.show(db, number), "central"))
    assert "the till took 50.00 by cash" in words, words
    done = conflicts.resolve(db, shop[1], number, "refund", apply_object=apply_object)
    assert done["resolution"]["action"] == "refund"
    view = get_order(db, order)
    assert view.status.value == "voided"
    paid = [(p.kind, p.method, p.amount) for p in view.payments]
    assert paid[-2:] == [("payment", "cash", D("50.00")), ("refund", "cash", D("-50.00"))]
    assert sum(p.amount for p in view.payments) == 0
    assert check_ledger(db) == []
    words = "\n".join(conflict_words(conflicts.show(db, number), "central"))
    assert "booked at central by refund" in words, words


def test_a_void_of_a_fulfilled_order_books_the_tills_refund(db: Database) -> None:
    shop = _shop(db)
    number = _void(shop, FULFIL, refunds=REFUNDED)
    order = str(conflicts.show(db, number)["entry"]["line"]["order"])
    conflicts.resolve(db, shop[1], number, "refund", apply_object=apply_object)
    view = get_order(db, order)
    assert view.status.value == "fulfilled"
    assert [(p.kind, p.method, p.amount) for p in view.payments][-1] == (
        "refund",
        "cash",
        D("-100.00"),
    )
    # The customer took the unit and was paid back the deposit at the till: owed 100.
    assert sum(p.amount for p in view.payments) == D("199.00")
    assert check_ledger(db) == []


def test_a_void_naming_no_refunds_is_refused_refund_saying_accept(db: Database) -> None:
    shop = _shop(db)
    number = _void(shop, FULFIL)
    with pytest.raises(DomainError) as refused:
        conflicts.resolve(db, shop[1], number, "refund", apply_object=apply_object)
    assert "names no money the till moved" in str(refused.value)
    assert "by accept" in str(refused.value)
    assert conflicts.show(db, number)["status"] == "open"


def _gone(db: Database, number: int) -> str:
    """Conflict ``number``'s entry made to name an order central holds none of, as after
    central was restored from a backup older than the order and the till recorded its
    conflicts again (terminal/central_conflicts.py ``record_again``)."""
    import sqlalchemy as sa

    from serialpos.db.conflict_sql import conflict_t

    order = str(conflicts.show(db, number)["entry"]["line"]["order"])

    def work(conn: Any) -> None:
        line = conn.execute(
            sa.select(conflict_t.c.entry_line).where(conflict_t.c.id == number)
        ).scalar_one()
        conn.execute(
            conflict_t.update()
            .where(conflict_t.c.id == number)
            .values(entry_line=line.replace(order, "GONE-1"))
        )

    db.write(work)
    return "GONE-1"


@pytest.mark.parametrize(
    "build",
    [_deposit_on_voided, lambda s: _void(s, FULFIL, refunds=REFUNDED)],
    ids=["deposit", "void"],
)
def test_no_such_order_at_central_offers_accept_and_refund_is_refused(
    db: Database, build: Callable[[Shop], int]
) -> None:
    """Was: a deposit's ``refund`` was offered whatever central held, and ``settle`` met
    ``assert found is not None`` (a 500)."""
    shop = _shop(db)
    number = build(shop)
    _gone(db, number)
    assert conflicts.show(db, number)["resolutions"] == ["accept"]
    with pytest.raises(DomainError) as refused:
        conflicts.resolve(db, shop[1], number, "refund", apply_object=apply_object)
    assert "GONE-1" in str(refused.value) and "by accept" in str(refused.value)
    assert conflicts.show(db, number)["status"] == "open"


def test_settle_refuses_an_order_gone_since_its_check(db: Database) -> None:
    """The order gone between ``resolve``'s check and its transaction: a refusal naming
    accept, not an AssertionError (a 500)."""
    from serialpos.services.conflict_closed_money import settle

    shop = _shop(db)
    number = _deposit_on_voided(shop)
    _gone(db, number)
    current = conflicts.show(db, number)
    with pytest.raises(DomainError) as refused:
        db.write(lambda conn: settle(conn, current, shop[1]))
    assert "by accept" in str(refused.value)


def test_a_deposit_its_till_voided_later_offers_accept_and_refund_is_refused(
    db: Database,
) -> None:
    """Central voided the layby; the till, offline, took 300 on it (conflict #1) and then
    voided it itself (conflict #2, central voided too: accept only), its void paying the
    deposit back with all the order held. Was: refund was offered on #1 and booked 300
    taken and refunded at central, telling the manager to pay the 300 back a second
    time, and the till's take of central's rows dropped its void's cash row."""
    shop = _shop(db)
    order = _layby(shop)
    _central(shop, {"op": "order_void", "order": order})
    pay = {"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": "300"}]}
    void = {"op": "order_void", "order": order, "refunds": [{"method": "cash", "amount": "400"}]}
    done = push(
        shop[0], shop[2][0], [entry("l3", "till-1", 3, **pay), entry("l4", "till-1", 4, **void)]
    )
    deposit, voided = _conflict(done[:1]), _conflict(done[1:])
    assert conflicts.show(db, voided)["resolutions"] == ["accept"]
    assert conflicts.show(db, deposit)["resolutions"] == ["accept"]
    with pytest.raises(DomainError) as refused:
        conflicts.resolve(db, shop[1], deposit, "refund", apply_object=apply_object)
    said = str(refused.value)
    assert f"conflict {voided}" in said and "by accept" in said, said
    assert conflicts.show(db, deposit)["status"] == "open"
    assert sum(p.amount for p in get_order(db, order).payments) == 0
    # accept still goes through.
    conflicts.resolve(db, shop[1], deposit, "accept", apply_object=apply_object)
    assert check_ledger(db) == []


def test_a_deposit_another_till_voided_still_offers_refund(db: Database) -> None:
    """Only the same till's later void counts: an earlier entry, or another order, is not it."""
    shop = _shop(db)
    number = _deposit_on_voided(shop)
    assert conflicts.show(db, number)["resolutions"] == ["accept", "refund"]
