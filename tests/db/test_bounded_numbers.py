"""Numbers from outside are bounded in the domain, the same on SQLite and PostgreSQL: each bad
amount, price or quantity is refused with a code naming the field, the run goes on to the
next line, and nothing recorded changes."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from test_orders import IMEI, setup_catalogue

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.asn_rows import AsnFileRefused
from serialpos.domain.limits import MAX_MONEY, MAX_STOCK_LEVEL
from serialpos.domain.product_columns import ImportRefused
from serialpos.services import products, stock
from serialpos.services.apply.dispatch import apply_object, apply_stream
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.context import Actor
from serialpos.services.product_import import import_products_text

TABLES = (
    "ledger_event",
    "serial_unit",
    "stock_level",
    "product",
    "sale_order",
    "order_line",
    "order_payment",
    "invoice",
    "asn",
    "asn_line",
)


def recorded(db: Database) -> dict[str, Any]:
    """Every row count and the stock levels: what 'nothing changed' is checked against."""
    with db.engine.connect() as conn:
        counts = {
            t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES
        }
        levels = sorted(
            conn.execute(sa.text("SELECT product_id, store_id, quantity FROM stock_level")).all()
        )
        prices = sorted(conn.execute(sa.text("SELECT sku, price FROM product")).all())
    return {"counts": counts, "levels": levels, "prices": prices}


@pytest.mark.parametrize(
    "amount",
    ["1e30", "1e999999", 1e308, "1" * 28, "99999999999.99", "-1e999999", "1e-999999", "9" * 5000],
)
def test_a_payment_out_of_bounds_is_bad_value_and_changes_nothing(
    db: Database, admin: Actor, amount: object
) -> None:
    setup_catalogue(db, admin)
    made = apply_object(
        db, admin, {"op": "order_create", "store": "S1", "lines": [{"sku": "CB1", "quantity": 1}]}
    )
    assert made["ok"], made
    before = recorded(db)
    verdict = apply_object(
        db,
        admin,
        {
            "op": "order_fulfil",
            "order": made["order"],
            "payments": [{"method": "cash", "amount": amount}],
        },
    )
    assert verdict["ok"] is False
    assert verdict["error"] == "bad_value", verdict
    assert "payments[1].amount" in verdict["message"]
    assert recorded(db) == before


def test_a_payment_at_the_limit_is_taken_on_both_databases(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    made = apply_object(
        db, admin, {"op": "order_create", "store": "S1", "lines": [{"sku": "CB1", "quantity": 1}]}
    )
    done = apply_object(
        db,
        admin,
        {
            "op": "order_fulfil",
            "order": made["order"],
            "payments": [{"method": "cash", "amount": str(MAX_MONEY)}],
        },
    )
    assert done["ok"], done
    assert Decimal(done["change_due"]) == MAX_MONEY - Decimal("9.50")


def test_an_apply_run_goes_on_after_each_bad_number(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    setup_catalogue(db, admin)
    lines = [
        '{"op": "receive", "store": "S1", "sku": "CB1", "quantity": ' + "9" * 5000 + "}",
        '{"op": "receive", "store": "S1", "sku": "CB1", "quantity": 1e999}',
        '{"op": "sell", "op": "receive", "store": "S1", "sku": "CB1", "quantity": 1}',
        '{"op": "receive", "store": "S1", "sku": "CB1", "serial": "\\udc00"}',
        '{"op": "receive", "store": "S1", "sku": "CB1", "quantity": 2}',
    ]
    before = stock.stock_levels(db, "S1", "CB1")[0].quantity
    stream = io.BytesIO("\n".join(lines).encode())
    verdicts = list(apply_stream(db, admin, stream, outbox=tmp_path))
    assert [(v["ok"], v.get("error")) for v in verdicts] == [
        (False, "bad_request"),
        (False, "bad_request"),
        (False, "bad_request"),
        (False, "bad_request"),
        (True, None),
    ]
    assert "too many digits" in verdicts[0]["message"]
    assert "too large" in verdicts[1]["message"]
    assert "the key 'op' is given twice" in verdicts[2]["message"]
    assert "lone surrogate" in verdicts[3]["message"]
    assert stock.stock_levels(db, "S1", "CB1")[0].quantity == before + 2


def test_a_stock_level_past_the_limit_is_refused_alike(db: Database, admin: Actor) -> None:
    """2,148 receipts of a million units overflowed a PostgreSQL integer: now both databases
    stop at the documented limit with bad_value."""
    setup_catalogue(db, admin)
    with db.engine.begin() as conn:
        conn.execute(sa.update(repo.stock_t).values(quantity=MAX_STOCK_LEVEL - 10))
    before = recorded(db)
    verdict = apply_object(
        db, admin, {"op": "receive", "store": "S1", "sku": "CB1", "quantity": 1_000_000}
    )
    assert (verdict["ok"], verdict["error"]) == (False, "bad_value")
    assert "past the limit of 1,000,000,000" in verdict["message"]
    assert recorded(db) == before
    ok = apply_object(db, admin, {"op": "receive", "store": "S1", "sku": "CB1", "quantity": 10})
    assert ok["ok"], ok


def test_a_line_total_past_the_limit_is_bad_value(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    products.create_product(db, admin, sku="GOLD", name="Gold bar", price=MAX_MONEY)
    verdict = apply_object(
        db, admin, {"op": "order_create", "store": "S1", "lines": [{"sku": "GOLD", "quantity": 2}]}
    )
    assert (verdict["ok"], verdict["error"]) == (False, "bad_value"), verdict
    assert "line total" in verdict["message"]


HEADER = "SKU,Name,Price,Serial Number Option\n"


@pytest.mark.parametrize("price", ["1e309", "1e30", "99999999999.99", "9" * 5000, "1e-999999999"])
def test_a_product_price_out_of_bounds_refuses_the_import(
    db: Database, admin: Actor, price: str
) -> None:
    setup_catalogue(db, admin)
    before = recorded(db)
    with pytest.raises(ImportRefused) as info:
        import_products_text(db, admin, HEADER + f"NEW1,New,{price},Disabled\n")
    assert info.value.code == "bad_file"
    assert [p.column for p in info.value.problems] == ["Price"]
    assert recorded(db) == before


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (
            '{"asn": "A1", "vendor": "V", "lines": [{"sku": "CB1", "quantity": '
            + "9" * 5000
            + "}]}",
            "too many digits",
        ),
        (
            '{"asn": "A1", "vendor": "V", "lines": [{"sku": "CB1", "quantity": "'
            + "9" * 5000
            + '"}]}',
            "is more than 1,000,000",  # a whole number, past the limit
        ),
        (
            '{"asn": "A1\\ud800", "vendor": "V", "lines": [{"sku": "CB1", "quantity": 1}]}',
            "lone surrogate",
        ),
        (
            '{"asn": "A1", "asn": "A2", "vendor": "V", "lines": [{"sku": "CB1", "quantity": 1}]}',
            "given twice",
        ),
        ('{"asn": "A1", "vendor": "V", "lines": [{"sku": "CB1", "quantity": 1e400}]}', "too large"),
    ],
)
def test_asn_json_with_bad_numbers_or_text_is_refused_whole(
    db: Database, admin: Actor, content: str, why: str
) -> None:
    setup_catalogue(db, admin)
    before = recorded(db)
    with pytest.raises(AsnFileRefused) as info:
        import_asn_data(db, admin, "asn.json", content.encode(), "S1")
    assert why in str(info.value.problems[0])
    assert recorded(db) == before


def test_asn_csv_with_a_huge_quantity_is_refused(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    before = recorded(db)
    data = ("ASN,Vendor,SKU,Quantity\nA1,V,CB1," + "9" * 5000 + "\n").encode()
    with pytest.raises(AsnFileRefused) as info:
        import_asn_data(db, admin, "asn.csv", data, "S1")
    # It is a whole number (5,000 nines), past the limit: said so, clipped, never computed.
    assert "is more than 1,000,000" in str(info.value.problems[0])
    assert recorded(db) == before
    assert IMEI  # the catalogue's phones are untouched by an ASN refusal
