"""``services.apply`` on SQLite and PostgreSQL: every operation, every refusal code triggered
for real, malformed input, and the rule that a refused line changes nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from serialpos.db import migrate, repo
from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services import lookup, products, settings, stock, users
from serialpos.services.apply.dispatch import MAX_LINE_BYTES, apply_stream, read_lines
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger

IMEI = "490154203237518"  # a valid IMEI (Luhn check digit 8)


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    """S1 and S2 (from ``db``) with one product of each serial mode and an IMEI-format phone."""
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="OPT", name="Drill", serial_mode="optional")
    products.create_product(db, admin, sku="CAB", name="Cable", serial_mode="disabled")
    products.create_product(
        db, admin, sku="IM", name="Handset", serial_mode="required", serial_format="imei"
    )
    return db


def encode(line: dict[str, Any] | str | bytes) -> bytes:
    if isinstance(line, bytes):
        return line
    if isinstance(line, str):
        return line.encode()
    return json.dumps(line).encode()


def run(db: Database, actor: Actor, *lines: dict[str, Any] | str | bytes) -> list[dict[str, Any]]:
    data = b"\n".join(encode(x) for x in lines) + b"\n"
    return list(apply_stream(db, actor, io.BytesIO(data)))


def run1(db: Database, actor: Actor, line: dict[str, Any] | str | bytes) -> dict[str, Any]:
    (result,) = run(db, actor, line)
    return result


def where(db: Database, serial: str, sku: str = "PH1") -> tuple[str, str] | None:
    cards = lookup.lookup_serial(db, serial, sku)
    return (cards[0].state, cards[0].store) if cards else None


def qty(db: Database, store: str, sku: str) -> int:
    lines = stock.stock_levels(db, store, sku)
    return lines[0].quantity if lines else 0


def events(db: Database) -> list[tuple[Any, ...]]:
    e = repo.event_t.c
    q = sa.select(
        e.action, e.serial, e.quantity, e.document_type, e.document_id, e.document_line, e.reason
    ).order_by(e.id)
    return db.read(lambda conn: [tuple(row) for row in conn.execute(q)])


def unit(serial: str, before: str | None, after: str) -> dict[str, Any]:
    return {"serial": serial, "from": before, "to": after}


def receive(*serials: str, store: str = "S1", sku: str = "PH1") -> dict[str, Any]:
    return {"op": "receive", "store": store, "sku": sku, "serials": list(serials)}


# -- every operation --------------------------------------------------------------------------
def test_serial_operations_each_apply_and_report_their_units(shop: Database, admin: Actor) -> None:
    results = run(
        shop,
        admin,
        {
            "op": "receive",
            "store": "S1",
            "sku": "PH1",
            "serials": ["A1", "A2", "A3", "A4"],
            "id": "r-1",
            "document": "PO-7",
            "line": 1,
        },
        {"op": "sell", "store": "S1", "sku": "PH1", "serial": "A1", "document": "INV-1"},
        {"op": "return", "store": "S2", "sku": "PH1", "serial": "A1", "reason": "unwanted"},
        {"op": "sell", "store": "S1", "sku": "PH1", "serial": "A2"},
        {"op": "return", "store": "S1", "sku": "PH1", "serial": "A2", "damaged": True},
        # A unit sold on an order comes back by that order's return (services/sold_on_order.py).
        {"op": "order_return", "order": "S1-000001", "serials": ["A1"], "store": "S2"},
        {"op": "order_return", "order": "S1-000002", "serials": ["A2"], "damaged": True},
        {
            "op": "transfer_out",
            "store": "S1",
            "sku": "PH1",
            "serial": "A3",
            "to": "S2",
            "transfer": "T-1",
        },
        {
            "op": "transfer_in",
            "store": "S2",
            "sku": "PH1",
            "serial": "A3",
            "transfer": "T-1",
            "line": "2",
        },
        {"op": "rtv", "store": "S1", "sku": "PH1", "serials": ["A4"], "reason": "faulty"},
        {"op": "adjust", "store": "S1", "sku": "PH1", "add": ["A2", "N1"], "reason": "found"},
        {"op": "adjust", "store": "S1", "sku": "PH1", "remove": ["N1"], "reason": "stolen"},
    )
    refunds = [(r["line"], r["ok"], r["refund_invoice"]) for r in results[5:7]]
    assert refunds == [(6, True, "RF-S2-000001"), (7, True, "RF-S1-000001")]
    del results[5:7]
    assert results == [
        {
            "ok": True,
            "line": 1,
            "id": "r-1",
            "op": "receive",
            "store": "S1",
            "sku": "PH1",
            "quantity": 4,
            "units": [unit(s, None, "in_stock") for s in ("A1", "A2", "A3", "A4")],
        },
        # A sale is invoiced as at the counter (issue 10, case 9): its order and invoice.
        {
            "ok": True,
            "line": 2,
            "op": "sell",
            "store": "S1",
            "sku": "PH1",
            "order": "S1-000001",
            "invoice": "INV-S1-000001",
            "quantity": -1,
            "units": [unit("A1", "in_stock", "sold")],
        },
        {
            "ok": False,
            "line": 3,
            "error": "sold_on_order",
            "message": "A1 was sold on order S1-000001: take it back with order_return on "
            "order S1-000001 (it issues the refund note and refunds the customer); a bare "
            "return leaves the sale in the books",
        },
        {
            "ok": True,
            "line": 4,
            "op": "sell",
            "store": "S1",
            "sku": "PH1",
            "order": "S1-000002",
            "invoice": "INV-S1-000002",
            "quantity": -1,
            "units": [unit("A2", "in_stock", "sold")],
        },
        {
            "ok": False,
            "line": 5,
            "error": "sold_on_order",
            "message": "A2 was sold on order S1-000002: take it back with order_return on "
            "order S1-000002 (it issues the refund note and refunds the customer); a bare "
            "return leaves the sale in the books",
        },
        {
            "ok": True,
            "line": 8,
            "op": "transfer_out",
            "store": "S1",
            "sku": "PH1",
            "to": "S2",
            "quantity": -1,
            "units": [unit("A3", "in_stock", "in_transit")],
        },
        {
            "ok": True,
            "line": 9,
            "op": "transfer_in",
            "store": "S2",
            "sku": "PH1",
            "quantity": 1,
            "units": [unit("A3", "in_transit", "in_stock")],
        },
        {
            "ok": True,
            "line": 10,
            "op": "rtv",
            "store": "S1",
            "sku": "PH1",
            "quantity": -1,
            "units": [unit("A4", "in_stock", "returned_to_vendor")],
        },
        {
            "ok": True,
            "line": 11,
            "op": "adjust",
            "store": "S1",
            "sku": "PH1",
            "quantity": 2,
            "units": [unit("A2", "written_off", "in_stock"), unit("N1", None, "in_stock")],
        },
        {
            "ok": True,
            "line": 12,
            "op": "adjust",
            "store": "S1",
            "sku": "PH1",
            "quantity": -1,
            "units": [unit("N1", "in_stock", "written_off")],
        },
    ]
    assert where(shop, "A1") == ("in_stock", "S2")
    assert where(shop, "A2") == ("in_stock", "S1")
    assert where(shop, "A3") == ("in_stock", "S2")
    assert where(shop, "A4") == ("returned_to_vendor", "S1")
    assert where(shop, "N1") == ("written_off", "S1")
    assert (qty(shop, "S1", "PH1"), qty(shop, "S2", "PH1")) == (1, 2)
    assert check_ledger(shop) == []
    recorded = events(shop)
    assert recorded[0] == ("receive", "A1", 1, "integration", "PO-7", "1", None)
    assert ("sell", "A1", -1, "integration", "INV-1", None, None) in recorded
    # Each on its sale's order line, not as a bare ledger move.
    assert ("return", "A1", 1, "order", "S1-000001", "1", None) in recorded
    assert ("return_damaged", "A2", 0, "order", "S1-000002", "1", "damaged") in recorded
    assert [r for r in recorded if r[0].startswith("return") and r[3] is None] == []
    assert ("transfer_out", "A3", -1, "transfer", "T-1", None, None) in recorded
    assert ("transfer_in", "A3", 1, "transfer", "T-1", "2", None) in recorded
    assert ("rtv", "A4", -1, None, None, None, "faulty") in recorded
    assert ("adjust_remove", "N1", -1, None, None, None, "stolen") in recorded


def test_quantity_operations_for_products_without_serials(shop: Database, admin: Actor) -> None:
    results = run(
        shop,
        admin,
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 10, "document": "PO-8"},
        {"op": "sell", "store": "S1", "sku": "CAB"},
        {"op": "sell", "store": "S1", "sku": "CAB", "quantity": 2},
        {"op": "return", "store": "S1", "sku": "CAB", "quantity": 1},
        {
            "op": "transfer_out",
            "store": "S1",
            "sku": "CAB",
            "quantity": 3,
            "to": "S2",
            "document": "T-2",
        },
        {"op": "transfer_in", "store": "S2", "sku": "CAB", "quantity": 3, "document": "T-2"},
        {"op": "rtv", "store": "S1", "sku": "CAB", "quantity": 1},
        {"op": "adjust", "store": "S1", "sku": "CAB", "quantity": -2, "reason": "broken"},
        {"op": "adjust", "store": "S2", "sku": "CAB", "quantity": 5, "reason": "recount"},
    )
    assert [(r["ok"], r["op"], r["store"], r["quantity"], r["units"]) for r in results] == [
        (True, "receive", "S1", 10, []),
        (True, "sell", "S1", -1, []),
        (True, "sell", "S1", -2, []),
        (True, "return", "S1", 1, []),
        (True, "transfer_out", "S1", -3, []),
        (True, "transfer_in", "S2", 3, []),
        (True, "rtv", "S1", -1, []),
        (True, "adjust", "S1", -2, []),
        (True, "adjust", "S2", 5, []),
    ]
    assert (qty(shop, "S1", "CAB"), qty(shop, "S2", "CAB")) == (2, 8)
    recorded = events(shop)
    # A quantity's destination is written on its event: a bare transfer_in is held to it.
    assert ("transfer_out", None, -3, "transfer", "T-2", None, "to S2") in recorded
    assert ("adjust_remove", None, -2, None, None, None, "broken") in recorded
    assert check_ledger(shop) == []


def test_optional_serial_product_takes_serials_or_a_quantity(shop: Database, admin: Actor) -> None:
    results = run(
        shop,
        admin,
        receive("D1", sku="OPT"),
        {"op": "receive", "store": "S1", "sku": "OPT", "quantity": 2},
        {"op": "sell", "store": "S1", "sku": "OPT", "serial": "D1"},
        {"op": "sell", "store": "S1", "sku": "OPT"},
    )
    assert [(r["ok"], r["quantity"]) for r in results] == [
        (True, 1),
        (True, 2),
        (True, -1),
        (True, -1),
    ]
    assert where(shop, "D1", "OPT") == ("sold", "S1")
    assert qty(shop, "S1", "OPT") == 1


def test_serials_given_where_serialized_inventory_is_off_come_with_a_warning(
    shop: Database, admin: Actor
) -> None:
    settings.set_setting(shop, admin, "serialized_inventory", "false", "S2")
    result = run1(shop, admin, receive("Z1", store="S2"))
    assert result == {
        "ok": True,
        "line": 1,
        "op": "receive",
        "store": "S2",
        "sku": "PH1",
        "quantity": 1,
        "units": [],
        "warnings": [
            "serialized inventory is off at S2: the serials were written on the "
            "events, no unit changed state"
        ],
    }
    assert qty(shop, "S2", "PH1") == 1


# -- every refusal code, triggered for real -----------------------------------------------------
REFUSALS = [
    pytest.param(
        receive("A1"),
        "duplicate_serial",
        "serial A1 is already recorded (in stock at S1)",
        id="duplicate_serial",
    ),
    pytest.param(
        receive("Q1", "Q1"), "duplicate_serial", "serial Q1 is listed twice", id="duplicate_in_line"
    ),
    pytest.param(
        {"op": "sell", "store": "S1", "sku": "PH1", "serial": "NOPE"},
        "not_in_stock",
        "serial NOPE is not known to the ledger",
        id="not_in_stock",
    ),
    pytest.param(
        {"op": "sell", "store": "S2", "sku": "PH1", "serial": "A1"},
        "not_in_stock",
        "serial A1 is in stock at S1, not at S2",
        id="not_in_stock_elsewhere",
    ),
    pytest.param(
        {"op": "rtv", "store": "S1", "sku": "CAB", "quantity": 1},
        "not_in_stock",
        "CAB: 1 needed but only 0 on hand at S1",
        id="not_enough_quantity",
    ),
    pytest.param(
        {"op": "sell", "store": "S1", "sku": "PH1", "serial": "S9"},
        "already_sold",
        "serial S9 is already sold",
        id="already_sold",
    ),
    pytest.param(
        receive("S9"),
        "already_sold",
        "serial S9 was sold; take it back as a return instead",
        id="receive_sold",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "NOPE", "serial": "X"},
        "unknown_product",
        "there is no product with SKU 'NOPE'",
        id="unknown_product",
    ),
    pytest.param(
        receive("X", store="S7"), "unknown_store", "there is no store 'S7'", id="unknown_store"
    ),
    pytest.param(
        {"op": "transfer_out", "store": "S1", "sku": "PH1", "serial": "A1", "to": "S7"},
        "unknown_store",
        "there is no store 'S7'",
        id="unknown_destination",
    ),
    pytest.param(
        receive("BAD\u0007"),
        "bad_serial_format",
        "serial 'BAD\\x07' contains control characters",
        id="control_chars",
    ),
    pytest.param(
        receive("490154203237519", sku="IM"),
        "bad_serial_format",
        "serial '490154203237519' is not valid for IM: the IMEI check digit is wrong",
        id="imei_format",
    ),
    pytest.param(receive(" "), "bad_serial_format", "the serial is blank", id="blank_serial"),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "PH1", "quantity": 2},
        "serial_required",
        "PH1 requires a serial for every unit",
        id="serial_required",
    ),
    pytest.param(
        receive("C1", sku="CAB"),
        "not_serialized",
        "CAB is not serialized; give a quantity, not serials",
        id="not_serialized",
    ),
    pytest.param(
        {"op": "return", "store": "S1", "sku": "PH1", "serial": "A1"},
        "invalid_state",
        "serial A1 was not sold (it is in stock at S1)",
        id="invalid_state",
    ),
    pytest.param(
        {"op": "transfer_in", "store": "S1", "sku": "PH1", "serial": "A1"},
        "invalid_state",
        "serial A1 was not shipped (it is in stock at S1)",
        id="transfer_in_not_shipped",
    ),
    pytest.param(
        # Sold by a host's sell: an order with its invoice; a bare return left them sold.
        {"op": "return", "store": "S2", "sku": "PH1", "serial": "S9", "damaged": True},
        "sold_on_order",
        "S9 was sold on order S1-000001: take it back with order_return on order S1-000001 "
        "(it issues the refund note and refunds the customer); a bare return leaves the sale "
        "in the books",
        id="sold_on_order",
    ),
    pytest.param(
        {"op": "transfer_out", "store": "S1", "sku": "PH1", "serial": "A1", "to": "S1"},
        "bad_request",
        "a transfer must go to another store",
        id="transfer_to_itself",
    ),
]


@pytest.mark.parametrize(("line", "code", "message"), REFUSALS)
def test_each_refusal_has_its_code_and_changes_nothing(
    shop: Database, admin: Actor, line: dict[str, Any], code: str, message: str
) -> None:
    assert [
        r["ok"]
        for r in run(
            shop,
            admin,
            receive("A1", "S9"),
            {"op": "sell", "store": "S1", "sku": "PH1", "serial": "S9"},
        )
    ] == [True, True]
    before = (events(shop), stock.stock_levels(shop))
    assert run1(shop, admin, line) == {"ok": False, "line": 1, "error": code, "message": message}
    assert (events(shop), stock.stock_levels(shop)) == before


def test_permission_refusals_come_back_per_line(shop: Database, admin: Actor) -> None:
    users.add_user(shop, admin, "carl", "cashier", "1111")
    users.add_user(shop, admin, "stan", "stockroom", "2222")
    cashier = users.actor_for(shop, "carl", "t")
    stockroom = users.actor_for(shop, "stan", "t")
    assert run(shop, stockroom, receive("P1"), receive("P2"))[1]["ok"] is True
    results = run(
        shop, cashier, receive("P3"), {"op": "sell", "store": "S1", "sku": "PH1", "serial": "P1"}
    )
    assert results[0] == {
        "ok": False,
        "line": 1,
        "error": "permission_denied",
        "message": "carl (cashier) may not receive or move stock; that needs the role "
        "stockroom or manager or admin",
    }
    assert results[1]["ok"] is True
    adjust = run1(
        shop,
        stockroom,
        {"op": "adjust", "store": "S1", "sku": "PH1", "remove": ["P2"], "reason": "lost"},
    )
    assert (adjust["ok"], adjust["error"]) == (False, "permission_denied")
    assert where(shop, "P2") == ("in_stock", "S1")
    assert where(shop, "P3") is None


# -- malformed lines ----------------------------------------------------------------------------
BAD_LINES = [
    pytest.param(
        "{not json",
        "the line is not valid JSON: Expecting property name enclosed in double quotes at column 2",
        id="malformed",
    ),
    pytest.param(
        '{"op": "receive"',
        "the line is not valid JSON: Expecting ',' delimiter at column 17",
        id="truncated",
    ),
    pytest.param("[1, 2]", "the line must be a JSON object, not a list", id="list"),
    pytest.param('"receive"', "the line must be a JSON object, not text", id="string"),
    pytest.param("42", "the line must be a JSON object, not a number", id="number"),
    pytest.param("null", "the line must be a JSON object, not null", id="null"),
    pytest.param(
        '{"op": "receive", "quantity": NaN}',
        "the line is not valid JSON: NaN is not a JSON number",
        id="nan",
    ),
    pytest.param(
        '{"op": "x", "n": ' + "9" * 5000 + "}",
        "the line is not valid JSON: a number has too many digits",
        id="huge_int",
    ),
    pytest.param(
        b'{"op": "receive", "store": "S\xff1"}', "the line is not valid UTF-8", id="bad_utf8"
    ),
    pytest.param(
        '{"op": "receive", "store": "S1", "sku": "PH1", "serial": "\\ud800"}',
        "the line holds an invalid Unicode escape (a lone surrogate)",
        id="surrogate",
    ),
    pytest.param(
        '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "the line is not valid JSON: nested too deeply",
        id="deep",
    ),
    pytest.param({"store": "S1"}, "'op' is missing", id="missing_op"),
    pytest.param({"op": 3}, "'op' must be text, not a number", id="op_not_text"),
    pytest.param(
        {"op": "teleport", "store": "S1"},
        "unknown op 'teleport'; known: receive, sell, "
        "return, transfer_out, transfer_in, rtv, adjust, order_create, order_set_serial, "
        "order_amend, order_fulfil, order_void, order_pay, order_refund, order_park, "
        "order_return, count, asn_receive, customer_upsert",
        id="unknown_op",
    ),
    pytest.param(
        {"op": "receive", "sku": "PH1", "serial": "X"}, "'store' is missing", id="missing_store"
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": None, "serial": "X"},
        "'sku' is missing",
        id="null_sku",
    ),
    pytest.param(
        {"op": "receive", "store": ["S1"], "sku": "PH1"},
        "'store' must be text, not a list",
        id="store_not_text",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "PH1", "serials": "A1"},
        "'serials' must be a list of serials, not text",
        id="serials_not_list",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["A1", 7]},
        "'serials' holds a number; every serial must be text",
        id="serial_number",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": 12345},
        "'serial' must be text, not a number",
        id="serial_not_text",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": "A", "serials": ["B"]},
        "give 'serial' or 'serials', not both",
        id="serial_and_serials",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": "3"},
        "'quantity' must be a whole number, not text",
        id="quantity_string",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 1.5},
        "'quantity' must be a whole number, not a number",
        id="quantity_float",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": True},
        "'quantity' must be a whole number, not true/false",
        id="quantity_bool",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 0},
        "'quantity' must not be 0",
        id="quantity_zero",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": -2},
        "'quantity' must be positive; the operation says which way stock moves",
        id="quantity_negative",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 10**12},
        "'quantity' must be at most 1000000 in one line",
        id="quantity_huge",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["A1", "A2"], "quantity": 3},
        "quantity 3 does not match the 2 serials given",
        id="quantity_mismatch",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "CAB", "line": 3},
        "'line' is a line of a document: give 'document' too",
        id="line_no_document",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "CAB", "document": "D", "line": 1.5},
        "'line' must be text or a whole number, not a number",
        id="line_float",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "CAB", "document": "D" * 65},
        "'document' is 65 characters long; at most 64",
        id="document_too_long",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "CAB", "document": " "},
        "'document' is blank",
        id="document_blank",
    ),
    pytest.param(
        {"op": "receive", "store": "S1", "sku": "CAB", "document": 17},
        "'document' must be text, not a number",
        id="document_number",
    ),
    pytest.param(
        {"op": "rtv", "store": "S1", "sku": "CAB", "reason": "a\nb"},
        "'reason' contains control characters",
        id="reason_control",
    ),
    pytest.param(
        {"op": "rtv", "store": "S1", "sku": "CAB", "reason": "r" * 201},
        "'reason' is 201 characters long; at most 200",
        id="reason_too_long",
    ),
    pytest.param(
        {"op": "return", "store": "S1", "sku": "PH1", "serial": "A", "damaged": "yes"},
        "'damaged' must be true or false, not text",
        id="damaged_not_bool",
    ),
    pytest.param(
        {"op": "transfer_out", "store": "S1", "sku": "PH1", "serial": "A"},
        "'to' is missing",
        id="transfer_without_to",
    ),
    pytest.param(
        {
            "op": "transfer_in",
            "store": "S1",
            "sku": "PH1",
            "serial": "A",
            "transfer": "T1",
            "document": "T2",
        },
        "'transfer' and 'document' name different documents",
        id="two_transfer_ids",
    ),
    pytest.param(
        {"op": "adjust", "store": "S1", "sku": "PH1", "add": ["A"]},
        "'reason' is missing",
        id="adjust_without_reason",
    ),
    pytest.param(
        {"op": "adjust", "store": "S1", "sku": "PH1", "reason": "x"},
        "an adjust needs 'add' or 'remove' serials, or a signed 'quantity'",
        id="adjust_nothing",
    ),
    pytest.param(
        {"op": "adjust", "store": "S1", "sku": "PH1", "add": "A", "reason": "x"},
        "'add' must be a list of serials, not text",
        id="adjust_add_not_list",
    ),
    pytest.param(
        {"op": "adjust", "store": "S1", "sku": "CAB", "quantity": 1, "add": ["A"], "reason": "x"},
        "an adjust takes 'add'/'remove' serials or a signed 'quantity', not both",
        id="adjust_both_kinds",
    ),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_malformed_lines_are_bad_requests_and_the_run_goes_on(
    shop: Database, admin: Actor, line: dict[str, Any] | str | bytes, message: str
) -> None:
    run(shop, admin, receive("A1"))
    before = (events(shop), stock.stock_levels(shop))
    results = run(shop, admin, line, receive("OK1"))
    assert results[0] == {"ok": False, "line": 1, "error": "bad_request", "message": message}
    assert results[1]["ok"] is True and results[1]["line"] == 2
    assert events(shop)[: len(before[0])] == before[0]
    assert len(events(shop)) == len(before[0]) + 1  # only the good line's event


def test_a_10_mb_line_is_refused_without_being_held_in_memory(shop: Database, admin: Actor) -> None:
    class Watched(io.BytesIO):
        largest = 0

        def readline(self, size: int | None = -1) -> bytes:
            chunk = super().readline(size)
            Watched.largest = max(Watched.largest, len(chunk))
            return chunk

    big = b'{"op": "receive", "store": "S1", "sku": "PH1", "serial": "' + b"x" * (10 << 20) + b'"}'
    stream = Watched(big + b"\n" + encode(receive("AFTER")) + b"\n" + b"y" * (3 << 20))
    results = list(apply_stream(shop, admin, stream))
    too_long = {
        "ok": False,
        "error": "bad_request",
        "message": "line too long: more than 1048576 bytes",
    }
    assert results[0] == {"line": 1, **too_long}
    assert results[1]["ok"] is True and results[1]["line"] == 2
    assert results[2] == {"line": 3, **too_long}  # the last line, without a line break
    assert Watched.largest <= MAX_LINE_BYTES + 2
    assert where(shop, "AFTER") == ("in_stock", "S1")


def test_read_lines_cuts_at_exactly_the_limit() -> None:
    data = b"12345\n123456\r\n1234567\n\n12345678\n1234"
    assert list(read_lines(io.BytesIO(data), limit=6)) == [
        b"12345",
        b"123456",
        None,
        b"",
        None,
        b"1234",
    ]
    assert list(read_lines(io.BytesIO(b"123456"), limit=6)) == [b"123456"]
    assert list(read_lines(io.BytesIO(b"1234567"), limit=6)) == [None]
    assert list(read_lines(io.BytesIO(b""), limit=6)) == []


def test_blank_lines_are_skipped_but_counted_and_line_breaks_and_bom_accepted(
    shop: Database, admin: Actor
) -> None:
    data = (
        b"\xef\xbb\xbf"
        + encode(receive("B1"))
        + b"\r\n\n   \n\t\r\n"
        + encode(receive("B2"))
        + b"\r\n\n"
        + encode(receive("B3"))
    )
    results = list(apply_stream(shop, admin, io.BytesIO(data)))
    assert [(r["line"], r["ok"]) for r in results] == [(1, True), (5, True), (7, True)]
    assert list(apply_stream(shop, admin, io.BytesIO(b"\n \n"))) == []


def test_id_is_echoed_as_given_and_unknown_keys_are_warned(shop: Database, admin: Actor) -> None:
    results = run(
        shop,
        admin,
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": "I1", "id": 7, "qty": 1},
        {"op": "receive", "store": "S1", "sku": "PH1", "serail": "I2", "id": {"req": [1, "a"]}},
        {"op": "nope", "id": None},
        '{"op": "receive", "id": "lost", ',
    )
    assert results == [
        {
            "ok": True,
            "line": 1,
            "id": 7,
            "op": "receive",
            "store": "S1",
            "sku": "PH1",
            "quantity": 1,
            "units": [unit("I1", None, "in_stock")],
            "warnings": ["unknown key 'qty' ignored"],
        },
        # An id is text or a whole number (it is stored to make the line idempotent): an
        # object is refused before the line is looked at.
        {
            "ok": False,
            "line": 2,
            "id": {"req": [1, "a"]},
            "error": "bad_request",
            "message": "'id' must be text or a whole number",
        },
        {
            "ok": False,
            "line": 3,
            "id": None,
            "error": "bad_request",
            "message": "unknown op 'nope'; known: receive, sell, return, transfer_out, "
            "transfer_in, rtv, adjust, order_create, order_set_serial, order_amend, order_fulfil, "
            "order_void, order_pay, order_refund, order_park, order_return, count, asn_receive, "
            "customer_upsert",
        },
        {
            "ok": False,
            "line": 4,
            "error": "bad_request",
            "message": "the line is not valid JSON: Expecting property name enclosed in double "
            "quotes at column 33",
        },
    ]


def test_mixed_lines_commit_the_good_and_the_bad_change_nothing(
    shop: Database, admin: Actor
) -> None:
    results = run(
        shop,
        admin,
        receive("M1", "M2"),
        receive("M3", "M1"),  # M1 is in stock: the whole line is refused, M3 too
        {"op": "sell", "store": "S1", "sku": "PH1", "serials": ["M2", "GHOST"]},
        "garbage",
        {"op": "transfer_out", "store": "S1", "sku": "PH1", "serials": ["M1", "M2"], "to": "S2"},
        {"op": "sell", "store": "S1", "sku": "PH1", "serial": "M1"},  # M1 has left for S2
        {"op": "transfer_in", "store": "S2", "sku": "PH1", "serials": ["M1", "M2"]},
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 5},
        {"op": "adjust", "store": "S1", "sku": "CAB", "quantity": -6, "reason": "count"},
    )
    assert [(r["ok"], r.get("error")) for r in results] == [
        (True, None),
        (False, "duplicate_serial"),
        (False, "not_in_stock"),
        (False, "bad_request"),
        (True, None),
        (False, "not_in_stock"),
        (True, None),
        (True, None),
        (False, "not_in_stock"),
    ]
    assert where(shop, "M1") == ("in_stock", "S2")
    assert where(shop, "M2") == ("in_stock", "S2")
    assert where(shop, "M3") is None
    assert where(shop, "GHOST") is None
    assert (qty(shop, "S1", "PH1"), qty(shop, "S2", "PH1"), qty(shop, "S1", "CAB")) == (0, 2, 5)
    assert check_ledger(shop) == []


def test_database_errors_are_reported_per_line_and_the_run_goes_on(
    db_url: str, tmp_path: Path
) -> None:
    """A database without the schema (as good as one that vanished): every line says so."""
    broken = Database(db_url)
    try:
        actor = Actor("ada", Role.ADMIN, "t")
        results = run(broken, actor, receive("D1"), "junk", receive("D2"))
    finally:
        broken.dispose()
    assert [(r["line"], r["ok"], r["error"]) for r in results] == [
        (1, False, "database_error"),
        (2, False, "bad_request"),
        (3, False, "database_error"),
    ]
    assert results[0]["message"].startswith("database error: ")
    fresh = Database(db_url)
    assert migrate.current_revision(fresh) is None  # nothing was created
    fresh.dispose()


def test_adjust_adding_and_removing_in_one_line_is_one_transaction(
    shop: Database, admin: Actor
) -> None:
    assert run1(shop, admin, receive("A1", "A2"))["ok"] is True
    swap = {
        "op": "adjust",
        "store": "S1",
        "sku": "PH1",
        "add": ["N1"],
        "remove": ["A1"],
        "reason": "count found N1, A1 missing",
    }
    result = run1(shop, admin, swap)
    assert result["ok"] is True
    assert result["quantity"] == 0
    assert result["units"] == [unit("A1", "in_stock", "written_off"), unit("N1", None, "in_stock")]
    assert where(shop, "A1") == ("written_off", "S1")
    assert where(shop, "N1") == ("in_stock", "S1")

    # The removal is fine but the addition is refused: neither happens.
    clash = {
        "op": "adjust",
        "store": "S1",
        "sku": "PH1",
        "add": ["A2"],
        "remove": ["N1"],
        "reason": "x",
    }
    refused = run1(shop, admin, clash)
    assert (refused["ok"], refused["error"]) == (False, "duplicate_serial")
    assert where(shop, "N1") == ("in_stock", "S1")
    assert qty(shop, "S1", "PH1") == 2
    assert [f for f in check_ledger(shop) if f.violation] == []

    # One serial on both sides nets to nothing: refused naming it, no event written.
    both = {**swap, "add": ["A2"], "remove": ["A2"], "reason": "recount"}
    contradiction = run1(shop, admin, both)
    assert (contradiction["ok"], contradiction["error"], contradiction["message"]) == (
        False,
        "duplicate_serial",
        "serial A2 of PH1 is both added and removed in one adjustment; list it once, on the "
        "side it belongs",
    )
    assert where(shop, "A2") == ("in_stock", "S1")
    assert [(e.action, e.to_state) for e in lookup.lookup_serial(shop, "A2")[0].events] == [
        ("receive", "in_stock")
    ]
