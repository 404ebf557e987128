"""Customer records (services/customers.py) on SQLite and PostgreSQL: add, find by any field in
any case, edit, attach to an order at the counter or through ``apply``; the record's name is
what the serial card, the sales report, the sales-detail rows and the invoice show; a record
lists what it bought, serials included; bad input is refused and changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from test_orders import IMEI, setup_catalogue

from serialpos.db.customer_tables import customer_t
from serialpos.db.engine import Database
from serialpos.domain.customers import CustomerFields
from serialpos.domain.errors import DomainError
from serialpos.services import customers, invoices, lookup, reports
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.order_customer import attach_customer
from serialpos.services.orders import add_item, fulfil, open_order
from serialpos.services.orders.lines import NewOrder
from serialpos.services.report_filter import ReportFilter

ANN = CustomerFields("Ann Müller", "+44 7700 900123", "ann@example.com", "1 Quay Street, Leeds")


def count(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(customer_t)).scalar_one())


def test_add_find_by_any_field_in_any_case_and_edit(db: Database, admin: Actor) -> None:
    ann = customers.add_customer(db, admin, ANN)
    customers.add_customer(db, admin, CustomerFields("Bob Stone", "020 7946 0456"))
    for query in ("ann", "MÜLLER", "müller", "7700 900", "07700900123"[1:], "EXAMPLE.com", "quay"):
        found = customers.find_customers(db, admin, query)
        assert [c.id for c in found.customers] == [ann.id], query
    assert [c.name for c in customers.find_customers(db, admin, "st").customers] == [
        "Ann Müller",  # "Street"
        "Bob Stone",
    ]
    assert customers.find_customers(db, admin, "50%").customers == ()  # % is a character
    edited = customers.edit_customer(db, admin, ann.id, {"phone": "", "email": "a@b.org"})
    assert (edited.phone, edited.email, edited.name) == (None, "a@b.org", "Ann Müller")
    assert customers.find_customers(db, admin, "7700").customers == ()
    assert [c.id for c in customers.find_customers(db, admin, "A@B.ORG").customers] == [ann.id]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (CustomerFields(""), "needs a name"),
        (CustomerFields("Eve\x1b[31m"), "control character"),
        (CustomerFields("Eve", phone="1\t2"), "customer phone"),
        (CustomerFields("Eve", address="x" * 201), "longer than 200"),
    ],
)
def test_bad_input_is_refused_and_adds_nothing(
    db: Database, admin: Actor, fields: CustomerFields, words: str
) -> None:
    with pytest.raises(DomainError, match=words) as refused:
        customers.add_customer(db, admin, fields)
    assert refused.value.code == "bad_value"
    assert count(db) == 0


def test_edit_refused_keeps_the_record(db: Database, admin: Actor) -> None:
    ann = customers.add_customer(db, admin, ANN)
    with pytest.raises(DomainError, match="control character"):
        customers.edit_customer(db, admin, ann.id, {"name": "Ann\x07"})
    with pytest.raises(DomainError, match="needs a name"):
        customers.edit_customer(db, admin, ann.id, {"name": ""})
    with pytest.raises(DomainError) as unknown:
        customers.show_customer(db, admin, 999)
    assert unknown.value.code == "unknown_customer"
    assert customers.show_customer(db, admin, ann.id).customer == ann


def test_markup_is_kept_as_text(db: Database, admin: Actor) -> None:
    odd = customers.add_customer(db, admin, CustomerFields("[bold]Eve[/bold] [link=x]"))
    assert customers.show_customer(db, admin, odd.id).customer.name == "[bold]Eve[/bold] [link=x]"
    assert [c.id for c in customers.find_customers(db, admin, "[bold]").customers] == [odd.id]


def test_who_bought_the_serial_is_the_record(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    ann = customers.add_customer(db, admin, ANN)
    view = attach_customer(db, admin, None, ann.id, start=NewOrder("S1"))
    assert view.customer is not None and view.customer.name == "Ann Müller"
    order = view.order
    add_item(db, admin, order, sku="PH1", serial=IMEI[0])
    add_item(db, admin, order, sku="CB1")
    done = fulfil(db, admin, order, payments=[("cash", Decimal("700"))])
    # A later edit of the record shows everywhere that answers "who bought serial X".
    customers.edit_customer(db, admin, ann.id, {"name": "Ann Lee", "address": "2 Dock Road"})
    (card,) = lookup.lookup_serial(db, IMEI[0])
    assert card.customer == "Ann Lee"
    rows = reports.sales_report(db, ReportFilter(serial=IMEI[0])).rows
    assert [r.customer for r in rows] == ["Ann Lee"]
    detail = list(reports.sales_detail_rows(db, ReportFilter()))
    customer_at = reports.SALES_DETAIL_COLUMNS.index("Customer")
    assert {row[customer_at] for row in detail} == {"Ann Lee"}
    document = invoices.invoice_document(db, done.invoice)
    assert (document.customer_name, document.customer_address) == ("Ann Lee", "2 Dock Road")
    card2 = customers.show_customer(db, admin, ann.id)
    assert [(b.sku, b.serial, b.status, b.invoice) for b in card2.bought] == [
        ("PH1", IMEI[0], "fulfilled", done.invoice),
        ("CB1", None, "fulfilled", done.invoice),
    ]
    # A name typed on the order (no record) still shows, and clears the record.
    other = open_order(db, admin, "S1").order
    assert customers.show_customer(db, admin, ann.id).bought[0].order == order
    with pytest.raises(DomainError) as unknown:
        attach_customer(db, admin, other, 12345)
    assert unknown.value.code == "unknown_customer"


def run(db: Database, actor: Actor, **data: Any) -> dict[str, Any]:
    return apply_object(db, actor, data)


def test_order_create_takes_a_record_or_details(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    ann = customers.add_customer(db, admin, ANN)
    by_id = run(db, admin, op="order_create", store="S1", customer=ann.id, lines=[{"sku": "CB1"}])
    by_obj = run(db, admin, op="order_create", store="S1", customer={"id": ann.id})
    assert by_id["ok"] and by_obj["ok"], (by_id, by_obj)
    details = {"name": "Cy Ode", "phone": "555", "email": "cy@x.io", "address": "3 Lane"}
    first = run(db, admin, op="order_create", store="S1", customer=details)
    again = run(db, admin, op="order_create", store="S1", customer=details)
    assert first["ok"] and again["ok"]
    (cy,) = customers.find_customers(db, admin, "cy ode").customers  # one record, not two
    assert (cy.email, cy.address) == ("cy@x.io", "3 Lane")
    assert {b.order for b in customers.show_customer(db, admin, ann.id).bought} == {by_id["order"]}
    old = run(db, admin, op="order_create", store="S1", customer={"phone": "1"})
    assert old["ok"]  # the old keys without a name: the order's own copy, no record
    assert count(db) == 2
    for bad, code in (
        (999, "unknown_customer"),
        ({"id": "x"}, "bad_request"),
        ({"name": "Eve\x1b]0;x\x07"}, "bad_request"),  # apply refuses it first
        ("Ann", "bad_request"),
    ):
        refused = run(db, admin, op="order_create", store="S1", customer=bad)
        assert (refused["ok"], refused["error"]) == (False, code), refused
    assert count(db) == 2
