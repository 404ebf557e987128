"""Exchanges on SQLite and PostgreSQL: a unit returned and its replacement sold on one
document; the refund carried as credit so only the difference changes hands; each unit its own
event; both serials on the exchange PDF."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_orders import IMEI, clean, events_of, setup_catalogue, state_of

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.orders import LineStatus
from serialpos.services import exchanges, invoices
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order, list_orders


def _sold_phone(db: Database, admin: Actor) -> tuple[str, int]:
    order = open_order(db, admin, "S1").order
    line = add_item(db, admin, order, sku="PH1", serial=IMEI[0]).line
    fulfil(db, admin, order, settle_in="card")
    return order, line


def test_exchange_for_a_dearer_unit_pays_the_difference(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    setup_catalogue(db, admin)
    order, line = _sold_phone(db, admin)  # 499.99 + 20% = 599.99
    ex = exchanges.start_exchange(db, admin, order, lines=[line])
    assert (ex.refund_note, ex.credit, ex.units) == (
        "RF-S1-000001",
        D("599.99"),
        ((IMEI[0], "in_stock"),),
    )
    assert ex.returned.line_by_id(line).status is LineStatus.RETURNED
    assert ex.returned.payments[-1].method == "exchange" and ex.returned.totals.paid == D("0.00")
    assert ex.sale.exchange_of == "RF-S1-000001" and ex.sale.totals.paid == D("599.99")

    add_item(db, admin, ex.sale.order, sku="PH1", serial=IMEI[1])
    add_item(db, admin, ex.sale.order, sku="CB1")
    view = get_order(db, ex.sale.order)
    assert view.totals.due == D("9.50")  # only the difference
    done = fulfil(db, admin, ex.sale.order, payments=[("cash", D("10.00"))])
    assert done.change_due == D("0.50")
    assert state_of(db, IMEI[0]) == ("in_stock", "S1")
    assert state_of(db, IMEI[1]) == ("sold", "S1")
    assert events_of(db, IMEI[0])[-1] == ("return", "order", "1")
    assert events_of(db, IMEI[1])[-1][0] == "sell"

    doc = invoices.invoice_document(db, done.invoice)
    assert doc.kind == "Exchange"
    assert [(ln.sku, ln.total, ln.serials) for ln in doc.lines] == [
        ("PH1", D("-599.99"), (IMEI[0],)),
        ("PH1", D("599.99"), (IMEI[1],)),
        ("CB1", D("9.50"), ()),
    ]
    assert (doc.subtotal, doc.tax, doc.total) == (D("9.50"), D("0.00"), D("9.50"))
    assert [(p.method, p.amount) for p in doc.payments] == [("cash", D("10.00"))]
    pdf = invoices.write_invoice_pdf(db, done.invoice, tmp_path / "x.pdf")
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert IMEI[0] in text and IMEI[1] in text and "Exchange" in text and "RF-S1-000001" in text
    clean(db)


def test_exchange_for_a_cheaper_item_gives_change(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    order, line = _sold_phone(db, admin)
    ex = exchanges.start_exchange(db, admin, order, lines=[line])
    add_item(db, admin, ex.sale.order, sku="CB1")
    done = fulfil(db, admin, ex.sale.order)
    assert done.change_due == D("590.49")  # the customer gets only the difference
    assert state_of(db, IMEI[0]) == ("in_stock", "S1")
    clean(db)


def test_a_refused_exchange_changes_nothing(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    order, line = _sold_phone(db, admin)
    before = get_order(db, order)
    for kwargs, code in (
        ({"lines": [line], "store": "NOPE"}, "unknown_store"),
        ({"lines": [line + 99]}, "unknown_line"),
        ({"lines": []}, "bad_request"),
    ):
        with pytest.raises(DomainError) as refused:
            exchanges.start_exchange(db, admin, order, **kwargs)  # type: ignore[arg-type]
        assert refused.value.code == code
    assert get_order(db, order) == before
    assert len(list_orders(db, "S1")) == 1
    assert state_of(db, IMEI[0]) == ("sold", "S1")


def test_voiding_an_exchange_sale_gives_the_credit_back_to_its_note(
    db: Database, admin: Actor
) -> None:
    """F7 on the exchange sale said "Refund exchange 599.99 to the customer", no tender
    repaid it and the note's credit was dead (credit_spent). Now no refund is offered, the
    credit is back on the note and a new sale carries it; the drawer, the note and the sales
    report agree."""
    from serialpos.services import shifts
    from serialpos.services.apply.dispatch import apply_object
    from serialpos.services.order_void import credit_back_for, refunds_for, void_order
    from serialpos.services.report_filter import ReportFilter
    from serialpos.services.reports import sales_report

    setup_catalogue(db, admin)
    order, line = _sold_phone(db, admin)  # paid by card
    shifts.open_shift(db, admin, "S1", "50.00")
    ex = exchanges.start_exchange(db, admin, order, lines=[line])
    view = get_order(db, ex.sale.order)
    assert refunds_for(view) == ()  # nothing handed to the customer: no "refund exchange"
    back = credit_back_for(view)
    assert back is not None and (back.refund_note, back.amount) == ("RF-S1-000001", D("599.99"))

    done = void_order(db, admin, ex.sale.order)
    assert done.refunds == () and done.credit_back == back
    assert done.message == (
        f"{ex.sale.order} voided; exchange credit 599.99 back on refund note RF-S1-000001 "
        "(spend it on a new sale)"
    )
    assert get_order(db, ex.sale.order).totals.paid == D("0.00")  # the voided sale holds none
    # The drawer: no cash moved; exchange credit outstanding = the note's amount.
    x = shifts.x_report(db, admin, "S1")
    assert x.expected_cash == D("50.00")
    assert [(t.method, t.net) for t in x.takings] == [("exchange", D("-599.99"))]
    # The note and the sales report: the return stands, refunded 599.99.
    rows = sales_report(db, ReportFilter(store="S1")).rows
    assert [(r.invoice, r.total) for r in rows] == [
        ("INV-S1-000001", D("599.99")),
        ("RF-S1-000001", D("-599.99")),
    ]
    # The credit is spendable again (was credit_spent), once.
    again = apply_object(
        db,
        admin,
        {"op": "order_create", "store": "S1", "exchange_of": "RF-S1-000001", "lines": []},
    )
    assert again["ok"] and again["paid"] == "599.99", again
    x = shifts.x_report(db, admin, "S1")
    assert [(t.method, t.net) for t in x.takings] == [("exchange", D("0.00"))]
    twice = apply_object(
        db,
        admin,
        {"op": "order_create", "store": "S1", "exchange_of": "RF-S1-000001", "lines": []},
    )
    assert twice["error"] == "credit_spent"
    clean(db)


def test_apply_order_void_of_an_exchange_sale_says_credit_back(db: Database, admin: Actor) -> None:
    from serialpos.services.apply.dispatch import apply_object

    setup_catalogue(db, admin)
    order, line = _sold_phone(db, admin)
    ex = exchanges.start_exchange(db, admin, order, lines=[line])
    voided = apply_object(db, admin, {"op": "order_void", "order": ex.sale.order})
    assert voided["ok"], voided
    assert voided["refunds"] == []
    assert voided["credit_back"] == {"refund_note": "RF-S1-000001", "amount": "599.99"}
    clean(db)


def test_reissue_after_the_exchange_sale_was_voided_opens_one_carrying_its_credit(
    db: Database, admin: Actor
) -> None:
    """Re-issue (Returns, F5) reopened the voided exchange sale, where every scan was refused
    ("order ... is voided; it cannot change"), and the credit could be spent only by finding
    the refund note by hand. Now it goes to a new sale carrying the credit, and to that one
    again (never a second) until it too is voided."""
    from serialpos.services.order_void import void_order

    setup_catalogue(db, admin)
    order, line = _sold_phone(db, admin)
    ex = exchanges.start_exchange(db, admin, order, lines=[line])
    same = exchanges.resume_exchange(db, admin, ex.sale.order, "S1")
    assert (same.sale.order, same.opened, same.voided) == (ex.sale.order, False, None)

    void_order(db, admin, ex.sale.order)
    first = exchanges.resume_exchange(db, admin, ex.sale.order, "S1")
    assert first.opened and first.sale.order != ex.sale.order, first
    assert (first.voided, first.refund_note) == (ex.sale.order, "RF-S1-000001")
    assert first.sale.exchange_of == "RF-S1-000001" and first.sale.totals.paid == D("599.99")
    again = exchanges.resume_exchange(db, admin, ex.sale.order, "S1")
    assert (again.sale.order, again.opened) == (first.sale.order, False)
    assert len(list_orders(db, "S1")) == 3  # the sold order, the voided sale, the new one
    add_item(db, admin, first.sale.order, sku="PH1", serial=IMEI[1])
    assert get_order(db, first.sale.order).totals.due == D("0.00")
    clean(db)


def test_exchange_change_beyond_the_drawer_is_asked_for_naming_the_cash_short(
    db: Database, admin: Actor
) -> None:
    """The phone sold by card before the shift (its money in no drawer), exchanged for a
    cable in a shift opened with 50.00: 590.49 of change is 540.49 more than the drawer
    should hold. Refused ``change_beyond_drawer`` naming it, nothing recorded; given once the
    cashier confirms. A terminal with no open shift has no drawer figures: not asked."""
    from serialpos.services import shifts, users

    setup_catalogue(db, admin)
    users.add_user(db, admin, "sam", "cashier", "4321")
    sam = users.actor_for(db, "sam", "till-1")
    order, line = _sold_phone(db, admin)
    shifts.open_shift(db, sam, "S1", "50.00")
    ex = exchanges.start_exchange(db, sam, order, lines=[line])
    add_item(db, sam, ex.sale.order, sku="CB1")
    with pytest.raises(shifts.ChangeBeyondDrawer) as refused:
        fulfil(db, sam, ex.sale.order)
    assert refused.value.code == "change_beyond_drawer"
    assert refused.value.words == (
        "change 590.49 is more than the 50.00 cash the drawer should hold (short 540.49)"
    )
    assert get_order(db, ex.sale.order).status == "open"  # nothing recorded
    done = fulfil(db, sam, ex.sale.order, change_beyond_drawer=True)
    assert done.change_due == D("590.49")
    assert shifts.x_report(db, sam, "S1").expected_cash == D("-540.49")

    # Another exchange at a till with no shift open: no drawer to compare with.
    order2 = open_order(db, admin, "S1").order
    line2 = add_item(db, admin, order2, sku="PH1", serial=IMEI[1]).line
    fulfil(db, admin, order2, settle_in="card")
    ex2 = exchanges.start_exchange(db, admin, order2, lines=[line2])
    add_item(db, admin, ex2.sale.order, sku="CB1")
    assert fulfil(db, admin, ex2.sale.order).change_due == D("590.49")
    clean(db)
