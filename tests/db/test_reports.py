"""Sales and fulfilment reports against sales made through the services (orders, fulfilment,
returns), on SQLite and PostgreSQL: every filter, refunds as negative rows, totals, the
streaming sales detail, and clear refusals for filters that cannot be meant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest

from serialpos.db.engine import Database
from serialpos.domain.discounts import Discount, DiscountKind
from serialpos.domain.errors import BadRequest, BadValue, UnknownProduct, UnknownStore
from serialpos.domain.states import Action
from serialpos.services import ledger, products, returns, users
from serialpos.services.context import Actor
from serialpos.services.fulfilment_report import (
    FULFILMENT_COLUMNS,
    fulfilment_rows,
    fulfilment_table_rows,
)
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.discounts import LineChange, change_line, discount_order
from serialpos.services.orders.header import park, void
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.reading import get_order
from serialpos.services.orders.serials import set_serial
from serialpos.services.orders.views import Customer
from serialpos.services.report_filter import ReportFilter, check_filter
from serialpos.services.reports import (
    SALES_DETAIL_COLUMNS,
    count_sales_detail,
    sales_detail_rows,
    sales_report,
)

NOV1, NOV2, NOV3 = (
    datetime(2026, 11, 1, 10),
    datetime(2026, 11, 2, 23, 59),
    datetime(2026, 11, 3, 0, 5),
)


class Clock:
    """The orders service's clock, set per step so the documents carry known dates."""

    def __init__(self) -> None:
        self.now = NOV1

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Shop:
    cash_sale: str  # S1, Nov 1: PH1 serial A + 2 cables; A later refunded on Nov 3
    cash_invoice: str
    layby: str  # S2, Nov 2: PH1 serial D, fulfilled
    layby_invoice: str
    refund: str  # Nov 3: the refund note for A
    special: str  # S1, Nov 2, delivery: PH1 without serial + LT1 with serial: waiting
    parked: str  # S1, Nov 3: cables, parked
    special_lines: tuple[int, ...]


@pytest.fixture
def shop(db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> Shop:
    clock = Clock()
    # Orders stamp times in three rooms: opening (header), every change (work), payments
    # and invoices (checkout).
    for room in ("header", "work", "checkout"):
        monkeypatch.setattr(f"serialpos.services.orders.{room}.utcnow", clock)
    products.create_product(
        db, admin, sku="PH1", name="Phone", price=Decimal("100.00"), serial_mode="required"
    )
    products.create_product(
        db, admin, sku="LT1", name="Laptop", price=Decimal("999.00"), serial_mode="optional"
    )
    products.create_product(db, admin, sku="CB1", name="Cable", price=Decimal("9.50"))
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A", "B", "C"])
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH1", serials=["D"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT1", serials=["L1"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CB1", quantity=10)

    clock.now = NOV1
    cash, _ = create_order(db, admin, "S1", lines=[NewLine("PH1", "A"), NewLine("CB1", quantity=2)])
    cash_invoice = fulfil(db, admin, cash.order, settle_in="card").invoice

    clock.now = NOV2
    layby, _ = create_order(db, admin, "S2", "layby", "pickup", lines=[NewLine("PH1", "D")])
    layby_invoice = fulfil(db, admin, layby.order, settle_in="cash").invoice
    special, special_lines = create_order(
        db,
        admin,
        "S1",
        "special_order",
        "delivery",
        customer=Customer("Ann Lee", "555-0101", "1 High St"),
        lines=[NewLine("PH1"), NewLine("LT1", "L1")],
    )

    clock.now = NOV3
    cash_view = get_order(db, cash.order)
    phone_line = next(ln.line for ln in cash_view.lines if ln.sku == "PH1")
    refund = returns.return_units(db, admin, cash.order, lines=[phone_line]).refund_invoice
    parked = create_order(db, admin, "S1", lines=[NewLine("CB1")])[0].order
    park(db, admin, parked)
    voided = create_order(db, admin, "S1", lines=[NewLine("PH1", "B")])[0]
    void(db, admin, voided.order)
    return Shop(
        cash.order,
        cash_invoice,
        layby.order,
        layby_invoice,
        refund,
        special.order,
        parked,
        special_lines,
    )


def _lines(db: Database, f: ReportFilter) -> list[tuple[str, str, int, Decimal, str | None]]:
    return [(r.invoice, r.sku, r.quantity, r.total, r.serial) for r in sales_report(db, f).rows]


def test_sales_are_invoice_lines_with_refunds_negative(db: Database, shop: Shop) -> None:
    report = sales_report(db, ReportFilter())
    assert _lines(db, ReportFilter()) == [
        (shop.cash_invoice, "PH1", 1, Decimal("100.00"), "A"),
        (shop.cash_invoice, "CB1", 2, Decimal("19.00"), None),
        (shop.layby_invoice, "PH1", 1, Decimal("100.00"), "D"),
        (shop.refund, "PH1", -1, Decimal("-100.00"), "A"),
    ]
    assert (report.quantity, report.total, report.truncated) == (3, Decimal("119.00"), False)
    first = report.rows[0]
    assert (first.date, first.store, first.order, first.product, first.unit_price) == (
        NOV1,
        "S1",
        shop.cash_sale,
        "Phone",
        Decimal("100.00"),
    )
    assert (first.sale_type, first.delivery, first.kind) == ("Sale", "Cash and Carry", "Invoice")
    layby = report.rows[2]
    assert (layby.store, layby.sale_type, layby.delivery) == ("S2", "Lay-by", "Pickup Later")
    refund = report.rows[3]
    assert (refund.kind, refund.date, refund.unit_price) == ("Refund", NOV3, Decimal("100.00"))


def test_sales_filters(db: Database, shop: Shop) -> None:
    by_serial = _lines(db, ReportFilter(serial=" A "))
    assert by_serial == [
        (shop.cash_invoice, "PH1", 1, Decimal("100.00"), "A"),
        (shop.refund, "PH1", -1, Decimal("-100.00"), "A"),
    ]
    assert _lines(db, ReportFilter(serial="B")) == []  # voided, never sold
    assert [r[1] for r in _lines(db, ReportFilter(sku="CB1"))] == ["CB1"]
    assert [r[4] for r in _lines(db, ReportFilter(store="S2"))] == ["D"]
    # Both ends inclusive, by the invoice's UTC date (NOV2 is 23:59, NOV3 00:05).
    assert [
        r[0]
        for r in _lines(db, ReportFilter(date_from=date(2026, 11, 2), date_to=date(2026, 11, 2)))
    ] == [shop.layby_invoice]
    assert [r[0] for r in _lines(db, ReportFilter(date_from=date(2026, 11, 3)))] == [shop.refund]
    assert len(_lines(db, ReportFilter(date_to=date(2026, 11, 1)))) == 2
    one_day = sales_report(db, ReportFilter(store="S1", date_to=date(2026, 11, 1)))
    assert (one_day.quantity, one_day.total) == (3, Decimal("119.00"))


def test_sales_limit_keeps_the_totals_of_every_row(db: Database, shop: Shop) -> None:
    capped = sales_report(db, ReportFilter(), limit=2)
    assert len(capped.rows) == 2 and capped.truncated
    assert (capped.quantity, capped.total) == (3, Decimal("119.00"))
    assert not sales_report(db, ReportFilter(), limit=4).truncated


def test_sales_detail_streams_the_same_rows(db: Database, shop: Shop) -> None:
    f = ReportFilter(store="S1")
    rows = list(sales_detail_rows(db, f))
    assert count_sales_detail(db, f) == len(rows) == 3
    assert all(len(r) == len(SALES_DETAIL_COLUMNS) for r in rows)
    detail = dict(zip(SALES_DETAIL_COLUMNS, rows[0], strict=True))
    assert detail == {
        "Invoice": shop.cash_invoice,
        "Date": NOV1,
        "Store": "S1",
        "Order": shop.cash_sale,
        "SKU": "PH1",
        "Product": "Phone",
        "Quantity": 1,
        "Price": Decimal("100.00"),
        "Discount": Decimal("0.00"),
        "Discount Reason": None,
        "Total": Decimal("100.00"),
        "Sale Type": "Sale",
        "Serial Number": "A",
        "Delivery Mode": "Cash and Carry",
        "Customer": None,
        "Kind": "Invoice",
    }
    # Issue 14 pins the columns from Total on (Delivery Mode beside Serial Number).
    assert SALES_DETAIL_COLUMNS[SALES_DETAIL_COLUMNS.index("Total") :] == (
        "Total",
        "Sale Type",
        "Serial Number",
        "Delivery Mode",
        "Customer",
        "Kind",
    )
    assert rows[2][SALES_DETAIL_COLUMNS.index("Quantity")] == -1


def test_discounts_show_with_reason_and_approver(db: Database, admin: Actor) -> None:
    """Issue 14 item 3: the money off each line, the reason (the line's and the order's) and
    the manager who approved it past the limit; 0.00 and no reason on a line without; a refund
    note takes its discount back negative."""
    products.create_product(
        db, admin, sku="PH1", name="Phone", price=Decimal("100.00"), serial_mode="required"
    )
    products.create_product(db, admin, sku="CB1", name="Cable", price=Decimal("9.50"))
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["X1"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CB1", quantity=5)
    users.add_user(db, admin, "mo", "manager", "4321")
    order, (phone, _) = create_order(
        db, admin, "S1", lines=[NewLine("PH1", "X1"), NewLine("CB1", quantity=2)]
    )
    amount_off = Discount(DiscountKind.AMOUNT, Decimal("5.00"))
    change_line(db, admin, order.order, phone, LineChange("price match", discount=amount_off))
    # 20% of what is left (95.00 and 19.00): past the 10% limit, so a manager approves.
    twenty = Discount(DiscountKind.PERCENT, Decimal("20"))
    discount_order(
        db, admin, order.order, twenty, "staff sale", manager_user="mo", manager_pin="4321"
    )
    fulfil(db, admin, order.order, settle_in="card")
    plain, _ = create_order(db, admin, "S1", lines=[NewLine("CB1")])
    fulfil(db, admin, plain.order, settle_in="cash")
    returns.return_units(db, admin, order.order, lines=[phone])

    report = sales_report(db, ReportFilter())
    assert [
        (r.sku, r.kind, r.discount, r.discount_reason, r.discount_approved_by, r.total)
        for r in report.rows
    ] == [
        ("PH1", "Invoice", Decimal("24.00"), "price match; staff sale", "mo", Decimal("76.00")),
        ("CB1", "Invoice", Decimal("3.80"), "staff sale", "mo", Decimal("15.20")),
        ("CB1", "Invoice", Decimal("0.00"), None, None, Decimal("9.50")),
        ("PH1", "Refund", Decimal("-24.00"), "price match; staff sale", "mo", Decimal("-76.00")),
    ]
    detail = [
        dict(zip(SALES_DETAIL_COLUMNS, r, strict=True))
        for r in sales_detail_rows(db, ReportFilter())
    ]
    assert [(d["Discount"], d["Discount Reason"]) for d in detail] == [
        (r.discount, r.discount_reason) for r in report.rows
    ]


def test_sales_detail_checks_the_filter_before_streaming(db: Database, shop: Shop) -> None:
    with pytest.raises(UnknownStore, match="no store 'S9'"):
        sales_detail_rows(db, ReportFilter(store="S9"))  # not even iterated
    stream = sales_detail_rows(db, ReportFilter())
    assert next(stream)[0] == shop.cash_invoice
    stream.close()  # an abandoned stream releases its connection
    assert count_sales_detail(db, ReportFilter(serial="A")) == 2


def test_fulfilment_lists_lines_still_to_hand_over(db: Database, shop: Shop) -> None:
    rows = fulfilment_rows(db, ReportFilter())
    assert [(r.order, r.number, r.sku, r.serial, r.pending_serial) for r in rows] == [
        (shop.special, 1, "PH1", None, True),
        (shop.special, 2, "LT1", "L1", False),
        (shop.parked, 1, "CB1", None, False),
    ]
    first = rows[0]
    assert first.line == shop.special_lines[0]
    assert (first.store, first.created, first.sale_type, first.delivery, first.customer) == (
        "S1",
        NOV2,
        "Special Order",
        "Delivery",
        "Ann Lee",
    )
    assert [r.serial_mode for r in rows] == ["required", "optional", "disabled"]
    table = list(fulfilment_table_rows(rows))
    assert len(table[0]) == len(FULFILMENT_COLUMNS)
    assert dict(zip(FULFILMENT_COLUMNS, table[0], strict=True))["Pending Serial"] == "yes"


def test_fulfilment_filters(db: Database, admin: Actor, shop: Shop) -> None:
    pending = fulfilment_rows(db, ReportFilter(pending_serial=True))
    assert [(r.order, r.sku) for r in pending] == [(shop.special, "PH1")]
    assert [r.order for r in fulfilment_rows(db, ReportFilter(delivery="delivery"))] == [
        shop.special
    ] * 2
    assert fulfilment_rows(db, ReportFilter(delivery="pickup_later")) == []
    assert [r.sku for r in fulfilment_rows(db, ReportFilter(sku="CB1"))] == ["CB1"]
    assert [r.sku for r in fulfilment_rows(db, ReportFilter(serial="L1"))] == ["LT1"]
    assert [r.order for r in fulfilment_rows(db, ReportFilter(date_from=date(2026, 11, 3)))] == [
        shop.parked
    ]
    assert fulfilment_rows(db, ReportFilter(store="S2")) == []
    assert len(fulfilment_rows(db, ReportFilter(), limit=1)) == 1

    # The serial entered in place: the line is no longer pending; fulfilled, it leaves.
    set_serial(db, admin, shop.special, shop.special_lines[0], "C")
    assert fulfilment_rows(db, ReportFilter(pending_serial=True)) == []
    fulfil(db, admin, shop.special, settle_in="card")
    assert [r.order for r in fulfilment_rows(db, ReportFilter())] == [shop.parked]
    assert [r.serial for r in sales_report(db, ReportFilter(serial="C")).rows] == ["C"]


@pytest.mark.parametrize(
    ("f", "error", "message"),
    [
        (
            ReportFilter(date_from=date(2026, 11, 5), date_to=date(2026, 11, 1)),
            BadRequest,
            "the date range is the wrong way round: 2026-11-05 is after 2026-11-01",
        ),
        (ReportFilter(store="S9"), UnknownStore, "there is no store 'S9'"),
        (ReportFilter(sku="NOPE"), UnknownProduct, "there is no product with SKU 'NOPE'"),
        (ReportFilter(delivery="drone"), BadValue, "delivery mode 'drone' is not one of"),
    ],
)
def test_filters_that_cannot_be_meant_are_refused(
    db: Database, shop: Shop, f: ReportFilter, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        check_filter(db, f)
    with pytest.raises(error, match=message):
        sales_report(db, f)
    with pytest.raises(error, match=message):
        fulfilment_rows(db, f)
    check_filter(db, ReportFilter(date_from=date(2026, 11, 1), date_to=date(2026, 11, 1)))


def test_the_widest_dates_are_all_dates(db: Database, shop: Shop) -> None:
    everything = sales_report(db, ReportFilter())
    widest = sales_report(db, ReportFilter(date_from=date.min, date_to=date.max))
    assert widest == everything and len(widest.rows) == 4


def test_report_indexes_migrate_both_ways(db: Database) -> None:
    """Migration 0010 adds the report indexes and its downgrade removes them (to 0009). At
    the head SQLite has no ``ix_invoice_issued_at`` (0036: a date range over every store goes
    by store and date) nor ``ix_sale_order_created_at`` (0041: only delivery orders are found
    by their date)."""
    from alembic import command
    from sqlalchemy import inspect

    from serialpos.db import migrate

    def names() -> set[str]:
        inspector = inspect(db.engine)
        return {
            ix["name"]
            for table in ("invoice", "invoice_line", "sale_order")
            for ix in inspector.get_indexes(table)
            if ix["name"]
        }

    wanted = {
        "ix_invoice_issued_at",
        "ix_invoice_store_issued_at",
        "ix_invoice_line_serial",
        "ix_invoice_line_sku",
        "ix_sale_order_created_at",
    }
    # SQLite: dates by store (0036), and an order's date only for deliveries (0041).
    by_date_only = {"ix_invoice_issued_at", "ix_sale_order_created_at"}
    at_head = wanted - (by_date_only if db.dialect == "sqlite" else set())
    assert at_head <= names()
    assert (by_date_only & names()) == (set() if db.dialect == "sqlite" else by_date_only)
    cfg = migrate._config()
    with db.engine.connect() as conn:
        conn.execution_options(serialpos_write=True)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")
        conn.commit()
    assert migrate.current_revision(db) == "0009" and not wanted & names()
    migrate.upgrade(db, "0010")
    assert wanted <= names()
    migrate.upgrade(db)
    assert at_head <= names()
    assert (by_date_only & names()) == (set() if db.dialect == "sqlite" else by_date_only)
