"""Four managers resolve one conflict by ``refund`` at the same moment (two ``serve``
workers, four requests): one resolves it, the three others are told ``conflict_resolved``.
Before, each read the conflict open and recorded the till's order, and the three that lost
the race met the first one's order number (a unique violation) and were answered
``database_error`` (HTTP 503: "try again"), which a retry answered conflict_resolved
only then. The resolution now locks the conflict's row first (``SELECT … FOR UPDATE``)
and reads its status again under the lock. Real threads on PostgreSQL."""

from __future__ import annotations

import threading
from decimal import Decimal as D
from typing import Any

import pytest
import sqlalchemy as sa
from till_push import entry, push

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.states import Action
from serialpos.services import conflicts, ledger, products, snapshot, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import SYSTEM
from serialpos.services.document_numbers import terminal_tag
from serialpos.services.integrity import check_ledger

RACERS = 4


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_four_refunds_of_one_conflict_at_once(db: Database) -> None:
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(
        db, mia, sku="PH1", name="Phone", price=D("299.00"), serial_mode="required"
    )
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=["U1"])
    tills = [users.actor_for(db, "mia", f"api-till-{n}") for n in (1, 2)]
    for n, token in enumerate(tills, start=1):
        snapshot.link(db, token, "S1", f"till-{n}")
    line = {"op": "sell", "store": "S1", "sku": "PH1", "serial": "U1"}
    assert push(db, tills[0], [entry("a1", "till-1", 1, **line)])[0]["ok"]
    tag = terminal_tag("till-2", "S1")
    sale = entry(
        "b1",
        "till-2",
        1,
        op="order_create",
        store="S1",
        lines=[{"sku": "PH1", "serial": "U1"}],
        fulfil=True,
        payments=[{"method": "cash", "amount": "299.00"}],
        numbers={"order": f"S1-{tag}-000001", "invoice": f"INV-S1-{tag}-000001"},
    )
    [conflict] = push(db, tills[1], [sale])
    assert conflict.get("error") == "sync_conflict", conflict["message"]
    number = int(conflict["conflict"]["id"])
    start = threading.Barrier(RACERS)
    answers: list[Any] = []

    def race() -> None:
        start.wait()
        try:
            done = conflicts.resolve(db, mia, number, "refund", apply_object=apply_object)
            answers.append(done["status"])
        except DomainError as refused:
            answers.append(refused.code)
        except Exception as other:  # anything else, named in the failure
            answers.append(type(other).__name__)

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == ["conflict_resolved"] * (RACERS - 1) + ["resolved"], answers
    with db.engine.connect() as conn:
        orders = conn.execute(
            sa.text("SELECT count(*) FROM sale_order WHERE number = :n"), {"n": f"S1-{tag}-000001"}
        ).scalar_one()
    assert orders == 1
    assert check_ledger(db) == []
