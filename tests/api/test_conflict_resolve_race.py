"""Four ``refund`` resolutions of one conflict at once over HTTP, on a ``serve`` of two
workers on PostgreSQL: one 200, three 409 ``conflict_resolved``. Before, three were
answered 503 ``database_error`` (the till's order number met twice: a unique violation)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from api_serving import Server, seed, start, stop

from pg_server import drop_schema, fill_schema, new_schema, require_postgres, schema_url
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products, snapshot, tokens, users
from serialpos.services.document_numbers import terminal_tag

sys_path = Path(__file__).parents[1] / "db"


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[Server]:
    require_postgres()
    schema = new_schema()
    fill_schema(schema)
    url = schema_url(schema)
    db = Database(url)
    secrets = seed(db)
    process, base, env = start(url, tmp_path, "--workers", "2")
    try:
        yield Server(base, url, db, secrets, process, env)
    finally:
        stop(process)
        db.dispose()
        drop_schema(schema)


@pytest.mark.postgres
def test_four_refunds_at_once_answer_one_200_and_three_409(two_workers: Server) -> None:
    import sys

    sys.path.insert(0, str(sys_path))
    from till_push import entry, push

    db = two_workers.db
    ada = users.actor_for(db, "ada", "setup")
    products.create_product(
        db, ada, sku="RC1", name="Phone", serial_mode="required", price=Decimal("299.00")
    )
    ledger.move(db, ada, Action.RECEIVE, store="S1", sku="RC1", serials=["RC-1"])
    tills = []
    for n in (1, 2):
        secret = tokens.create_token(db, ada, "mia", f"race-till-{n}")[0]
        token = tokens.authenticate(db, secret)
        snapshot.link(db, token, "S1", f"till-{n}")
        tills.append(token)
    sold = {"op": "sell", "store": "S1", "sku": "RC1", "serial": "RC-1"}
    assert push(db, tills[0], [entry("r1", "till-1", 1, **sold)])[0]["ok"]
    tag = terminal_tag("till-2", "S1")
    [conflict] = push(
        db,
        tills[1],
        [
            entry(
                "r2",
                "till-2",
                1,
                op="order_create",
                store="S1",
                lines=[{"sku": "RC1", "serial": "RC-1"}],
                fulfil=True,
                payments=[{"method": "cash", "amount": "299.00"}],
                numbers={"order": f"S1-{tag}-000001", "invoice": f"INV-S1-{tag}-000001"},
            )
        ],
    )
    number = conflict["conflict"]["id"]
    start_line = threading.Barrier(4)
    answers: list[tuple[int, str | None]] = []

    def resolve() -> None:
        with two_workers.client("mia") as client:
            start_line.wait()
            got = client.post(f"/v1/conflicts/{number}/resolve", json={"by": "refund"})
            body = got.json()
            answers.append((got.status_code, body.get("code") or body.get("status")))

    threads = [threading.Thread(target=resolve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(answers, key=str) == [(200, "resolved")] + [(409, "conflict_resolved")] * 3, (
        answers
    )
