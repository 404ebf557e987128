"""An order's line views are kept by everything their row holds (services/orders/reading.py
``line_view``): a long sale's view is built again after every scan, and the lines the scan did
not touch are found instead of worked out again. A kept view must be exactly the one its row
would give: any value that reads differently gives a view of its own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from serialpos.services.orders import reading
from serialpos.services.orders.reading import as_row, line_view


def row(**changed: Any) -> Any:
    values: dict[str, Any] = {
        "id": 7,
        "number": 3,
        "sku": "PH-AUR15",
        "name": "Aurora 15",
        "quantity": 1,
        "unit_price": Decimal("199.00"),
        "tax_rate": Decimal("20.000"),
        "tax_included": True,
        "serial_mode": "required",
        "package_type": None,
        "serial": "356938030000013",
        "status": "open",
        "package_line": None,
        "invoice_id": None,
    }
    values.update(changed)
    return as_row(values)


def fresh(line: Any, invoices: dict[int, str] | None = None) -> Any:
    """The view built from scratch (nothing kept)."""
    reading._LINE_VIEWS.clear()
    return line_view(line, invoices or {})


def test_an_unchanged_row_gives_the_view_kept_for_it() -> None:
    first = fresh(row())
    assert line_view(row(), {}) is first  # found, not built again
    assert first.total == Decimal("199.00") and first.serial == "356938030000013"


def test_any_change_a_view_shows_gives_the_view_of_the_new_row() -> None:
    for changed in (
        {"serial": None},
        {"serial": "356938030000021"},
        {"quantity": 2, "serial_mode": "optional", "serial": None},
        {"unit_price": Decimal("189.00")},
        {"status": "fulfilled", "invoice_id": 4},
        {"discount": Decimal("10.00"), "discount_reason": "scratch"},
    ):
        invoices = {4: "INV-4"}
        expected = fresh(row(**changed), invoices)
        line_view(row(), invoices)  # the unchanged row is kept beside it
        assert line_view(row(**changed), invoices) == expected, changed
    # The same row on an order whose invoice number differs reads differently.
    assert line_view(row(invoice_id=4), {4: "INV-5"}).invoice == "INV-5"


def test_decimals_that_are_equal_but_read_differently_are_kept_apart() -> None:
    zero = fresh(row(unit_price=Decimal("0.00")))
    negative_zero = line_view(row(unit_price=Decimal("-0.00")), {})
    assert str(zero.unit_price) == "0.00"
    assert negative_zero == fresh(row(unit_price=Decimal("-0.00")))
    assert str(negative_zero.unit_price) == "-0.00"


def test_the_memory_is_bounded() -> None:
    reading._LINE_VIEWS.clear()
    for number in range(reading.LINE_VIEW_MEMO + 10):
        line_view(row(id=number), {})
    assert len(reading._LINE_VIEWS) <= reading.LINE_VIEW_MEMO


def test_a_view_of_a_few_lines_keeps_none_of_them() -> None:
    """An order of fewer than KEEP_FROM lines builds its views (as a kept one would read)
    without looking for them or keeping them; a longer order's are kept."""
    reading._LINE_VIEWS.clear()
    few = reading._view(None, _order(), lines=[row()], payments=(), invoices={})  # type: ignore[arg-type]
    assert reading._LINE_VIEWS == {}
    assert few.lines == (fresh(row()),)
    reading._LINE_VIEWS.clear()
    many = [row(id=n, number=n) for n in range(1, reading.KEEP_FROM + 1)]
    reading._view(None, _order(), lines=many, payments=(), invoices={})  # type: ignore[arg-type]
    assert len(reading._LINE_VIEWS) == reading.KEEP_FROM


def _order() -> Any:
    """An order row as a step holds it (no customer, no discount)."""
    from datetime import datetime

    return as_row(
        {
            "id": 1,
            "number": "S1-000001",
            "store_code": "S1",
            "type": "sale",
            "delivery": "cash_and_carry",
            "status": "open",
            "customer_name": None,
            "customer_phone": None,
            "customer_address": None,
            "created_by": "cam",
            "created_at": datetime(2026, 1, 1),
            "discount": None,
            "discount_percent": None,
            "discount_reason": None,
            "discount_approved_by": None,
            "exchange_of": None,
        }
    )
