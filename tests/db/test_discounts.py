"""Discounts and price overrides on SQLite and PostgreSQL: per line and per order, amount or
percent, taken off before tax; past the store's limit a manager's name and PIN, recorded; bad
input (over 100%, a negative price, a wrong PIN) refused with nothing changed; through
``apply`` too."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from test_orders import IMEI, setup_catalogue

from serialpos.db.engine import Database
from serialpos.domain.discounts import Discount, DiscountKind
from serialpos.domain.errors import DomainError
from serialpos.services import invoices, returns, settings, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.discounts import (
    LineChange,
    change_line,
    clear_discounts,
    discount_order,
)
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order, list_orders


def pct(value: str) -> Discount:
    return Discount(DiscountKind.PERCENT, D(value))


def off(value: str) -> Discount:
    return Discount(DiscountKind.AMOUNT, D(value))


@pytest.fixture
def cam(db: Database, admin: Actor) -> Actor:
    setup_catalogue(db, admin)
    users.add_user(db, admin, "mo", "manager", "4321")
    users.add_user(db, admin, "cam", "cashier", "1111")
    return users.actor_for(db, "cam", "till-1")


def _phone_sale(db: Database, cam: Actor) -> tuple[str, int]:
    order = open_order(db, cam, "S1").order
    line = add_item(db, cam, order, sku="PH1", serial=IMEI[0]).line
    return order, line


def _refused(code: str, call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    assert refused.value.code == code, refused.value
    return str(refused.value)


def test_line_percent_within_the_limit_comes_off_before_tax(db: Database, cam: Actor) -> None:
    order, line = _phone_sale(db, cam)
    view = change_line(db, cam, order, line, LineChange("loyal customer", discount=pct("10")))
    ln = view.line_by_id(line)
    # 499.99 less 10% (49.999 -> 50.00) = 449.99; tax 20% of it 89.998 -> 90.00.
    assert (ln.discount, ln.net, ln.tax, ln.total) == (
        D("50.00"),
        D("449.99"),
        D("90.00"),
        D("539.99"),
    )
    assert (ln.discount_label, ln.discount_reason, ln.discount_approved_by) == (
        "-10%",
        "loyal customer",
        None,
    )
    assert view.totals.total == D("539.99")


def test_past_the_limit_needs_a_manager_and_bad_input_changes_nothing(
    db: Database, cam: Actor
) -> None:
    order, line = _phone_sale(db, cam)
    before = get_order(db, order)
    message = _refused(
        "approval_required",
        change_line,
        db,
        cam,
        order,
        line,
        LineChange("dent", discount=pct("25")),
    )
    assert "limit of 10%" in message and "manager" in message
    _refused(
        "bad_pin",
        change_line,
        db,
        cam,
        order,
        line,
        LineChange("dent", discount=pct("25")),
        manager_user="mo",
        manager_pin="0000",
    )
    _refused(
        "permission_denied",
        change_line,
        db,
        cam,
        order,
        line,
        LineChange("dent", discount=pct("25")),
        manager_user="cam",
        manager_pin="1111",
    )
    over = _refused("bad_value", pct, "120")
    assert "more than 100%" in over
    negative = _refused(
        "bad_value", change_line, db, cam, order, line, LineChange("typo", price=D("-1.00"))
    )
    assert "negative" in negative
    _refused(
        "reason_required", change_line, db, cam, order, line, LineChange(" ", discount=pct("5"))
    )
    _refused(
        "discount_too_large",
        change_line,
        db,
        cam,
        order,
        line,
        LineChange("x", discount=off("500.00")),
    )
    assert get_order(db, order) == before

    view = change_line(
        db,
        cam,
        order,
        line,
        LineChange("dent on the case", discount=pct("25")),
        manager_user="mo",
        manager_pin="4321",
    )
    ln = view.line_by_id(line)
    assert (ln.discount_approved_by, ln.discount, ln.net) == ("mo", D("125.00"), D("374.99"))


def test_price_override_and_the_store_limit_setting(db: Database, admin: Actor, cam: Actor) -> None:
    order, line = _phone_sale(db, cam)
    _refused(
        "approval_required", change_line, db, cam, order, line, LineChange("match", price=D("400"))
    )
    settings.set_setting(db, admin, "discount_limit_percent", "25", store_code="S1")
    view = change_line(db, cam, order, line, LineChange("price match", price=D("400.00")))
    ln = view.line_by_id(line)
    assert (ln.unit_price, ln.list_price, ln.net, ln.tax) == (
        D("400.00"),
        D("499.99"),
        D("400.00"),
        D("80.00"),
    )
    assert ln.discount_label == "was 499.99"
    raised = change_line(db, cam, order, line, LineChange("engraving", price=D("550.00")))
    assert raised.line_by_id(line).total == D("660.00")  # a raised price needs no approval
    back = clear_discounts(db, cam, order, line)
    assert (back.line_by_id(line).unit_price, back.line_by_id(line).list_price) == (
        D("499.99"),
        None,
    )
    _refused("bad_value", settings.set_setting, db, admin, "discount_limit_percent", "101")


def test_order_discount_in_money_is_spread_to_the_cent(
    db: Database, admin: Actor, cam: Actor, tmp_path: Path
) -> None:
    order, phone = _phone_sale(db, cam)
    cable = add_item(db, cam, order, sku="CB1").line
    add_item(db, cam, order, sku="CB1")  # merges: 2 x 9.50
    view = discount_order(db, cam, order, off("20.00"), "bundle")
    by = {ln.line: ln for ln in view.lines}
    # 20.00 over 499.99 and 19.00: 19.2678 and 0.7321; the spare cent to the larger remainder.
    assert (by[phone].discount, by[cable].discount) == (D("19.27"), D("0.73"))
    assert (by[phone].net, by[phone].tax, by[cable].net) == (D("480.72"), D("96.14"), D("18.27"))
    assert view.totals.total == D("595.13")
    assert (view.discount_label, view.discount_reason) == ("-20.00", "bundle")
    assert by[phone].discount_label == "order -19.27"

    done = fulfil(db, cam, order, payments=[("cash", D("600.00"))])
    assert done.change_due == D("4.87")
    doc = invoices.invoice_document(db, done.invoice)
    assert doc.total == D("595.13")
    assert doc.lines[0].note == "Discount order -19.27 = -19.27: bundle"
    pdf = invoices.write_invoice_pdf(db, done.invoice, tmp_path / "d.pdf")
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "order -19.27" in text and "bundle" in text and "595.13" in text
    back = returns.return_units(db, cam, order, lines=[phone])
    assert back.amount == D("576.86")  # the customer gets back what the line cost them


def test_order_percent_after_a_line_discount(db: Database, admin: Actor, cam: Actor) -> None:
    order, phone = _phone_sale(db, cam)
    change_line(db, cam, order, phone, LineChange("scratch", discount=off("9.99")))
    view = discount_order(db, cam, order, pct("5"), "staff")
    ln = view.line_by_id(phone)
    # 499.99 - 9.99 = 490.00; 5% of it 24.50; 465.50 net, tax 93.10.
    assert (ln.discount, ln.net, ln.tax) == (D("34.49"), D("465.50"), D("93.10"))
    assert ln.discount_label == "-9.99, order -5%"
    _refused("approval_required", discount_order, db, cam, order, pct("50"), "friend")
    assert get_order(db, order).line_by_id(phone).discount == D("34.49")
    cleared = clear_discounts(db, cam, order)
    assert (cleared.line_by_id(phone).discount, cleared.discount_label) == (D("9.99"), "")


def run(db: Database, actor: Actor, **data: Any) -> dict[str, Any]:
    return apply_object(db, actor, data)


def test_apply_order_create_with_discounts(db: Database, admin: Actor, cam: Actor) -> None:
    for bad, code in (
        ({"discount_percent": 150, "reason": "x"}, "bad_value"),
        ({"price": "-5", "reason": "x"}, "bad_value"),
        ({"discount_percent": "30", "reason": "x", "manager": "mo", "pin": "9"}, "bad_pin"),
        ({"discount_percent": "30", "reason": "x"}, "approval_required"),
        ({"discount": "5"}, "reason_required"),
    ):
        refused = run(
            db, cam, op="order_create", store="S1", lines=[{"sku": "CB1", "quantity": 2, **bad}]
        )
        assert (refused["ok"], refused["error"]) == (False, code), refused
    assert list_orders(db, "S1") == []  # nothing made

    made = run(
        db,
        cam,
        op="order_create",
        store="S1",
        lines=[
            {
                "sku": "PH1",
                "serial": IMEI[0],
                "discount_percent": "30",
                "reason": "demo unit",
                "manager": "mo",
                "pin": "4321",
            },
            {"sku": "CB1", "quantity": 2, "price": "9.00", "reason": "price match"},
        ],
        discount="1.00",
        reason="rounding",
    )
    assert made["ok"], made
    assert [(ln["unit_price"], ln["discount"]) for ln in made["lines"]] == [
        ("499.99", "150.95"),
        ("9.00", "0.05"),
    ]
    view = get_order(db, made["order"])
    assert view.lines[0].discount_approved_by == "mo" and view.lines[1].list_price == D("9.50")
    assert made["total"] == str(view.totals.total)
