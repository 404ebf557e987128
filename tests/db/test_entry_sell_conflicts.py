"""A plain sale whose unit was sold meanwhile at another till (the two-tills-one-unit case of
issue 16) is recorded as a conflict by the set-based run itself (services/entry_sells.py),
without the one-by-one path's savepoints and sale attempt; the entries after it go on
set-based, and the verdicts, rows and ids are what that path leaves
(tests/db/test_apply_entry_sells.py compares every table)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from till_push import entry, push

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products, snapshot, users
from serialpos.services.context import SYSTEM
from serialpos.services.integrity import check_ledger


def _sale(key: str, terminal: str, seq: int, serial: str) -> bytes:
    return entry(key, terminal, seq, op="sell", store="S1", sku="PH1", serial=serial)


def test_a_unit_sold_at_the_other_till_is_a_conflict_without_a_savepoint(db: Database) -> None:
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(db, mia, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=["U1", "U2", "U3"])
    tills = [users.actor_for(db, "mia", f"api-till-{n}") for n in (1, 2)]
    for n, token in enumerate(tills, start=1):
        snapshot.link(db, token, "S1", f"till-{n}")
    [first] = push(db, tills[0], [_sale("t1-1", "till-1", 1, "U2")])
    assert first["ok"]
    said: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        said.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    lines = [_sale(f"t2-{n}", "till-2", n, s) for n, s in enumerate(["U1", "U2", "U3"], 1)]
    verdicts = push(db, tills[1], lines)
    sa.event.remove(db.engine, "before_cursor_execute", count)
    assert [v["ok"] for v in verdicts] == [True, False, True]
    conflict = verdicts[1]
    assert conflict["error"] == "sync_conflict"
    assert conflict["message"].startswith("serial U2 is already sold: recorded as conflict")
    assert conflict["central_units"][0]["state"] == "sold"
    assert not [s for s in said if "SAVEPOINT" in s.upper()]  # no entry applied alone
    # The resend replays all three, the conflict as a conflict.
    again = push(db, tills[1], lines)
    assert [v.get("replayed") for v in again] == [True] * 3
    assert [v["ok"] for v in again] == [True, False, True]
    assert check_ledger(db) == []


def test_a_conflict_runs_only_prepared_statements_on_postgresql(db: Database) -> None:
    """After a first conflict, the next one (recorded by the set-based run) builds no
    statement per call on PostgreSQL: its record, its outcome and its units' states
    (``central_units``) all run prepared (db/prepared.py)."""
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(db, mia, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=["U1", "U2"])
    tills = [users.actor_for(db, "mia", f"api-till-{n}") for n in (1, 2)]
    for n, token in enumerate(tills, start=1):
        snapshot.link(db, token, "S1", f"till-{n}")
    sold = [_sale(f"t1-{s}", "till-1", n, s) for n, s in enumerate(["U1", "U2"], 1)]
    assert all(v["ok"] for v in push(db, tills[0], sold))
    [first] = push(db, tills[1], [_sale("t2-U1", "till-2", 1, "U1")])
    built: list[str] = []

    def seen(_conn: Any, statement: Any, *_args: Any) -> None:
        built.append(str(statement).split("\n")[0][:60])

    sa.event.listen(db.engine, "before_execute", seen)
    [second] = push(db, tills[1], [_sale("t2-U2", "till-2", 2, "U2")])
    sa.event.remove(db.engine, "before_execute", seen)
    assert first["error"] == second["error"] == "sync_conflict"
    assert [u["serial"] for u in second["central_units"]] == ["U2"]
    if db.dialect == "postgresql":
        assert built == []
