"""What ``refund`` records of a conflict's sale, and what it refuses (issue 16, D5)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from serialpos.domain.errors import BadRequest
from serialpos.services.conflict_refund import WHOLE, kept_by_till, refund_plan


def _conflict(line: dict[str, Any], error: str = "already_sold") -> dict[str, Any]:
    return {"id": 3, "serial": "T01", "error": error, "entry": {"id": "e", "line": line}}


SALE = {
    "op": "order_create",
    "id": "S01-A:12",
    "store": "S01",
    "lines": [{"sku": "TV", "serial": "T01", "catalogue_price": "1080.00"}],
    "fulfil": True,
    "payments": [{"method": "cash", "amount": "1100.00"}],
    "numbers": {"order": "S01-A-000012", "invoice": "INV-S01-A-000012"},
    "journal": {"terminal": "A", "seq": 12, "user": "mia"},
}


def test_the_sale_is_recorded_open_without_its_unit_invoice_or_tenders() -> None:
    order, tenders = refund_plan(_conflict(SALE))
    assert order == {
        "op": "order_create",
        "store": "S01",
        "lines": [{"sku": "TV", "catalogue_price": "1080.00"}],
        "numbers": {"order": "S01-A-000012"},
        "journal": {"terminal": "A", "seq": 12, "user": "mia"},
    }
    assert tenders == [("cash", Decimal("1100.00"))]


def test_a_sale_that_handed_over_other_lines_is_left_to_record_sale() -> None:
    two = {**SALE, "lines": [*SALE["lines"], {"sku": "TV", "serial": "T02"}]}
    with pytest.raises(BadRequest, match=r"handed over other lines \(2\).*record_sale"):
        refund_plan(_conflict(two))


@pytest.mark.parametrize(
    ("line", "error", "says"),
    [
        ({"op": "order_return", "order": "S01-A-000012"}, "unknown_order", "record_sale or"),
        ({"op": "receive", "serial": "T01"}, "duplicate_serial", "accept, return or write_off"),
    ],
)
def test_no_sale_of_the_till_is_refused_naming_what_works(
    line: dict[str, Any], error: str, says: str
) -> None:
    with pytest.raises(BadRequest, match=says):
        refund_plan(_conflict(line, error))


def test_the_change_the_till_gave_is_not_refunded() -> None:
    total = Decimal("1080.00")
    assert kept_by_till([("cash", Decimal("1100.00"))], total) == [("cash", total)]
    card_and_cash = [("card", Decimal("1000.00")), ("cash", Decimal("100.00"))]
    assert kept_by_till(card_and_cash, total) == [
        ("card", Decimal("1000.00")),
        ("cash", Decimal("80.00")),
    ]
    assert kept_by_till([("card", total)], total) == [("card", total)]


def test_a_sale_fulfilled_without_payments_was_settled_whole_in_cash() -> None:
    unpaid = {k: v for k, v in SALE.items() if k != "payments"}
    _order, tenders = refund_plan(_conflict(unpaid))
    assert tenders == [("cash", WHOLE)]
