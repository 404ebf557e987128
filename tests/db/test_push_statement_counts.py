"""How many statements a store terminal's push of N plain sales costs central (issue 16, the
scale target: central's CPU per pushed entry), counted, which no load changes, and bounded,
so a statement added per entry, per push or per conflict fails here (bench/README.md "Round
pushcount"; bench/push_count_bench.py prints the same counts through the HTTP route).

A push of up to 100 sales is one transaction of 12 statements whatever its size (the token,
the cashier, the outcomes, the place with the settings, the shift, the claim, the units'
lock, their leases, the counters, the documents and units, the events with their chain head,
the outcomes written; 13 before: the chain's settings were a read of their own); 500 are
five such transactions (services/entries.py ``BATCH``). A conflict
the set-based run records itself costs at most 10 statements more: the run goes on past it
with its ids claimed and its units locked (17 more before: the rest was given back, then
claimed, locked and read again, and the conflict read its store and product again).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from pg_server import drop_schema, fill_schema, new_schema, require_postgres, schema_url
from serialpos.db.engine import Database
from serialpos.domain import entry_seal
from serialpos.domain.states import Action
from serialpos.services import entry_lines, ledger, products, snapshot, stores, tokens, users
from serialpos.services.context import SYSTEM
from serialpos.services.integrity import check_ledger

#: Statements of a push of up to 100 plain sales (one transaction) after a terminal's first.
PUSH_STATEMENTS = 12
#: Statements a conflict recorded by the set-based run adds to its push, at most.
CONFLICT_STATEMENTS = 10


class _Shop:
    """One store, one product, ``units`` units in stock, two tills linked to it."""

    def __init__(self, url: str, units: int) -> None:
        self.db = db = Database(url)
        stores.add_store(db, SYSTEM, "S1", "Main Street")
        users.add_user(db, SYSTEM, "mia", "manager", "1234")
        users.add_user(db, SYSTEM, "ada", "admin", "1234")
        mia = users.actor_for(db, "mia", "setup")
        products.create_product(db, mia, sku="PH1", name="Phone", serial_mode="required")
        every = [f"A{n:04d}" for n in range(units)]
        self.serials = iter(every)
        ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=every)
        ada = users.actor_for(db, "ada", "setup")
        self.tokens: dict[str, str] = {}
        for till in ("till-1", "till-2"):
            token = tokens.create_token(db, ada, "mia", f"{till}-token")[0]
            snapshot.link(db, tokens.authenticate(db, token), "S1", till)
            self.tokens[till] = token
        self.seq = {till: 0 for till in self.tokens}
        # A till seals every entry (domain/entry_seal.py): central reads nothing more for it.
        self.prev = {till: entry_seal.GENESIS for till in self.tokens}

    def lines(self, till: str, serials: list[str]) -> list[bytes]:
        made = []
        for serial in serials:
            self.seq[till] += 1
            entry = {
                "id": str(uuid.uuid4()),
                "op": "sell",
                "store": "S1",
                "sku": "PH1",
                "serial": serial,
                "journal": {"terminal": till, "seq": self.seq[till], "user": "mia"},
            }
            sealed = entry_seal.seal(entry, self.prev[till])
            self.prev[till] = entry_seal.read(sealed).hash or ""
            made.append(sealed.encode())
        return made

    def push(self, till: str, lines: list[bytes]) -> list[dict[str, Any]]:
        """``lines`` in one push, as ``POST /v1/apply`` applies them."""
        bearer = tokens.Bearer(self.db, self.tokens[till])
        verdicts: list[dict[str, Any]] = []
        for first in entry_lines.runs(lines, 1):
            run: entry_lines.Run | None = first
            while run is not None:
                answered, run = entry_lines.apply_run(self.db, bearer, run)
                verdicts += answered
        return verdicts

    def next(self, n: int) -> list[str]:
        return [next(self.serials) for _ in range(n)]


@pytest.fixture
def shop(request: pytest.FixtureRequest) -> Iterator[_Shop]:
    """A shop of 25 units, or of as many as the test's parameter says."""
    require_postgres()
    schema = new_schema()
    fill_schema(schema)
    made = _Shop(schema_url(schema), getattr(request, "param", 25))
    yield made
    made.db.dispose()
    drop_schema(schema)


class _Said:
    """The statements sent (``before_cursor_execute``) while :meth:`of` runs."""

    def __init__(self, db: Database) -> None:
        self.said: list[str] = []
        self.on = False
        sa.event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, _c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        if self.on:
            self.said.append(" ".join(statement.split()))

    def of(self, work: Any) -> tuple[Any, list[str]]:
        self.said, self.on = [], True
        try:
            return work(), self.said
        finally:
            self.on = False


def _begins(said: list[str], prefix: str) -> int:
    return sum(1 for s in said if s.startswith(prefix))


@pytest.mark.parametrize("shop", [1 + 1 + 20 + 100 + 500], indirect=True)
def test_a_push_costs_its_statements_once_whatever_its_size(shop: _Shop) -> None:
    said = _Said(shop.db)
    assert all(v["ok"] for v in shop.push("till-1", shop.lines("till-1", shop.next(1))))
    for n in (1, 20, 100, 500):
        lines = shop.lines("till-1", shop.next(n))
        verdicts, pushed = said.of(lambda lines=lines: shop.push("till-1", lines))
        assert [v["ok"] for v in verdicts] == [True] * n
        transactions = -(-n // 100)  # services/entries.py BATCH
        claims = _begins(pushed, "INSERT INTO apply_outcome")
        assert claims == transactions, pushed
        # The token once per push; every other statement once per transaction.
        assert len(pushed) <= 1 + (PUSH_STATEMENTS - 1) * transactions, (n, pushed)
    assert check_ledger(shop.db) == []


@pytest.mark.parametrize("conflicts", [1, 2])
def test_a_conflict_in_a_push_costs_a_few_statements_not_a_new_run(
    shop: _Shop, conflicts: int
) -> None:
    """Units sold first at the store's other till, then in till-1's push of 20: each is
    recorded as a conflict by the run itself, which goes on past it: one claim, one lock,
    nothing given back, and at most ``CONFLICT_STATEMENTS`` more statements each."""
    said = _Said(shop.db)
    assert all(v["ok"] for v in shop.push("till-1", shop.lines("till-1", shop.next(1))))
    serials = shop.next(20)
    at = [7, 13][:conflicts]
    assert all(v["ok"] for v in shop.push("till-2", shop.lines("till-2", [serials[k] for k in at])))
    lines = shop.lines("till-1", serials)
    verdicts, pushed = said.of(lambda: shop.push("till-1", lines))
    assert [n for n, v in enumerate(verdicts) if not v["ok"]] == at
    assert {v["error"] for v in verdicts if not v["ok"]} == {"sync_conflict"}
    for k in at:
        assert verdicts[k]["central_units"][0]["state"] == "sold"
        assert verdicts[k]["conflict"]["serial"] == serials[k]
    assert _begins(pushed, "INSERT INTO apply_outcome") == 1, pushed  # claimed once
    assert _begins(pushed, "DELETE FROM apply_outcome") == 0, pushed  # none given back
    assert _begins(pushed, "INSERT INTO sync_conflict") == conflicts
    assert len(pushed) <= PUSH_STATEMENTS + CONFLICT_STATEMENTS * conflicts, pushed
    # A resend changes nothing: every verdict replayed, the conflicts as conflicts.
    again = shop.push("till-1", lines)
    assert all(v.get("replayed") for v in again)
    assert [n for n, v in enumerate(again) if not v["ok"]] == at
    assert [v.get("order") for v in again] == [v.get("order") for v in verdicts]
    assert check_ledger(shop.db) == []
    with shop.db.engine.connect() as conn:
        recorded = conn.exec_driver_sql("SELECT serial FROM sync_conflict ORDER BY id").scalars()
        assert list(recorded) == [serials[k] for k in at]
