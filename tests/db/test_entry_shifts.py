"""``require_shift`` at central and a store terminal's entries (issue 16, item 2): a terminal's
shifts are its own, so central does not check the rule again on the sales a terminal journaled
(it checked them with its own shifts), on the set-based path and one by one, on SQLite and
PostgreSQL; every other sale at central still needs an open shift there."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import (
    entry_lines,
    ledger,
    products,
    settings,
    shifts,
    snapshot,
    users,
)
from serialpos.services.context import SYSTEM, Actor


@pytest.fixture
def shop(db: Database) -> tuple[Database, Actor]:
    """Central (SQLite or PostgreSQL: the ``db`` fixture) with ``require_shift`` on for the
    chain, a phone in stock at S1, and till-1's token linked to S1."""
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(db, mia, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=[f"A{n}" for n in range(6)])
    settings.set_setting(db, mia, "require_shift", "on")  # the chain default: every store
    token = users.actor_for(db, "mia", "api-till-1")
    snapshot.link(db, token, "S1", "till-1")
    return db, token


def _apply(db: Database, token: Actor, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done: list[dict[str, Any]] = []
    for first in entry_lines.runs([json.dumps(x).encode() for x in lines], 1):
        run: entry_lines.Run | None = first
        while run is not None:
            answered, run = entry_lines.apply_run(db, token, run)
            done += answered
    return done


def _entry(seq: int, **line: Any) -> dict[str, Any]:
    return {"id": f"e-{seq}", **line, "journal": {"terminal": "till-1", "seq": seq, "user": "mia"}}


def test_a_terminals_sales_are_not_refused_for_central_shifts(
    shop: tuple[Database, Actor],
) -> None:
    db, token = shop
    assert settings.get_settings(db, "S1").require_shift is True
    # Central's own rule stands: a host's sale without an open shift at central is refused.
    [host] = _apply(db, token, [{"op": "sell", "store": "S1", "sku": "PH1", "serial": "A5"}])
    assert (host["ok"], host["error"]) == (False, "shift_required")

    sold = _apply(
        db,
        token,
        [
            # plain sales: the set-based path
            _entry(1, op="sell", store="S1", sku="PH1", serial="A0"),
            _entry(2, op="sell", store="S1", sku="PH1", serials=["A1", "A2"], payment="card"),
            # a counter sale fulfilled with its tenders: one by one
            _entry(
                3,
                op="order_create",
                store="S1",
                lines=[{"sku": "PH1", "serial": "A3"}],
                fulfil=True,
                payments=[{"method": "cash", "amount": "500"}],
            ),
        ],
    )
    assert [(v["ok"], v.get("error")) for v in sold] == [(True, None)] * 3, sold
    with db.engine.connect() as conn:
        states = dict(conn.execute(sa.text("SELECT serial, state FROM serial_unit")).all())
        paid = conn.execute(sa.text("SELECT count(*), count(shift_id) FROM order_payment")).one()
    assert [states[f"A{n}"] for n in range(5)] == ["sold"] * 4 + ["in_stock"]
    assert paid[0] >= 3 and paid[1] == 0  # central holds none of the till's shifts
    # The rule is back for central's next sale outside an entry, in the same process.
    [host] = _apply(db, token, [{"op": "sell", "store": "S1", "sku": "PH1", "serial": "A5"}])
    assert (host["ok"], host["error"]) == (False, "shift_required")
    shifts.open_shift(db, token, "S1", "10")  # central's own till: a shift, and it sells
    [host] = _apply(db, token, [{"op": "sell", "store": "S1", "sku": "PH1", "serial": "A5"}])
    assert host["ok"], host
