"""Cash at another store than the one the terminal's shift is open at (the walk: till1's shift
open at S01, an ``apply`` refund and a sale paid cash for S02 from till1 landed in no shift,
so S01's drawer no longer matched its X report).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.states import Action
from serialpos.services import ledger, products, shifts
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import add_payment, fulfil
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.reading import get_order
from serialpos.services.returns import return_units


@pytest.fixture
def till(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="CB", name="Cable", price=Decimal("10.00"))
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CB", quantity=5)
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="CB", quantity=5)
    shifts.open_shift(db, admin, "S1", "100.00")
    return db


def test_cash_for_another_store_is_refused_naming_both(till: Database, admin: Actor) -> None:
    sale, _ = create_order(till, admin, "S2", lines=[NewLine("CB")])
    with pytest.raises(DomainError) as refused:
        fulfil(till, admin, sale.order, payments=[("cash", Decimal("20.00"))])
    assert refused.value.code == "shift_other_store"
    assert refused.value.message == (
        f"terminal {admin.terminal} has a shift open at S1: cash for S2 would go in or out of "
        "S1's drawer and be counted in no shift of S2; take it at a till of S2, or by another "
        "tender"
    )
    with pytest.raises(DomainError) as deposit:
        add_payment(till, admin, sale.order, "cash", Decimal("5.00"))
    assert deposit.value.code == "shift_other_store"
    assert get_order(till, sale.order).payments == ()  # nothing recorded
    # Another tender is in no drawer: taken.
    done = fulfil(till, admin, sale.order, payments=[("card", sale.totals.total)])
    assert done.order.totals.due == 0
    # Its refund in cash would come out of S1's drawer: refused too; by card, taken.
    (line,) = [ln.line for ln in done.order.lines]
    with pytest.raises(DomainError) as refund:
        return_units(till, admin, sale.order, lines=[line], refund_method="cash")
    assert refund.value.code == "shift_other_store"
    return_units(till, admin, sale.order, lines=[line], refund_method="card")
    # The drawer matches: only its own store's cash is in S1's shift.
    here, _ = create_order(till, admin, "S1", lines=[NewLine("CB")])
    fulfil(till, admin, here.order, payments=[("cash", Decimal("20.00"))])
    x = shifts.x_report(till, admin, "S1")
    assert x.expected_cash == Decimal("100.00") + here.totals.total


def test_the_check_costs_a_cash_tender_no_statement_more(db: Database, admin: Actor) -> None:
    """The first fix read the terminal's shift after each cash tender that found none here,
    a round trip more on the sale path (reverted); the payment's insert answers it now. A
    terminal with no shift open (a script, ``apply``) pays cash in as many statements as by
    card, with one tender and with two (the closing statement's, then the payment insert)."""
    from sql_watch import statements

    products.create_product(db, admin, sku="CB", name="Cable", price=Decimal("10.00"))
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="CB", quantity=20)
    counts: dict[tuple[str, int], int] = {}
    for method in ("card", "cash", "card", "cash"):  # the first of each warms the caches
        for tenders in (1, 2):
            sale, _ = create_order(db, admin, "S2", lines=[NewLine("CB")])
            part = sale.totals.total / tenders
            with statements(db) as seen:
                done = fulfil(db, admin, sale.order, payments=[(method, part)] * tenders)
            assert done.order.totals.due == 0
            counts[(method, tenders)] = len(seen)
    assert counts[("cash", 1)] == counts[("card", 1)]
    assert counts[("cash", 2)] == counts[("card", 2)]
