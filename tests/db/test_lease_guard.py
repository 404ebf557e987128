"""The ledger's lease guard (services/lease_guard.py) on SQLite and PostgreSQL: a unit leased
to a terminal moves only by that terminal, whose move ends the lease; an expired lease holds
nothing; the set-based check (for runs of units) answers as the per-unit one."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from serialpos.db import lease_sql, repo
from serialpos.db.engine import Database
from serialpos.db.lease_tables import lease_t
from serialpos.db.tables import utcnow
from serialpos.domain.errors import Leased
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.lease_guard import check_leases


def _lease(db: Database, serial: str, terminal: str, minutes: int = 60) -> None:
    def work(conn: sa.Connection) -> None:
        unit_id, store_id = conn.execute(
            sa.select(repo.unit_t.c.id, repo.unit_t.c.store_id).where(
                repo.unit_t.c.serial == serial
            )
        ).one()
        now = utcnow()
        lease_sql.add(
            conn,
            unit_id=unit_id,
            store_id=store_id,
            terminal=terminal,
            user="mia",
            now=now,
            expires_at=now + timedelta(minutes=minutes),
        )

    db.write(work)


def _leases(db: Database) -> int:
    return db.read(
        lambda c: c.execute(sa.select(sa.func.count()).select_from(lease_t)).scalar_one()
    )


def test_a_leased_unit_moves_by_its_holder_only(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["G1", "G2", "G3"])
    _lease(db, "G1", "till-a")
    _lease(db, "G2", "till-a", minutes=-1)  # expired
    with pytest.raises(Leased, match="leased to terminal till-a"):
        ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["G1"])
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["G2"])  # expired
    holder = Actor(user=admin.user, role=admin.role, terminal="till-a")
    ledger.move(db, holder, Action.SELL, store="S1", sku="PH1", serials=["G1"])
    assert _leases(db) == 0  # the holder's sale and the expired lease's move ended both


def test_the_set_based_check_answers_as_the_per_unit_one(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["H1", "H2", "H3"])
    _lease(db, "H1", "till-a")
    _lease(db, "H2", "till-b")
    rows = db.read(lambda c: c.execute(sa.select(repo.unit_t.c.serial, repo.unit_t.c.id)).all())
    ids: dict[str, int] = {serial: unit_id for serial, unit_id in rows}
    units = [(ids[s], s) for s in ("H1", "H2", "H3")]
    with pytest.raises(Leased, match="serial H2 of PH1 is leased to terminal till-b"):
        db.write(lambda c: check_leases(c, "till-a", units, "PH1"))
    assert _leases(db) == 2  # refused: nothing ended
    db.write(lambda c: check_leases(c, "till-a", [units[0], units[2]], "PH1"))
    assert _leases(db) == 1  # till-a's own lease ended, till-b's stands
