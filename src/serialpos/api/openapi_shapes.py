"""The JSON shapes of ``/v1`` answers, and the builders the OpenAPI paths are written with.

The shapes are kept apart from the paths so each answer is described once and reused by every
route that returns it (a lease reads the same whether just taken or listed later)."""

from __future__ import annotations

from typing import Any

NULL_TEXT: dict[str, Any] = {"type": ["string", "null"]}
TEXT: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
# A text query parameter, at most 200 characters.
SHORT_TEXT: dict[str, Any] = {"type": "string", "maxLength": 200}


def obj(required: list[str], **props: Any) -> dict[str, Any]:
    """An object with these properties, of which ``required`` must be present."""
    return {"type": "object", "required": required, "properties": props}


PROBLEM = obj(
    ["type", "title", "status", "detail", "code"],
    type=TEXT,
    title=TEXT,
    status=INT,
    detail=TEXT,
    code=TEXT,
    problems={
        "type": "array",
        "items": obj(
            ["row", "column", "reason"],
            row={"type": ["integer", "null"]},
            column=NULL_TEXT,
            reason=TEXT,
        ),
    },
)

TIMELINE = obj(
    ["at", "what", "user", "terminal", "store", "document", "reason"],
    at=TEXT,
    what=TEXT,
    user=TEXT,
    terminal=TEXT,
    store=TEXT,
    document=NULL_TEXT,
    reason=NULL_TEXT,
)
WARRANTY = {
    "type": ["object", "null"],
    "properties": {
        "state": TEXT,
        "words": TEXT,
        "months": {"type": ["integer", "null"]},
        "sold_on": NULL_TEXT,
        "ends_on": NULL_TEXT,
        "days_left": {"type": ["integer", "null"]},
    },
}
UNIT = obj(
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
    serial=TEXT,
    sku=TEXT,
    product=TEXT,
    state=TEXT,
    store=TEXT,
    package=NULL_TEXT,
    order=NULL_TEXT,
    order_line={"type": ["integer", "null"]},
    invoice=NULL_TEXT,
    customer=NULL_TEXT,
    warranty=WARRANTY,
    timeline={"type": "array", "items": TIMELINE},
)
CARD = obj(["serial", "units"], serial=TEXT, units={"type": "array", "items": UNIT})
MATCH = obj(
    ["serial", "sku", "product", "state", "store"],
    serial=TEXT,
    sku=TEXT,
    product=TEXT,
    state=TEXT,
    store=TEXT,
    order=NULL_TEXT,
    invoice=NULL_TEXT,
    sold_at=NULL_TEXT,
    customer=NULL_TEXT,
)
SEARCH = obj(
    ["prefix", "limit", "truncated", "matches"],
    prefix=TEXT,
    limit=INT,
    truncated={"type": "boolean"},
    matches={"type": "array", "items": MATCH},
)
PRODUCT = obj(
    ["sku", "name", "price", "serial_mode"],
    sku=TEXT,
    name=TEXT,
    price=TEXT,
    serial_mode={"enum": ["required", "optional", "disabled"]},
    serial_format=NULL_TEXT,
    barcodes={"type": "array", "items": TEXT},
    tax_rate=NULL_TEXT,
    warranty_months={"type": ["integer", "null"]},
    bin=NULL_TEXT,
    package_type=NULL_TEXT,
    components={"type": "array", "items": obj(["sku", "quantity"], sku=TEXT, quantity=INT)},
)
IMPORT = obj(
    ["format", "rows", "created", "updated", "unchanged", "warnings"],
    format=TEXT,
    rows=INT,
    created=INT,
    updated=INT,
    unchanged=INT,
    warnings={"type": "array", "items": TEXT},
)
STOCK = obj(
    ["stock"],
    stock={
        "type": "array",
        "items": obj(
            ["store", "sku", "product", "serial_mode", "quantity", "units_in_stock"],
            store=TEXT,
            sku=TEXT,
            product=TEXT,
            serial_mode=TEXT,
            quantity=INT,
            units_in_stock=INT,
        ),
    },
)
ORDER_LINE = obj(
    ["line", "number", "sku", "quantity", "serial", "status"],
    line=INT,
    number=INT,
    sku=TEXT,
    name=TEXT,
    quantity=INT,
    unit_price=TEXT,
    total=TEXT,
    serial_mode=TEXT,
    serial=NULL_TEXT,
    status=TEXT,
    invoice=NULL_TEXT,
)
ORDER_PAYMENT = obj(
    ["kind", "method", "amount", "at"],
    kind=TEXT,  # payment, change (negative) or refund (negative)
    method=TEXT,
    amount=TEXT,
    at=TEXT,
    invoice=NULL_TEXT,
)
ORDER_METHOD = obj(
    ["method", "payments", "change", "refunds", "net"],
    method=TEXT,
    payments=TEXT,
    change=TEXT,
    refunds=TEXT,
    net=TEXT,
)
ORDER = obj(
    ["order", "store", "type", "delivery", "status", "customer", "total", "paid", "lines"],
    order=TEXT,
    store=TEXT,
    type=TEXT,
    delivery=TEXT,
    status=TEXT,
    customer={"type": ["object", "null"]},
    total=TEXT,
    paid=TEXT,
    due=TEXT,
    invoices={"type": "array", "items": TEXT},
    payments={"type": "array", "items": ORDER_PAYMENT},
    by_method={"type": "array", "items": ORDER_METHOD},
    created_by=TEXT,
    created_at=TEXT,
    lines={"type": "array", "items": ORDER_LINE},
)
EVENT = obj(
    ["seq", "serial", "sku", "store", "from", "to", "at", "document", "action", "quantity"],
    seq=INT,
    serial=NULL_TEXT,
    sku=TEXT,
    store=TEXT,
    at=TEXT,
    document={"type": ["object", "null"]},
    action=TEXT,
    quantity=INT,
    user=TEXT,
    terminal=TEXT,
    reason=NULL_TEXT,
    to_store=NULL_TEXT,
    event=INT,
    **{"from": NULL_TEXT, "to": NULL_TEXT},
)
EVENTS = obj(
    ["events", "next", "last"],
    events={"type": "array", "items": EVENT},
    next=INT,
    last=INT,
    # asked with ``entry``: whether central holds that journal entry of the reading till
    entry_held={"type": "boolean"},
)
LEASE = obj(
    ["serial", "sku", "store", "terminal", "expires_at"],
    serial=TEXT,
    sku=TEXT,
    store=TEXT,
    terminal=TEXT,
    taken_by=TEXT,
    taken_at=TEXT,
    expires_at=TEXT,
)
LEASES = obj(["leases"], leases={"type": "array", "items": LEASE})
LEASE_TAKEN = obj(
    ["terminal", "store", "taken", "short", "leases"],
    terminal=TEXT,
    store=TEXT,
    taken=INT,
    short=INT,
    leases={"type": "array", "items": LEASE},
)
RELEASED = obj(["released", "serials"], released=INT, serials={"type": "array", "items": TEXT})
STATUS = obj(
    ["ids"],
    ids={
        "type": "array",
        "items": obj(["id", "status"], status={"enum": ["applied", "not_applied", "bad_request"]}),
    },
)
VERDICT = obj(
    ["ok"],
    ok={"type": "boolean"},
    line=INT,
    error=TEXT,
    message=TEXT,
    replayed={"type": "boolean"},
)


def answer(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    """A JSON answer of this shape."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def operation(
    summary: str,
    ok: dict[str, Any],
    params: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    public: bool = False,
) -> dict[str, Any]:
    """One operation; every one may also answer a problem. ``public``: no token needed."""
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


def query(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    """A query parameter."""
    return {"name": name, "in": "query", "required": required, "schema": schema}


def path_param(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """A path parameter (text unless said otherwise)."""
    return {"name": name, "in": "path", "required": True, "schema": schema or TEXT}
