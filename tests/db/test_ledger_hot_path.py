"""The lean ledger path keeps its promises: settings read in the same query, a lost race
re-read, a busy SQLite database waited for, on both databases where it applies."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import migrate, repo, unit_write
from serialpos.db.engine import Database
from serialpos.domain.errors import AlreadySold, UnknownProduct, UnknownStore
from serialpos.domain.states import Action
from serialpos.services import ledger, products, settings, stock, stores
from serialpos.services.context import SYSTEM, Actor


def test_store_setting_wins_over_chain_in_settings_and_moves(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    settings.set_setting(db, admin, "serialized_inventory", "false")
    settings.set_setting(db, admin, "serialized_inventory", "true", "S1")
    settings.set_setting(db, admin, "auto_prompt_serial", "false", "S1")
    assert settings.get_settings(db).serialized_inventory is False
    assert settings.get_settings(db, "S2").serialized_inventory is False
    s1 = settings.get_settings(db, "S1")
    assert (s1.serialized_inventory, s1.auto_prompt_serial) == (True, False)
    assert settings.get_settings(db, "S2").auto_prompt_serial is True

    at_s1 = ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A1"])
    at_s2 = ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH1", serials=["B1"])
    assert at_s1.serial_tracked and [u.to_state for u in at_s1.units] == ["in_stock"]
    assert not at_s2.serial_tracked and at_s2.units == ()  # captured on the event only

    settings.set_setting(db, admin, "serialized_inventory", "false", "S1")  # another terminal
    later = ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A2"])
    assert not later.serial_tracked  # read in the transaction, not cached


def test_unknown_store_and_product_are_refused(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    with pytest.raises(UnknownStore):
        ledger.move(db, admin, Action.RECEIVE, store="S9", sku="PH1", serials=["A1"])
    with pytest.raises(UnknownProduct):
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku="NOPE", serials=["A1"])
    with pytest.raises(UnknownStore):
        ledger.move(
            db, admin, Action.TRANSFER_OUT, store="S1", sku="PH1", serials=["A1"], to_store="S9"
        )


def test_a_unit_moved_after_it_was_read_is_read_again(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unit named first is read with the product; if another terminal moves it before our
    conditional update, the update finds a new version and the unit is read again."""
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A1", "A2"])
    real_claim = unit_write.claim_and_record
    raced: list[str] = []

    def claim_after_a_rival(
        conn: Connection,
        unit: repo.UnitRow,
        claim: dict[str, object],
        event: dict[str, object],
        delta: int,
    ) -> bool:
        if not raced:  # the rival sells the unit between our read and our update
            raced.append("sold")
            u = repo.unit_t.c
            conn.execute(
                sa.update(repo.unit_t)
                .where(u.id == unit.id)
                .values(state="sold", version=u.version + 1)
            )
        return real_claim(conn, unit, claim, event, delta)

    # The claim (one statement with the event and stock on PostgreSQL) goes through here.
    monkeypatch.setattr(unit_write, "claim_and_record", claim_after_a_rival)
    with pytest.raises(AlreadySold):
        ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A1"])
    assert raced == ["sold"]
    monkeypatch.setattr(unit_write, "claim_and_record", real_claim)
    # Two units in one call: the first read with the product, the second on its own.
    result = ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A2", "A1"])
    assert [(u.serial, u.from_state) for u in result.units] == [
        ("A2", "in_stock"),
        ("A1", "in_stock"),
    ]
    assert [(lv.sku, lv.quantity) for lv in stock.stock_levels(db, "S1")] == [("PH1", 0)]


def test_busy_sqlite_is_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """BEGIN IMMEDIATE on a database another process holds is retried, not refused."""
    monkeypatch.setenv("SERIALPOS_BUSY_WAIT", "0.05")  # each attempt short: the loop retries
    path = tmp_path / "busy.sqlite"
    db = Database(f"sqlite:///{path}")
    try:
        migrate.upgrade(db)
        stores.add_store(db, SYSTEM, "S1", "Main Street")
        products.create_product(db, SYSTEM, sku="PH1", name="Phone", serial_mode="required")
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        releaser = threading.Timer(0.4, lambda: other.execute("COMMIT"))
        releaser.start()
        started = time.monotonic()
        result = ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH1", serials=["A1"])
        assert time.monotonic() - started >= 0.3  # it waited for the other writer
        assert [u.to_state for u in result.units] == ["in_stock"]
        releaser.join()
        other.close()
    finally:
        db.dispose()
