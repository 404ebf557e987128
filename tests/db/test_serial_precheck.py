"""A serial format is evaluated before the write transaction, never while it holds the write
lock; a format changed between that check and the transaction is checked again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadSerial
from serialpos.domain.serials import SerialFormat
from serialpos.domain.states import Action
from serialpos.services import ledger, products, serial_precheck
from serialpos.services.context import Actor


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the write lock is SQLite's
def test_the_format_runs_while_no_write_lock_is_held(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    products.create_product(
        db, admin, sku="PH1", name="Phone", serial_mode="required", serial_format="^A[0-9]+$"
    )
    path = Path(db.engine.url.database or "")
    probes: list[str] = []

    class Probe(SerialFormat):
        def problem(self, serial: str) -> str | None:
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")  # fails at once if a writer holds the lock
                other.execute("ROLLBACK")
                probes.append(serial)
            finally:
                other.close()
            return super().problem(serial)

    monkeypatch.setattr(serial_precheck, "stored_format", lambda spec: Probe(spec))
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A1", "A2"])
    assert probes == ["A1", "A2"]
    with pytest.raises(BadSerial, match="the format is one or more digits after A"):
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["B1"])


def test_a_format_changed_after_the_check_is_checked_again(db: Database, admin: Actor) -> None:
    products.create_product(
        db, admin, sku="PH1", name="Phone", serial_mode="required", serial_format="^A[0-9]+$"
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A1"])  # cached
    with db.engine.begin() as conn:  # another terminal's manager changes the format
        conn.execute(sa.update(repo.product_t).values(serial_format="^B[0-9]+$"))
    with pytest.raises(BadSerial, match="the format is one or more digits after B"):
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A2"])
    result = ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["B2"])
    assert [u.serial for u in result.units] == ["B2"]


def test_an_asn_import_matches_formats_outside_the_write_lock(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from serialpos.domain.asn_rows import AsnFileRefused
    from serialpos.services import asn_formats
    from serialpos.services.asn.importing import import_asn_data

    products.create_product(
        db, admin, sku="PH1", name="Phone", serial_mode="required", serial_format="^A[0-9]+$"
    )
    locked_out: list[bool] = []

    class Probe(SerialFormat):
        def problem(self, serial: str) -> str | None:
            if db.dialect == "sqlite":
                other = sqlite3.connect(
                    Path(db.engine.url.database or ""), timeout=0, isolation_level=None
                )
                try:
                    other.execute("BEGIN IMMEDIATE")
                    other.execute("ROLLBACK")
                    locked_out.append(False)
                finally:
                    other.close()
            return super().problem(serial)

    monkeypatch.setattr(asn_formats, "stored_format", lambda spec: Probe(spec))
    data = b"ASN,Vendor,SKU,Quantity,Serials\nN1,V,PH1,2,A1|B2\n"
    with pytest.raises(AsnFileRefused) as info:
        import_asn_data(db, admin, "asn.csv", data, "S1")
    assert [str(p) for p in info.value.problems] == [
        "line 2: serial 'B2' is not valid for PH1: the format is one or more digits after A "
        "(example: A1234)"
    ]
    if db.dialect == "sqlite":
        assert locked_out == [False, False]
    with db.engine.begin() as conn:  # the format changes: the next import checks with it
        conn.execute(sa.update(repo.product_t).values(serial_format="^[AB][0-9]+$"))
    done = import_asn_data(db, admin, "asn.csv", data, "S1")
    assert done.asns[0].serials == 2
