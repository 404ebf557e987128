"""Idempotent ``apply`` (services/apply_ids.py) on SQLite and PostgreSQL: the resends of
issue 12 (a quantity receipt, a transfer_out, an order_create, a serialized receipt) replay
the first verdict and change nothing; a reused id is refused; a refused line stays free;
``status`` tells what became of each id; two processes racing on the same ids apply each
line once."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.services import apply_ids, products, stock, users
from serialpos.services.apply.dispatch import apply_stream
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.reading import list_orders


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CAB", name="Cable", serial_mode="disabled")
    return db


def run(db: Database, actor: Actor, *lines: dict[str, Any]) -> list[dict[str, Any]]:
    data = b"".join(json.dumps(x).encode() + b"\n" for x in lines)
    return list(apply_stream(db, actor, io.BytesIO(data)))


def qty(db: Database, store: str, sku: str) -> int:
    lines = stock.stock_levels(db, store, sku)
    return lines[0].quantity if lines else 0


def event_count(db: Database) -> int:
    return int(
        db.read(
            lambda c: c.execute(sa.select(sa.func.count()).select_from(repo.event_t)).scalar_one()
        )
    )


def test_resent_quantity_receipt_replays_and_changes_nothing(shop: Database, admin: Actor) -> None:
    line = {"op": "receive", "id": "rcv-24", "store": "S1", "sku": "CAB", "quantity": 30}
    (first,) = run(shop, admin, line)
    assert first["ok"] is True and "replayed" not in first and qty(shop, "S1", "CAB") == 30
    before = event_count(shop)
    second, third = run(shop, admin, line, line)
    assert second == {**first, "replayed": True}
    assert third == {**first, "line": 2, "replayed": True}
    assert qty(shop, "S1", "CAB") == 30 and event_count(shop) == before


def test_resent_transfer_out_moves_the_quantity_once(shop: Database, admin: Actor) -> None:
    run(shop, admin, {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 20})
    line = {
        "op": "transfer_out",
        "id": "t-5",
        "store": "S1",
        "sku": "CAB",
        "quantity": 5,
        "to": "S2",
        "transfer": "TR-5",
        "create": True,
    }
    first, again = run(shop, admin, line, line)
    assert first["ok"] is True, first
    assert again == {**first, "line": 2, "replayed": True}
    assert qty(shop, "S1", "CAB") == 15


def test_resent_order_create_makes_one_order(shop: Database, admin: Actor) -> None:
    run(shop, admin, {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 5})
    line = {
        "op": "order_create",
        "id": 1,
        "store": "S1",
        "lines": [{"sku": "PH1"}, {"sku": "CAB", "quantity": 2}],
    }
    first, again = run(shop, admin, line, line)
    assert first["ok"] is True, first
    assert again["replayed"] is True and again["order"] == first["order"]
    # The integer id 1 and the text "1" are the same id.
    (as_text,) = run(shop, admin, {**line, "id": "1"})
    assert as_text["replayed"] is True and as_text["id"] == "1"
    assert [o.order for o in list_orders(shop, "S1")] == [first["order"]]


def test_resent_serial_receipt_replays_instead_of_duplicate_serial(
    shop: Database, admin: Actor
) -> None:
    line = {"op": "receive", "id": "r-1", "store": "S1", "sku": "PH1", "serials": ["A1", "A2"]}
    sell = {"op": "sell", "id": "s-1", "store": "S1", "sku": "PH1", "serial": "A1"}
    results = run(shop, admin, line, sell, line, sell)
    assert [r["ok"] for r in results] == [True, True, True, True]
    assert [r.get("replayed", False) for r in results] == [False, False, True, True]
    assert results[2]["units"] == results[0]["units"]
    assert qty(shop, "S1", "PH1") == 1
    assert check_ledger(shop) == []


def test_same_id_with_another_body_is_refused_and_changes_nothing(
    shop: Database, admin: Actor
) -> None:
    run(shop, admin, {"op": "receive", "id": "x", "store": "S1", "sku": "CAB", "quantity": 3})
    before = event_count(shop)
    (reused,) = run(
        shop, admin, {"op": "receive", "id": "x", "store": "S1", "sku": "CAB", "quantity": 4}
    )
    assert reused["ok"] is False and reused["error"] == "id_reused"
    assert "already used for a different line (receive" in reused["message"]
    assert qty(shop, "S1", "CAB") == 3 and event_count(shop) == before
    # Key order does not make a different line.
    (same,) = run(
        shop, admin, {"quantity": 3, "sku": "CAB", "store": "S1", "id": "x", "op": "receive"}
    )
    assert same["replayed"] is True


def test_null_is_the_same_as_leaving_the_key_out_for_a_resend(
    shop: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/integration.md: a JSON null is the same as leaving the key out, so a resend that
    adds ``"document": null`` (or drops it) is the same line; a real difference is not."""
    line = {"op": "receive", "id": "n-1", "store": "S1", "sku": "CAB", "quantity": 3}
    (first,) = run(shop, admin, line)
    before = event_count(shop)
    (with_null,) = run(shop, admin, {**line, "document": None})
    assert with_null == {**first, "replayed": True}
    spelled = {**line, "id": "n-2", "document": None, "reason": None}
    run(shop, admin, spelled)
    (without,) = run(shop, admin, {**line, "id": "n-2"})
    assert without["replayed"] is True
    assert qty(shop, "S1", "CAB") == 6 and event_count(shop) == before + 1
    (real,) = run(shop, admin, {**line, "document": "PO-9"})
    assert (real["ok"], real["error"]) == (False, "id_reused")
    # An outcome stored before (its fingerprint counted the null) still answers its resend.
    monkeypatch.setattr(apply_ids, "host_fingerprint", apply_ids.fingerprint)
    run(shop, admin, {**line, "id": "n-3", "document": None})
    monkeypatch.undo()
    (old,) = run(shop, admin, {**line, "id": "n-3", "document": None})
    assert old["replayed"] is True and qty(shop, "S1", "CAB") == 9


def test_a_refused_line_is_not_recorded_so_its_id_can_be_sent_again(
    shop: Database, admin: Actor
) -> None:
    line = {"op": "receive", "id": "early", "store": "S1", "sku": "NEW", "quantity": 2}
    (refused,) = run(shop, admin, line)
    assert refused["error"] == "unknown_product"
    assert apply_ids.status(shop, ["early"]) == [{"id": "early", "status": "not_applied"}]
    products.create_product(shop, admin, sku="NEW", name="New thing")
    (applied,) = run(shop, admin, line)
    assert applied["ok"] is True and "replayed" not in applied and qty(shop, "S1", "NEW") == 2


def test_a_line_refused_after_its_first_step_leaves_nothing(shop: Database, admin: Actor) -> None:
    # adjust with add and remove: the removal of an unknown unit is refused; with an id the
    # whole line is one transaction, so nothing at all is recorded.
    run(shop, admin, {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["B1"]})
    before = event_count(shop)
    (refused,) = run(
        shop,
        admin,
        {
            "op": "adjust",
            "id": "adj",
            "store": "S1",
            "sku": "PH1",
            "add": ["B2"],
            "remove": ["NOPE"],
            "reason": "count",
        },
    )
    assert refused["ok"] is False
    assert (
        event_count(shop) == before
        and apply_ids.status(shop, ["adj"])[0]["status"] == "not_applied"
    )


@pytest.mark.parametrize(
    "bad, message",
    [
        ("x" * 129, "'id' is 129 characters long; at most 128"),
        ("  ", "'id' is blank"),
        ("a\tb", "'id' contains control characters"),
        ("q-1 ", "'id' 'q-1 ' starts or ends with a space; send the id without it"),
        (" q-1", "'id' ' q-1' starts or ends with a space; send the id without it"),
        (
            "q-1\u00a0",
            "'id' holds an invisible character (U+00A0 at position 4); send the id without it",
        ),
        (
            "q\u200b-1",
            "'id' holds an invisible character (U+200B at position 2); send the id without it",
        ),
        (
            "q-1\u2028",
            "'id' holds an invisible character (U+2028 at position 4); send the id without it",
        ),
        (1.5, "'id' must be text or a whole number"),
        (True, "'id' must be text or a whole number"),
    ],
)
def test_a_bad_id_is_refused_and_changes_nothing(
    shop: Database, admin: Actor, bad: object, message: str
) -> None:
    (result,) = run(
        shop, admin, {"op": "receive", "id": bad, "store": "S1", "sku": "CAB", "quantity": 1}
    )
    assert result == {"ok": False, "line": 1, "id": bad, "error": "bad_request", "message": message}
    assert qty(shop, "S1", "CAB") == 0


def test_ids_differing_in_spaces_are_refused_and_in_case_are_other_ids(
    shop: Database, admin: Actor
) -> None:
    """``q-1``, ``q-1 `` and `` q-1`` were three ids: a receipt applied three times."""
    line = {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 1}
    verdicts = run(
        shop,
        admin,
        {**line, "id": "q-1"},
        {**line, "id": "q-1 "},
        {**line, "id": " q-1"},
        {**line, "id": "Q-1"},
        {**line, "id": "q 1"},  # a space inside is part of the id
    )
    assert [v["ok"] for v in verdicts] == [True, False, False, True, True]
    assert qty(shop, "S1", "CAB") == 3


def test_status_tells_what_became_of_each_id(shop: Database, admin: Actor) -> None:
    (first,) = run(
        shop, admin, {"op": "receive", "id": 77, "store": "S1", "sku": "CAB", "quantity": 1}
    )
    answers = apply_ids.status(shop, ["77", "nope", "x" * 200])
    assert answers[0]["status"] == "applied" and answers[0]["op"] == "receive"
    assert answers[0]["user"] == "ada" and answers[0]["terminal"] == "test-terminal"
    assert answers[0]["outcome"] == {
        k: v for k, v in first.items() if k not in ("ok", "line", "id")
    }
    assert answers[1] == {"id": "nope", "status": "not_applied"}
    assert answers[2]["status"] == "bad_request"


def test_replay_survives_a_new_process_handle(shop: Database, admin: Actor, db_url: str) -> None:
    line = {"op": "receive", "id": "restart", "store": "S1", "sku": "CAB", "quantity": 9}
    run(shop, admin, line)
    shop.dispose()
    fresh = Database(db_url)
    try:
        (again,) = run(fresh, users.actor_for(fresh, "ada", "other-terminal"), line)
        assert again["replayed"] is True and qty(fresh, "S1", "CAB") == 9
    finally:
        fresh.dispose()


# -- two processes, the same ids, at once -----------------------------------------------------
def test_two_processes_sending_the_same_ids_apply_each_line_once(
    shop: Database, admin: Actor, db_url: str, tmp_path: Path
) -> None:
    lines = []
    for n in range(40):
        lines.append({"op": "receive", "id": f"q{n}", "store": "S1", "sku": "CAB", "quantity": 1})
        lines.append(
            {"op": "receive", "id": f"u{n}", "store": "S1", "sku": "PH1", "serial": f"SN{n:03}"}
        )
        lines.append(
            {
                "op": "transfer_out",
                "id": f"t{n}",
                "store": "S1",
                "sku": "CAB",
                "quantity": 1,
                "to": "S2",
            }
        )
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(x) + "\n" for x in lines))
    env = {
        **os.environ,
        "SERIALPOS_DB": db_url,
        "SERIALPOS_USER": "ada",
        "SERIALPOS_CONFIG": str(tmp_path / "none.toml"),
    }
    (tmp_path / "none.toml").write_text("")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "serialpos", "apply", str(feed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    verdicts = []
    for out, err in outputs:
        got = [json.loads(x) for x in out.decode().splitlines()]
        assert len(got) == len(lines), err.decode()
        verdicts.append(got)
    for a, b in zip(*verdicts, strict=True):
        assert a["ok"] is True and b["ok"] is True, (a, b)
        # Exactly one of the two applied it; the other replayed the same verdict.
        assert sorted([a.get("replayed", False), b.get("replayed", False)]) == [False, True]
        assert {k: v for k, v in a.items() if k != "replayed"} == {
            k: v for k, v in b.items() if k != "replayed"
        }
    assert qty(shop, "S1", "CAB") == 0 and qty(shop, "S1", "PH1") == 40
    assert check_ledger(shop) == []
