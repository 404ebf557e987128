"""Which checklist line a bare serial belongs to, on SQLite and PostgreSQL: its own product's,
whichever product is selected (issue 10: "listed for X: scan X first" is gone)."""

from __future__ import annotations

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.receiving import line_for_serial


def test_the_document_listing_then_the_ledgers_own_product(db: Database, admin: Actor) -> None:
    for sku in ("DRILL", "SAW"):
        products.create_product(db, admin, sku=sku, name=sku.title(), serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRILL", serials=["D1"])
    lines = frozenset({"DRILL", "SAW"})
    assert line_for_serial(db, "X1", "SAW", lines) == "SAW"  # the document lists it
    assert line_for_serial(db, " D1 ", None, lines) == "DRILL"  # the ledger knows its unit
    assert line_for_serial(db, "D1", None, frozenset({"SAW"})) is None  # no line of its own
    assert line_for_serial(db, "NEW1", None, lines) is None  # new: the selected product's
    assert line_for_serial(db, "#" * 70, None, lines) is None  # no serial: not looked up
