"""The ``/v1`` paths that read and write the serial ledger itself.

Applying operations, looking units and products up, stock, orders, the sales report and the
event feed: what any integration (an ERP, a web shop) calls."""

from __future__ import annotations

from typing import Any

from serialpos.api.openapi_shapes import (
    CARD,
    EVENTS,
    IMPORT,
    NULL_TEXT,
    ORDER,
    PRODUCT,
    SEARCH,
    SHORT_TEXT,
    STATUS,
    STOCK,
    TEXT,
    VERDICT,
    answer,
    obj,
    operation,
    path_param,
    query,
)


def ledger_paths() -> dict[str, Any]:
    """The ledger paths, in the order the document lists them."""
    return {
        "/v1/openapi.json": {
            "get": operation("This document", answer({"type": "object"}), public=True)
        },
        "/v1/apply": {
            "post": operation(
                "Apply ledger operations (JSON Lines in, one verdict per line out, streamed)",
                {
                    "description": "One verdict per non-blank input line",
                    "content": {"application/x-ndjson": {"schema": VERDICT}},
                },
                body={
                    "required": True,
                    "content": {
                        "application/x-ndjson": {"schema": {"type": "string"}},
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {"type": "object"},
                                    {"type": "array", "items": {"type": "object"}},
                                ]
                            }
                        },
                    },
                },
            )
        },
        "/v1/apply/status": {
            "get": operation(
                "What became of each line id (a store terminal's token: its store's lines only)",
                answer(STATUS),
                [query("id", {"type": "array", "items": TEXT, "minItems": 1}, True)],
            )
        },
        "/v1/serials": {
            "get": operation(
                "Units whose serial starts with a prefix (a store terminal's token: its store's)",
                answer(SEARCH),
                [
                    query("prefix", {"type": "string", "minLength": 1}, True),
                    query("limit", {"type": "integer", "minimum": 1, "maximum": 10000}),
                ],
            )
        },
        "/v1/serials/{serial}": {
            "get": operation(
                "The serial card of every unit with this serial (a store terminal's token: of "
                "its store's units only)",
                answer(CARD),
                [path_param("serial"), query("sku", SHORT_TEXT)],
            )
        },
        "/v1/products": {
            "get": operation(
                "Products (all, or matching q)",
                answer(obj(["products"], products={"type": "array", "items": PRODUCT})),
                [
                    query("q", SHORT_TEXT),
                    query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
                ],
            ),
            "put": operation(
                "Import a product feed or mass upload CSV: all of it or nothing",
                answer(IMPORT),
                body={
                    "required": True,
                    "content": {"text/csv": {"schema": {"type": "string"}}},
                },
            ),
        },
        "/v1/products/{sku}": {
            "get": operation("One product", answer(PRODUCT), [path_param("sku")])
        },
        "/v1/stock": {
            "get": operation(
                "Stock per store and product (a store terminal's token: its own store's)",
                answer(STOCK),
                [query("store", SHORT_TEXT), query("sku", SHORT_TEXT)],
            )
        },
        "/v1/orders/{order}": {
            "get": operation(
                "An order and its lines (a store terminal's token: its own store's orders)",
                answer(ORDER),
                [path_param("order")],
            )
        },
        "/v1/orders/{order}/lines/{line}/serial": {
            "put": operation(
                "Record, change or remove (null) a line's serial before fulfilment",
                answer(ORDER),
                [path_param("order"), path_param("line", {"type": "integer", "minimum": 1})],
                body={
                    "required": True,
                    "content": {"application/json": {"schema": obj(["serial"], serial=NULL_TEXT)}},
                },
            )
        },
        "/v1/reports/sales-detail": {
            "get": operation(
                "Sales detail: CSV, or JSON with Accept: application/json (a store terminal's "
                "token: its own store's)",
                {
                    "description": "The rows",
                    "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        "application/json": {
                            "schema": obj(
                                ["rows"], rows={"type": "array", "items": {"type": "object"}}
                            )
                        },
                    },
                },
                [
                    query("from", {"type": "string", "format": "date"}),
                    query("to", {"type": "string", "format": "date"}),
                    query("store", SHORT_TEXT),
                    query("sku", SHORT_TEXT),
                    query("serial", SHORT_TEXT),
                ],
            )
        },
        "/v1/events": {
            "get": operation(
                "Ledger events in commit order, after a seq",
                answer(EVENTS),
                [
                    query("after", {"type": "integer", "minimum": 0}),
                    query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
                    query("store", SHORT_TEXT),
                    query("terminal", TEXT),
                    query("entry", TEXT),
                ],
            )
        },
    }
