"""Migration 0040 (till last seq): ``terminal_link.last_seq``, how far each store terminal
has sent its journal, on SQLite and PostgreSQL both ways; a link kept through the downgrade
and the upgrade starts with no number known and takes the next entry's."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import command

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import apply as apply_service
from serialpos.services import entries, ledger, products, snapshot, users
from serialpos.services.context import Actor


def _columns(db: Database) -> set[str]:
    return {c["name"] for c in sa.inspect(db.engine).get_columns("terminal_link")}


def _downgrade(db: Database, revision: str) -> None:
    cfg = migrate._config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


def test_0040_both_ways(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PHX", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PHX", serials=["M40-1", "M40-2"])
    token = users.actor_for(db, admin.user, f"api-{uuid.uuid4().hex[:6]}")
    snapshot.link(db, token, "S1", "till-40")

    def push(seq: int, serial: str) -> dict[str, object]:
        line = {
            "id": str(uuid.uuid4()),
            "op": "sell",
            "store": "S1",
            "sku": "PHX",
            "serial": serial,
            "journal": {"terminal": "till-40", "seq": seq},
        }
        return entries.apply_entry(db, token, line, apply_service.apply_object)

    def last() -> int | None:
        with db.engine.connect() as conn:
            return conn.execute(sa.text("SELECT last_seq FROM terminal_link")).scalar()

    assert "last_seq" in _columns(db)
    assert push(1, "M40-1")["ok"] and last() == 1

    _downgrade(db, "0039_quantity_moves")
    assert "last_seq" not in _columns(db)

    migrate.upgrade(db)
    assert "last_seq" in _columns(db) and last() is None
    done = push(3, "M40-2")  # no number known since the upgrade: nothing to say
    assert done["ok"] and "warnings" not in done, done
    assert last() == 3
