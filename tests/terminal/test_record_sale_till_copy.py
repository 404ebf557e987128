"""The till takes central's state of its sale once a manager recorded it (issue 16).

Two tills sell the same unit offline: A's sale stands at central, B's (that unit and
another, in one order) is a conflict. A manager resolves it by ``record_sale``: central
records B's sale with the conflicting line left open and paid, serial cleared. B's next
sync must bring B's copy to central's: the line open without its serial, the invoice (its
receipt reprint) as central's, the unit's card naming A's sale, a return of the unit at B
going through A's sale as at central, ``db check`` clean on both. And the sale is the
cashier's who made it at the till, not the resolving manager's. Real ``serialpos serve``
on PostgreSQL, the tills as separate processes."""

from __future__ import annotations

import json
from dataclasses import astuple
from decimal import Decimal
from typing import Any

from terminal_chain import Chain, Terminal, till_db
from test_conflicting_sale import _receive, _two_tills, priced

from serialpos.db.engine import Database
from serialpos.services.invoices import invoice_document
from serialpos.services.orders.left_open import left_open
from serialpos.services.owed_lines import left_open_here

__all__ = ["priced"]

LINES = (
    "SELECT l.number, l.serial, l.status, i.number FROM order_line l "
    "JOIN sale_order o ON o.id = l.order_id LEFT JOIN invoice i ON i.id = l.invoice_id "
    "WHERE o.number = :n ORDER BY l.number"
)


def _central_rows(chain: Chain, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    import sqlalchemy as sa

    with chain.server.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def _receipt(db: Database, invoice: str) -> tuple[Any, ...]:
    """What a receipt reprint of ``invoice`` shows: lines, totals, tenders, change."""
    doc = invoice_document(db, invoice)
    return (
        [(x.sku, x.serials, x.quantity, x.total) for x in doc.lines],
        (doc.subtotal, doc.tax, doc.total, doc.change_due),
        [astuple(p) for p in doc.payments],
        doc.cashier,
    )


def _card(side: Terminal | Chain, serial: str) -> dict[str, Any]:
    args = ("serial", "show", serial, "--json")
    done = side.cli(*args) if isinstance(side, Terminal) else side.central(*args)
    [card] = json.loads(done.stdout)
    return dict(card)


def test_the_till_takes_central_state_of_its_recorded_sale(
    chain: Chain, priced: str, opened: list[Database]
) -> None:
    b, order, invoice, number = _two_tills(chain, priced, opened, "TC")
    chain.central("conflicts", "resolve", str(number), "--by", "record_sale", user="ada")
    report = b.sync()
    # The order, line by line, and its invoice as central has them.
    central_lines = _central_rows(chain, LINES, n=order)
    assert central_lines == [(1, None, "open", None), (2, "TC-042", "fulfilled", invoice)]
    assert b.query(LINES, n=order) == central_lines
    assert report["recorded_sales"] == 1, report
    status = "SELECT status FROM sale_order WHERE number = :n"
    assert b.query(status, n=order) == _central_rows(chain, status, n=order) == [("open",)]
    till, _mia = till_db(b, opened)
    assert _receipt(till, invoice) == _receipt(chain.server.db, invoice)
    # Open and paid at this till, and owed: Home does not call it left open mid-sale.
    [(here,)] = b.query("SELECT terminal FROM sale_order WHERE number = :n", n=order)
    assert [o.order for o in left_open(till, "S1", here)] == [order]
    assert left_open_here(till, "S1", here) == []
    lines, totals, _paid, _cashier = _receipt(till, invoice)
    assert [x[:2] for x in lines] == [(priced, ("TC-042",))]
    assert totals[2] == Decimal("418.80")
    # The unit sold at A: its card at B names A's sale, as central's does.
    on_till, at_central = _card(b, "TC-034"), _card(chain, "TC-034")
    assert on_till["state"] == at_central["state"] == "sold"
    assert on_till["sale"]["order"] == at_central["sale"]["order"] != order
    assert on_till["sale"]["central"] is None  # A's sale was taken: nothing NOT TAKEN
    # The open line is owed: B hands over another unit, and central agrees.
    _receive(chain, priced, "TC-055")
    b.sync()
    for act in (
        {"op": "order_set_serial", "order": order, "line_number": 1, "serial": "TC-055"},
        {"op": "order_fulfil", "order": order, "line_numbers": [1]},
    ):
        [done] = b.apply(act)
        assert done["ok"], done
    assert b.sync()["accepted"] == 2
    handed = _central_rows(chain, LINES, n=order)
    assert [r[:3] for r in handed] == [(1, "TC-055", "fulfilled"), (2, "TC-042", "fulfilled")]
    assert b.query(LINES, n=order) == handed
    assert b.unit_state("TC-055") == "sold"
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'TC-055'") == "sold"
    # A return of that unit at B goes through A's sale, not B's, as at central.
    [wrong] = b.apply({"op": "order_return", "order": order, "serials": ["TC-034"]}, check=False)
    assert not wrong["ok"], wrong
    a_order = at_central["sale"]["order"]
    [back] = b.apply({"op": "order_return", "order": a_order, "serials": ["TC-034"]})
    assert back["ok"], back
    assert b.sync()["accepted"] == 1
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'TC-034'") == "in_stock"
    assert b.unit_state("TC-034") == "in_stock"
    assert b.sync()["recorded_sales"] == 0  # taken once
    b.check_clean()
    chain.check_clean()


def test_the_recorded_sale_is_the_cashiers(
    chain: Chain, priced: str, opened: list[Database]
) -> None:
    """Mia sold at the till; Ada resolved the conflict. The order, its invoice, its
    payments and the sale's events at central are Mia's; the resolution is Ada's."""
    _b, order, invoice, number = _two_tills(chain, priced, opened, "CA")
    done = chain.central("conflicts", "resolve", str(number), "--by", "record_sale", user="ada")
    assert json.loads(done.stdout)["resolution"]["by"] == "ada"
    made = "SELECT created_by FROM sale_order WHERE number = :n"
    assert _central_rows(chain, made, n=order) == [("mia",)]
    issued = "SELECT created_by FROM invoice WHERE number = :n"
    assert _central_rows(chain, issued, n=invoice) == [("mia",)]
    paid = (
        "SELECT p.user_name FROM order_payment p JOIN sale_order o ON o.id = p.order_id "
        "WHERE o.number = :n"
    )
    assert _central_rows(chain, paid, n=order) == [("mia",)]
    events = "SELECT DISTINCT user_name FROM ledger_event WHERE document_id = :n"
    assert _central_rows(chain, events, n=order) == [("mia",)]
    chain.check_clean()
