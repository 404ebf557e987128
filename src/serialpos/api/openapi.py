"""The OpenAPI 3.1 document of ``/v1``, written out (the routes are plain Starlette).

Kept beside the routes and checked against the running server by schemathesis
(tests/api/test_api_schema.py): every answer must match what is written here."""

from __future__ import annotations

from functools import cache
from typing import Any

import serialpos

_NULL_TEXT: dict[str, Any] = {"type": ["string", "null"]}
_TEXT: dict[str, Any] = {"type": "string"}
_INT: dict[str, Any] = {"type": "integer"}


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


PROBLEM = _obj(
    ["type", "title", "status", "detail", "code"],
    type=_TEXT,
    title=_TEXT,
    status=_INT,
    detail=_TEXT,
    code=_TEXT,
    problems={
        "type": "array",
        "items": _obj(
            ["row", "column", "reason"],
            row={"type": ["integer", "null"]},
            column=_NULL_TEXT,
            reason=_TEXT,
        ),
    },
)

TIMELINE = _obj(
    ["at", "what", "user", "terminal", "store", "document", "reason"],
    at=_TEXT,
    what=_TEXT,
    user=_TEXT,
    terminal=_TEXT,
    store=_TEXT,
    document=_NULL_TEXT,
    reason=_NULL_TEXT,
)
WARRANTY = {
    "type": ["object", "null"],
    "properties": {
        "state": _TEXT,
        "words": _TEXT,
        "months": {"type": ["integer", "null"]},
        "sold_on": _NULL_TEXT,
        "ends_on": _NULL_TEXT,
        "days_left": {"type": ["integer", "null"]},
    },
}
UNIT = _obj(
    [
        "serial",
        "sku",
        "product",
        "state",
        "store",
        "order",
        "invoice",
        "customer",
        "warranty",
        "timeline",
    ],
    serial=_TEXT,
    sku=_TEXT,
    product=_TEXT,
    state=_TEXT,
    store=_TEXT,
    package=_NULL_TEXT,
    order=_NULL_TEXT,
    order_line={"type": ["integer", "null"]},
    invoice=_NULL_TEXT,
    customer=_NULL_TEXT,
    warranty=WARRANTY,
    timeline={"type": "array", "items": TIMELINE},
)
CARD = _obj(["serial", "units"], serial=_TEXT, units={"type": "array", "items": UNIT})
MATCH = _obj(
    ["serial", "sku", "product", "state", "store"],
    serial=_TEXT,
    sku=_TEXT,
    product=_TEXT,
    state=_TEXT,
    store=_TEXT,
    order=_NULL_TEXT,
    invoice=_NULL_TEXT,
    sold_at=_NULL_TEXT,
    customer=_NULL_TEXT,
)
SEARCH = _obj(
    ["prefix", "limit", "truncated", "matches"],
    prefix=_TEXT,
    limit=_INT,
    truncated={"type": "boolean"},
    matches={"type": "array", "items": MATCH},
)
PRODUCT = _obj(
    ["sku", "name", "price", "serial_mode"],
    sku=_TEXT,
    name=_TEXT,
    price=_TEXT,
    serial_mode={"enum": ["required", "optional", "disabled"]},
    serial_format=_NULL_TEXT,
    barcodes={"type": "array", "items": _TEXT},
    tax_rate=_NULL_TEXT,
    warranty_months={"type": ["integer", "null"]},
    bin=_NULL_TEXT,
    package_type=_NULL_TEXT,
    components={"type": "array", "items": _obj(["sku", "quantity"], sku=_TEXT, quantity=_INT)},
)
IMPORT = _obj(
    ["format", "rows", "created", "updated", "unchanged", "warnings"],
    format=_TEXT,
    rows=_INT,
    created=_INT,
    updated=_INT,
    unchanged=_INT,
    warnings={"type": "array", "items": _TEXT},
)
STOCK = _obj(
    ["stock"],
    stock={
        "type": "array",
        "items": _obj(
            ["store", "sku", "product", "serial_mode", "quantity", "units_in_stock"],
            store=_TEXT,
            sku=_TEXT,
            product=_TEXT,
            serial_mode=_TEXT,
            quantity=_INT,
            units_in_stock=_INT,
        ),
    },
)
ORDER_LINE = _obj(
    ["line", "number", "sku", "quantity", "serial", "status"],
    line=_INT,
    number=_INT,
    sku=_TEXT,
    name=_TEXT,
    quantity=_INT,
    unit_price=_TEXT,
    total=_TEXT,
    serial_mode=_TEXT,
    serial=_NULL_TEXT,
    status=_TEXT,
    invoice=_NULL_TEXT,
)
ORDER = _obj(
    ["order", "store", "type", "delivery", "status", "customer", "total", "paid", "lines"],
    order=_TEXT,
    store=_TEXT,
    type=_TEXT,
    delivery=_TEXT,
    status=_TEXT,
    customer={"type": ["object", "null"]},
    total=_TEXT,
    paid=_TEXT,
    due=_TEXT,
    invoices={"type": "array", "items": _TEXT},
    created_by=_TEXT,
    created_at=_TEXT,
    lines={"type": "array", "items": ORDER_LINE},
)
EVENT = _obj(
    ["seq", "serial", "sku", "store", "from", "to", "at", "document", "action", "quantity"],
    seq=_INT,
    serial=_NULL_TEXT,
    sku=_TEXT,
    store=_TEXT,
    at=_TEXT,
    document={"type": ["object", "null"]},
    action=_TEXT,
    quantity=_INT,
    user=_TEXT,
    terminal=_TEXT,
    reason=_NULL_TEXT,
    to_store=_NULL_TEXT,
    event=_INT,
    **{"from": _NULL_TEXT, "to": _NULL_TEXT},
)
EVENTS = _obj(
    ["events", "next", "last"], events={"type": "array", "items": EVENT}, next=_INT, last=_INT
)
LEASE = _obj(
    ["serial", "sku", "store", "terminal", "expires_at"],
    serial=_TEXT,
    sku=_TEXT,
    store=_TEXT,
    terminal=_TEXT,
    taken_by=_TEXT,
    taken_at=_TEXT,
    expires_at=_TEXT,
)
LEASES = _obj(["leases"], leases={"type": "array", "items": LEASE})
LEASE_TAKEN = _obj(
    ["terminal", "store", "taken", "short", "leases"],
    terminal=_TEXT,
    store=_TEXT,
    taken=_INT,
    short=_INT,
    leases={"type": "array", "items": LEASE},
)
RELEASED = _obj(["released", "serials"], released=_INT, serials={"type": "array", "items": _TEXT})
STATUS = _obj(
    ["ids"],
    ids={
        "type": "array",
        "items": _obj(["id", "status"], status={"enum": ["applied", "not_applied", "bad_request"]}),
    },
)
VERDICT = _obj(
    ["ok"],
    ok={"type": "boolean"},
    line=_INT,
    error=_TEXT,
    message=_TEXT,
    replayed={"type": "boolean"},
)


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(
    summary: str,
    ok: dict[str, Any],
    params: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    public: bool = False,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "parameters": params or [],
        "responses": {
            "200": ok,
            "default": {
                "description": "A problem (RFC 9457), with the same codes as apply",
                "content": {"application/problem+json": {"schema": PROBLEM}},
            },
        },
    }
    if body is not None:
        op["requestBody"] = body
    if public:
        op["security"] = []
    return op


def _q(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def _p(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema or _TEXT}


@cache
def document() -> dict[str, Any]:
    text_q = {"type": "string", "maxLength": 200}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "serialpos",
            "version": serialpos.__version__,
            "description": "The serial ledger of a store or a chain. See docs/integration.md.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Problem": PROBLEM},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/openapi.json": {
                "get": _op("This document", _json({"type": "object"}), public=True)
            },
            "/v1/apply": {
                "post": _op(
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
                "get": _op(
                    "What became of each line id",
                    _json(STATUS),
                    [_q("id", {"type": "array", "items": _TEXT, "minItems": 1}, True)],
                )
            },
            "/v1/serials": {
                "get": _op(
                    "Units whose serial starts with a prefix",
                    _json(SEARCH),
                    [
                        _q("prefix", {"type": "string", "minLength": 1}, True),
                        _q("limit", {"type": "integer", "minimum": 1, "maximum": 10000}),
                    ],
                )
            },
            "/v1/serials/{serial}": {
                "get": _op(
                    "The serial card of every unit with this serial",
                    _json(CARD),
                    [_p("serial"), _q("sku", text_q)],
                )
            },
            "/v1/products": {
                "get": _op(
                    "Products (all, or matching q)",
                    _json(_obj(["products"], products={"type": "array", "items": PRODUCT})),
                    [
                        _q("q", text_q),
                        _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
                    ],
                ),
                "put": _op(
                    "Import a product feed or mass upload CSV: all of it or nothing",
                    _json(IMPORT),
                    body={
                        "required": True,
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                ),
            },
            "/v1/products/{sku}": {"get": _op("One product", _json(PRODUCT), [_p("sku")])},
            "/v1/stock": {
                "get": _op(
                    "Stock per store and product",
                    _json(STOCK),
                    [_q("store", text_q), _q("sku", text_q)],
                )
            },
            "/v1/orders/{order}": {
                "get": _op("An order and its lines", _json(ORDER), [_p("order")])
            },
            "/v1/orders/{order}/lines/{line}/serial": {
                "put": _op(
                    "Record, change or remove (null) a line's serial before fulfilment",
                    _json(ORDER),
                    [_p("order"), _p("line", {"type": "integer", "minimum": 1})],
                    body={
                        "required": True,
                        "content": {
                            "application/json": {"schema": _obj(["serial"], serial=_NULL_TEXT)}
                        },
                    },
                )
            },
            "/v1/reports/sales-detail": {
                "get": _op(
                    "Sales detail: CSV, or JSON with Accept: application/json",
                    {
                        "description": "The rows",
                        "content": {
                            "text/csv": {"schema": {"type": "string"}},
                            "application/json": {
                                "schema": _obj(
                                    ["rows"], rows={"type": "array", "items": {"type": "object"}}
                                )
                            },
                        },
                    },
                    [
                        _q("from", {"type": "string", "format": "date"}),
                        _q("to", {"type": "string", "format": "date"}),
                        _q("store", text_q),
                        _q("sku", text_q),
                        _q("serial", text_q),
                    ],
                )
            },
            "/v1/events": {
                "get": _op(
                    "Ledger events in commit order, after a seq",
                    _json(EVENTS),
                    [
                        _q("after", {"type": "integer", "minimum": 0}),
                        _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
                        _q("store", text_q),
                    ],
                )
            },
            "/v1/snapshot": {
                "get": _op(
                    "What a new store terminal starts from; binds the token to the terminal. "
                    "part=reference: the settings and catalogue again; part=orders: the rows "
                    "of the store's orders named by 'number' (1 to 100), a till's copy of a "
                    "sale made elsewhere",
                    _json({"type": "object"}),
                    [
                        _q("store", text_q, required=True),
                        _q("terminal", text_q, required=True),
                        _q("part", {"type": "string", "enum": ["reference", "orders"]}),
                        _q("number", {"type": "array", "items": text_q, "maxItems": 100}),
                    ],
                )
            },
            "/v1/customers": {
                "get": _op(
                    "Customer records changed since central's time 'until' of an earlier call",
                    _json(
                        _obj(
                            ["customers", "until"],
                            customers={"type": "array", "items": {"type": "object"}},
                            until={"type": "string"},
                        )
                    ),
                    [_q("changed_since", text_q)],
                )
            },
            "/v1/conflicts": {
                "get": _op(
                    "Terminal entries central could not apply (managers)",
                    _json(
                        _obj(
                            ["conflicts"], conflicts={"type": "array", "items": {"type": "object"}}
                        )
                    ),
                    [
                        _q("status", {"type": "string", "enum": ["open", "resolved"]}),
                        _q("store", text_q),
                    ],
                )
            },
            "/v1/leases": {
                "post": _op(
                    "Lease units to the token's store terminal: serials, or N units of a SKU",
                    _json(LEASE_TAKEN),
                    body={
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "serials": {"type": "array", "items": _TEXT},
                                        "sku": _TEXT,
                                        "count": {"type": "integer", "minimum": 1},
                                        "minutes": {"type": "integer", "minimum": 1},
                                        "terminal": _TEXT,
                                    },
                                }
                            }
                        },
                    },
                ),
                "get": _op(
                    "Leases in force: a terminal's own, or (managers) any terminal's",
                    _json(LEASES),
                    [_q("terminal", text_q)],
                ),
                "delete": _op(
                    "End every lease of a terminal",
                    _json(RELEASED),
                    [_q("terminal", text_q)],
                ),
            },
            "/v1/leases/{serial}": {
                "delete": _op(
                    "End one unit's lease",
                    _json(RELEASED),
                    [_p("serial"), _q("sku", text_q), _q("terminal", text_q)],
                )
            },
            "/v1/transfers/incoming": {
                "get": _op(
                    "Transfers shipped to a store with units still in transit (its terminals "
                    "keep them to receive them offline)",
                    _json(
                        _obj(
                            ["transfers"], transfers={"type": "array", "items": {"type": "object"}}
                        )
                    ),
                    [_q("store", text_q, required=True)],
                )
            },
            "/v1/asns/open": {
                "get": _op(
                    "The open ASNs of a store with their lines and the scans saved so far (its "
                    "terminals keep them to receive them offline)",
                    _json(_obj(["asns"], asns={"type": "array", "items": {"type": "object"}})),
                    [_q("store", text_q, required=True)],
                )
            },
            "/v1/transfers/sent": {
                "get": _op(
                    "Central's copy of transfers shipped from a store, by number (at most 100), "
                    "and the last one holding each serial (at most 100): the sending store's "
                    "terminals follow their receipt and their units' state; with 'after' (a "
                    "feed number), 'away': central's state of the units shipped from the store "
                    "that moved at another store since ('units', 'next', 'more'), and of the "
                    "units named by 'follow' (at most 100) that moved there",
                    _json(
                        _obj(
                            ["transfers"],
                            transfers={"type": "array", "items": {"type": "object"}},
                            away=_obj(
                                ["units", "next", "more"],
                                units={"type": "array", "items": {"type": "object"}},
                                next=_INT,
                                more={"type": "boolean"},
                            ),
                        )
                    ),
                    [
                        _q("store", text_q, required=True),
                        _q("number", {"type": "array", "items": text_q}),
                        _q("serial", {"type": "array", "items": text_q}),
                        _q("after", {"type": "integer", "minimum": 0}),
                        _q("follow", {"type": "array", "items": text_q}),
                    ],
                )
            },
        },
    }
