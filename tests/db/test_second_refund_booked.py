"""A till's second return of one unit, resolved by ``refund`` (issue 16).

Till 1 sold U1 and took it back; till 2 took the same unit back too, from its copy of the
order, paying its own refund out of its drawer. Central took till 1's return; till 2's is a
conflict. ``accept`` was its only resolution, so till 2's refund was in no book of central's.
``refund`` now books it at central (services/second_refund.py): the till's refund note by
its number, listing no goods (the unit came back once, credited once), its refund payment
by the till's method, made by its cashier, in no shift of central's; the order's payments
then net below nothing (the customer owes it back). An exchange's return (no money out) and
a return central did not take back first through the order are refused, and not offered.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
import sqlalchemy as sa
from till_push import entry, push

from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.domain.conflict_words import conflict_words
from serialpos.domain.errors import DomainError
from serialpos.domain.states import Action
from serialpos.services import conflicts, ledger, products, shifts, snapshot, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import SYSTEM, Actor
from serialpos.services.document_numbers import terminal_tag
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.reading import get_order

PRICE = D("299.00")


def _shop(db: Database) -> tuple[Actor, list[Actor]]:
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    users.add_user(db, SYSTEM, "joe", "cashier", "4321")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(db, mia, sku="PH1", name="Phone", price=PRICE, serial_mode="required")
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=["U1", "U2"])
    tills = [users.actor_for(db, "mia", f"api-till-{n}") for n in (1, 2)]
    for n, token in enumerate(tills, start=1):
        snapshot.link(db, token, "S1", f"till-{n}")
    return mia, tills


def _note(till: int) -> str:
    return f"RF-S1-{terminal_tag(f'till-{till}', 'S1')}-000001"


def _returned_twice(db: Database, tills: list[Actor], **second: Any) -> tuple[str, int]:
    """U1 sold at till 1 and taken back there, then at till 2 (``second``: more of its
    entry's keys; its cashier joe): (the order, the conflict of till 2's return)."""
    [sold] = push(
        db, tills[0], [entry("a1", "till-1", 1, op="sell", store="S1", sku="PH1", serial="U1")]
    )
    assert sold["ok"], sold
    order = str(sold["order"])
    first = {"op": "order_return", "order": order, "serials": ["U1"]}
    [back] = push(db, tills[0], [entry("a2", "till-1", 2, **first, numbers={"refund": _note(1)})])
    assert back["ok"], back
    line = {"op": "order_return", "order": order, "numbers": {"refund": _note(2)}, **second}
    line.setdefault("serials", ["U1"])
    raw = entry("b1", "till-2", 1, **line).replace(b'"user": "mia"', b'"user": "joe"')
    [verdict] = push(db, tills[1], [raw])
    assert verdict.get("error") == "sync_conflict", verdict
    return order, int(verdict["conflict"]["id"])


def _note_row(db: Database, number: str) -> Any:
    i = orepo.invoice_t.c
    return db.read(
        lambda conn: conn.execute(
            sa.select(i.id, i.kind, i.total, i.refers_to, i.created_by).where(i.number == number)
        ).one()
    )


def _note_lines(db: Database, invoice_id: int) -> int:
    il = orepo.invoice_line_t.c
    return int(
        db.read(
            lambda conn: conn.execute(
                sa.select(sa.func.count()).where(il.invoice_id == invoice_id)
            ).scalar_one()
        )
    )


def _shift_of(db: Database, invoice_id: int) -> list[Any]:
    p = orepo.payment_t.c
    return db.read(
        lambda conn: conn.execute(
            sa.select(p.shift_id, p.user_name).where(p.invoice_id == invoice_id)
        ).all()
    )


def test_refund_books_the_tills_second_refund_at_central_without_goods(db: Database) -> None:
    mia, tills = _shop(db)
    order, number = _returned_twice(db, tills, line_numbers=[1], serials=[], refund_method="card")
    shown = conflicts.show(db, number)
    assert shown["resolutions"] == ["accept", "refund"]
    words = "\n".join(conflict_words(shown, "central"))
    assert "refund books it at central as a refund of money with no goods back" in words, words
    assert "resolve by: accept, refund" in words
    before = get_order(db, order)
    assert [p.amount for p in before.payments] == [PRICE, -PRICE]  # till 1's refund only
    # The resolving manager's drawer at central is open: the till's refund is not its money.
    shifts.open_shift(db, mia, "S1", "100")

    done = conflicts.resolve(db, mia, number, "refund", apply_object=apply_object)

    assert (done["status"], done["resolution"]["action"]) == ("resolved", "refund")
    after = get_order(db, order)
    assert [(p.kind, p.method, p.amount, p.invoice) for p in after.payments] == [
        ("payment", "other", PRICE, before.payments[0].invoice),  # a sell: "other"
        ("refund", "cash", -PRICE, _note(1)),
        ("refund", "card", -PRICE, _note(2)),  # till 2's, by its method
    ]
    # The line came back once, on till 1's note; till 2's lists no goods.
    assert [(ln.status.value, ln.serial) for ln in after.lines] == [("returned", "U1")]
    assert after.lines == before.lines
    note = _note_row(db, _note(2))
    assert (note.kind, note.total, note.created_by) == ("Refund", D("0.00"), "joe")
    assert note.refers_to == before.payments[0].invoice
    assert _note_lines(db, note.id) == 0
    assert _shift_of(db, note.id) == [(None, "joe")]  # the till's drawer, not central's
    assert after.totals.due == PRICE  # what the customer owes back
    said = "\n".join(conflict_words(conflicts.show(db, number), "central"))
    assert f"booked at central on {_note(2)} (refund), listing no goods" in said, said
    assert conflicts.show(db, number)["resolutions"] == []
    assert check_ledger(db) == []


def test_a_second_return_by_serial_pays_back_the_lines_price_in_cash(db: Database) -> None:
    mia, tills = _shop(db)
    order, number = _returned_twice(db, tills)  # the serials form, no method: cash
    conflicts.resolve(db, mia, number, "refund", apply_object=apply_object)
    paid = [(p.method, p.amount, p.invoice) for p in get_order(db, order).payments]
    assert paid[-1] == ("cash", -PRICE, _note(2))
    assert sum(a for _m, a, _i in paid) == -PRICE
    assert check_ledger(db) == []


def test_an_exchanges_second_return_is_not_refunded(db: Database) -> None:
    """The exchange kept its refund as credit: no money left the till's drawer to book."""
    mia, tills = _shop(db)
    order, number = _returned_twice(db, tills, exchange=True)
    assert conflicts.show(db, number)["resolutions"] == ["accept"]
    with pytest.raises(DomainError) as refused:
        conflicts.resolve(db, mia, number, "refund", apply_object=apply_object)
    assert "return half of an exchange" in str(refused.value)
    assert conflicts.show(db, number)["status"] == "open"
    assert len(get_order(db, order).payments) == 2  # nothing booked


def test_a_return_of_a_line_central_never_took_back_is_no_second_refund(db: Database) -> None:
    """A till's return of a line central holds open (not handed over there): central did not
    take the unit back first, so its refund is no second one and refund is not offered."""
    mia, tills = _shop(db)
    made = apply_object(
        db,
        mia,
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": "PH1", "serial": "U1"}, {"sku": "PH1", "serial": "U2"}],
            "fulfil": [1],
            "payments": [{"method": "cash", "amount": str(2 * PRICE)}],
        },
    )
    assert made["ok"], made
    line = {"op": "order_return", "order": made["order"], "line_numbers": [2]}
    [verdict] = push(db, tills[1], [entry("b1", "till-2", 1, **line, numbers={"refund": _note(2)})])
    assert verdict.get("error") == "sync_conflict", verdict
    number = int(verdict["conflict"]["id"])
    assert "refund" not in conflicts.show(db, number)["resolutions"]
    with pytest.raises(DomainError) as refused:
        conflicts.resolve(db, mia, number, "refund", apply_object=apply_object)
    assert "did not take" in str(refused.value) and "resolve it by accept" in str(refused.value)


def test_record_sale_on_a_second_return_names_refund(db: Database) -> None:
    mia, tills = _shop(db)
    _order, number = _returned_twice(db, tills)
    with pytest.raises(DomainError) as refused:
        conflicts.resolve(db, mia, number, "record_sale", apply_object=apply_object)
    assert "resolve it by accept or refund" in str(refused.value), str(refused.value)
