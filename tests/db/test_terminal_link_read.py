"""A terminal's first push to a serve worker reads its link (token terminal to terminal id
and store, services/terminal_links.py) with a statement run prepared on PostgreSQL, as the
rest of a push is: with 2,000 terminals each worker reads every one once."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import entry_lines, ledger, products, snapshot, users
from serialpos.services.context import SYSTEM


def _push(db: Database, token: Any, terminal: str, serial: str) -> list[dict[str, Any]]:
    line = {
        "id": f"{terminal}-{serial}",
        "op": "sell",
        "store": "S1",
        "sku": "PH1",
        "serial": serial,
        "journal": {"terminal": terminal, "seq": 1, "user": "mia"},
    }
    done: list[dict[str, Any]] = []
    for first in entry_lines.runs([json.dumps(line).encode()], 1):
        run: entry_lines.Run | None = first
        while run is not None:
            answered, run = entry_lines.apply_run(db, token, run)
            done += answered
    return done


def test_a_terminals_first_push_builds_no_statement_on_postgresql(db: Database) -> None:
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(db, mia, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=["U1", "U2"])
    tills = [users.actor_for(db, "mia", f"api-link-{n}") for n in (1, 2)]
    for n, token in enumerate(tills, start=1):
        snapshot.link(db, token, "S1", f"link-{n}")
    assert [v["ok"] for v in _push(db, tills[0], "link-1", "U1")] == [True]
    built: list[str] = []

    def seen(_conn: Any, statement: Any, *_args: Any) -> None:
        built.append(str(statement).split("\n")[0][:60])

    sa.event.listen(db.engine, "before_execute", seen)
    verdicts = _push(db, tills[1], "link-2", "U2")  # this terminal's first push
    sa.event.remove(db.engine, "before_execute", seen)
    assert [v["ok"] for v in verdicts] == [True]
    if db.dialect == "postgresql":
        assert built == []
