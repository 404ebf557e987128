"""Which invoices a store terminal's sales reports leave out (issue 16): those whose latest
journal entry naming them central did not take (a conflict or refused), as the serial card
reads it (db/journal.py ``last_naming``), worked out for all at once; on central (an empty
journal) one read and nothing changes."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, not_taken, products, reports
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.report_filter import ReportFilter


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(
        db, admin, sku="PH", name="Phone", price=Decimal("100.00"), serial_mode="required"
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["P1", "P2", "P3"])
    for serial in ("P1", "P2", "P3"):
        assert apply_object(
            db, admin, {"op": "sell", "store": "S1", "sku": "PH", "serial": serial}
        )["ok"]
    return db


def _entry(conn: Connection, seq: int, invoice: str, state: str | None) -> None:
    line = json.dumps({"op": "sell", "store": "S1", "numbers": {"invoice": invoice}})
    journal.add(conn, entry_id=f"e-{seq}", seq=seq, terminal="t", user="admin", line=line)
    if state is not None:
        journal.settle(conn, f"e-{seq}", state, "{}")


def test_the_latest_entry_naming_an_invoice_decides(shop: Database) -> None:
    def entries(conn: Connection) -> None:
        _entry(conn, 1, "INV-S1-000001", "conflict")
        _entry(conn, 2, "INV-S1-000002", "refused")
        _entry(conn, 3, "INV-S1-000002", "accepted")  # named again later, and taken
        _entry(conn, 4, "INV-S1-000003", None)  # waiting: counted
        _entry(conn, 5, "INV-S1-000009", "conflict")  # no such invoice here

    shop.write(entries)
    assert shop.read(not_taken.documents) == ("INV-S1-000001",)
    everything = ReportFilter()
    report = reports.sales_report(shop, everything)
    assert [r.invoice for r in report.rows] == ["INV-S1-000002", "INV-S1-000003"]
    assert (report.quantity, report.total) == (2, Decimal("200.00"))
    assert report.not_taken == ("INV-S1-000001",)
    assert [r[0] for r in reports.sales_detail_rows(shop, everything)] == [
        "INV-S1-000002",
        "INV-S1-000003",
    ]
    assert reports.count_sales_detail(shop, everything) == 2
    assert reports.not_taken_sales(shop, everything) == ("INV-S1-000001",)
    other = ReportFilter(serial="P2")  # the note names what the filter would show
    assert reports.not_taken_sales(shop, other) == ()
    assert reports.sales_report(shop, other).not_taken == ()


def test_central_pays_one_empty_read(shop: Database) -> None:
    said: list[str] = []

    def heard(*args: object) -> None:
        said.append(str(args[2]))

    sa.event.listen(shop.engine, "before_cursor_execute", heard)
    try:
        assert shop.read(not_taken.documents) == ()
    finally:
        sa.event.remove(shop.engine, "before_cursor_execute", heard)
    assert len(said) == 1 and "journal_entry" in said[0]
    report = reports.sales_report(shop, ReportFilter())
    assert len(report.rows) == 3 and report.not_taken == ()


def test_the_note_names_a_few() -> None:
    assert not_taken.note(()) is None
    one = not_taken.note(["INV-1"])
    assert one == (
        "1 sale central did not take is not counted (INV-1): "
        "serialpos conflicts list / serialpos terminal refused"
    )
    many = not_taken.note([f"INV-{n}" for n in range(7)])
    assert many is not None and many.startswith("7 sales central did not take are not counted")
    assert "INV-4 and 2 more)" in many and "INV-5" not in many
