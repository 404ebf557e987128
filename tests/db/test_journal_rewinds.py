"""A till's new entry refused where another entry of the same till holds its journal number
is answered ``journal_rewound`` (migration 0040, services/journal_rewinds.py), with the
refusal beside it; central applies nothing of it. Before, it was refused ``number_taken``
like any other line, and the till settled it as refused and put its sale back.

Only such a refusal: a replay, an ordinary refusal (its number held by nobody, even at or
below the till's highest), an entry accepted, are answered as before. Central keeps each
entry's number with its id, in the set-based run's claim and in the one-by-one claim alike,
on SQLite and PostgreSQL; the migration goes both ways."""

from __future__ import annotations

import json
from decimal import Decimal as D
from typing import Any

import sqlalchemy as sa
from alembic import command
from till_push import entry, push

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import apply as apply_service
from serialpos.services import entries, ledger, lookup, products, snapshot, users
from serialpos.services.context import SYSTEM, Actor
from serialpos.services.document_numbers import terminal_tag

SEQS = "SELECT id, journal_seq FROM apply_outcome WHERE terminal = 'till-1' ORDER BY id"


def _shop(db: Database) -> tuple[Actor, str]:
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(
        db, mia, sku="PH1", name="Phone", price=D("299.00"), serial_mode="required"
    )
    serials = [f"R{n}" for n in range(1, 8)]
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=serials)
    token = users.actor_for(db, "mia", "api-till-1")
    snapshot.link(db, token, "S1", "till-1")
    return token, terminal_tag("till-1", "S1")


def _sale(key: str, seq: int, serial: str, order: str) -> bytes:
    """A till's counter sale with the order number it gave (as a till's sale carries)."""
    return entry(
        key,
        "till-1",
        seq,
        op="order_create",
        store="S1",
        lines=[{"sku": "PH1", "serial": serial}],
        fulfil=True,
        payments=[{"method": "cash", "amount": "299.00"}],
        numbers={"order": order},
    )


def _sell(key: str, seq: int, serial: str) -> bytes:
    """A plain sale (the set-based run's)."""
    return entry(key, "till-1", seq, op="sell", store="S1", sku="PH1", serial=serial)


def _state(db: Database, serial: str) -> str:
    return lookup.lookup_serial(db, serial, "PH1")[0].state


def test_a_rewound_entry_is_told_apart_and_nothing_of_it_applied(db: Database) -> None:
    token, tag = _shop(db)
    assert [v["ok"] for v in push(db, token, [_sale("e1", 1, "R1", f"S1-{tag}-000001")])] == [True]
    assert all(v["ok"] for v in push(db, token, [_sell("e2", 2, "R2"), _sell("e3", 3, "R3")]))
    assert all(v["ok"] for v in push(db, token, [_sale("e4", 4, "R4", f"S1-{tag}-000002")]))
    # Central keeps each entry's number with its id: the set-based run's and one's alone.
    with db.engine.connect() as conn:
        assert list(conn.execute(sa.text(SEQS))) == [("e1", 1), ("e2", 2), ("e3", 3), ("e4", 4)]

    # The till restored from a copy made after entry 3: its entry 4 again, a new sale with
    # the order number central holds for e4; then its entry 5, past what central took.
    rewound = _sale("r4", 4, "R5", f"S1-{tag}-000002")
    verdicts = push(db, token, [rewound, _sale("r5", 5, "R6", f"S1-{tag}-000003")])
    told, later = verdicts
    assert (told["ok"], told["error"]) == (False, "journal_rewound"), told
    assert told["refused"]["error"] == "number_taken", told
    # Central's highest number of the till, r5 (taken in the same push) included.
    assert told["held_by"] == "e4" and told["central_last_seq"] == 5, told
    words = told["message"]
    assert "central holds entries of terminal till-1 up to 5, and entry 4 under another id" in words
    assert "restored from an older copy" in words and "number_taken" in words, words
    assert "What to do:" in words and "new --terminal" in words, words
    assert later["ok"] and later["order"] == f"S1-{tag}-000003", later
    assert (_state(db, "R5"), _state(db, "R6")) == ("in_stock", "sold")
    # Sent again (the till keeps it pending): the same answer, still nothing applied.
    [again] = push(db, token, [rewound])
    assert again["error"] == "journal_rewound" and _state(db, "R5") == "in_stock", again

    # Alone (the one-by-one apply, as after a failed batch): the same answer.
    data = {**json.loads(rewound), "id": "r4-alone"}
    alone = entries.apply_entry(db, token, data, apply_service.apply_object)
    assert alone["error"] == "journal_rewound" and alone["held_by"] == "e4", alone

    # A replay of the entry central holds is a replay, not a rewind.
    [replayed] = push(db, token, [_sale("e4", 4, "R4", f"S1-{tag}-000002")])
    assert replayed["ok"] and replayed.get("replayed"), replayed


def test_an_ordinary_refusal_stays_one(db: Database) -> None:
    """A refusal whose number no other entry holds is said as before, at or below the till's
    highest number too: entry 2 refused (nothing kept), entry 3 taken, entry 2 made again
    under a new id and refused again is no rewind."""
    token, _tag = _shop(db)
    first = push(db, token, [_sell("a1", 1, "R1"), _sell("a2", 2, "NOPE"), _sell("a3", 3, "R3")])
    assert [v["ok"] for v in first] == [True, False, True], first
    code = first[1]["error"]
    assert code != "journal_rewound", first
    [second] = push(db, token, [_sell("a2-again", 2, "NOPE")])
    assert second["error"] == code, second
    # A unit sold already (at another till, or by this one): a conflict, as before.
    [conflict] = push(db, token, [_sell("a4", 4, "R1")])
    assert conflict["error"] == "sync_conflict", conflict


def test_a_rewind_over_entries_taken_before_0040_is_told_apart(db: Database) -> None:
    """Entries central took before migration 0040 carry no journal number: a till restored
    across the upgrade numbered its next sale again, the refusal ``number_taken`` read as an
    ordinary one, and the till put the sale's unit back in stock. The order number is the
    till's own (its code in it): central holding it is the rewind."""
    token, tag = _shop(db)
    assert push(db, token, [_sale("p1", 1, "R1", f"S1-{tag}-000001")])[0]["ok"]
    with db.engine.begin() as conn:  # as the entry was kept before 0040
        conn.execute(sa.text("UPDATE apply_outcome SET journal_seq = NULL WHERE id = 'p1'"))
    [told] = push(db, token, [_sale("q1", 1, "R2", f"S1-{tag}-000001")])
    assert (told["ok"], told["error"]) == (False, "journal_rewound"), told
    assert told["refused"]["error"] == "number_taken", told
    assert told["held_by"] is None and told["central_last_seq"] is None, told
    words = told["message"]
    assert "central holds the documents entry 1 numbers, made by an earlier entry" in words
    assert "What to do:" in words, words
    assert _state(db, "R2") == "in_stock"


def _columns(db: Database) -> set[str]:
    return {c["name"] for c in sa.inspect(db.engine).get_columns("apply_outcome")}


def test_0040_both_ways(db: Database) -> None:
    token, _tag = _shop(db)
    assert push(db, token, [_sell("m1", 1, "R1")])[0]["ok"]
    cfg = migrate._config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0039_quantity_moves")
        conn.commit()
    assert "journal_seq" not in _columns(db)
    migrate.upgrade(db)
    assert "journal_seq" in _columns(db)
    assert push(db, token, [_sell("m2", 2, "R2")])[0]["ok"]
    with db.engine.connect() as conn:
        kept: Any = list(conn.execute(sa.text(SEQS)))
    assert kept == [("m1", None), ("m2", 2)]  # taken before the upgrade: no number known
