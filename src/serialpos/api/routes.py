"""The request-response routes of ``/v1``: lookups, the product feed, stock, orders, the
sales detail report and the event feed. Each parses its input, checks the token and calls
the services; a store terminal's token reads its own store only (services/store_scope.py).
The services block on the database: a route without a body is a plain ``def`` that
Starlette runs in a worker thread (one thread hop per request); a route that reads a body
is ``async`` and hands each service call to a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from serialpos.api import present
from serialpos.api.auth import actor_now, actor_of, bearer_of
from serialpos.api.body import json_body, refuse_unknown_keys
from serialpos.api.problems import problem
from serialpos.domain.errors import BadRequest
from serialpos.domain.text import has_control_chars
from serialpos.domain.users import Permission
from serialpos.services import (
    apply_ids,
    exports,
    feed,
    lookup,
    orders,
    product_import,
    products,
    reports,
    stock,
    store_scope,
)
from serialpos.services.apply import home_store
from serialpos.services.report_filter import ReportFilter
from serialpos.services.serial_search import MAX_SEARCH_LIMIT, search_serials

T = TypeVar("T")
MAX_LIST = 1000


async def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await run_in_threadpool(fn, *args, **kwargs)


def _int(request: Request, key: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(key)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"'{key}' must be a whole number from {low} to {high}")
    return int(raw)


def _checked(key: str, value: str) -> str:
    # PostgreSQL cannot even compare text holding NUL: refuse it here, as apply does.
    if len(value) > 200:
        raise BadRequest(f"'{key}' is longer than 200 characters")
    if has_control_chars(value):
        raise BadRequest(f"'{key}' contains control characters")
    return value


def _text(request: Request, key: str) -> str | None:
    value = request.query_params.get(key)
    return _checked(key, value) if value else None


def _flag(request: Request, key: str) -> bool:
    """A yes/no query parameter: ``true``/``1`` or ``false``/``0`` (absent: false)."""
    value = (_text(request, key) or "false").lower()
    if value not in ("true", "1", "false", "0"):
        raise BadRequest(f"'{key}' must be true or false")
    return value in ("true", "1")


def _path(request: Request, key: str) -> str:
    return _checked(key, request.path_params[key])


def _date(request: Request, key: str) -> date | None:
    raw = _text(request, key)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"'{key}' must be a date as YYYY-MM-DD") from None


def _reader(request: Request) -> store_scope.Reader:
    """The token's actor and its store terminal's store, read in one transaction."""
    return store_scope.reader(request.app.state.db, bearer_of(request))


# -- apply status -----------------------------------------------------------------------
def apply_status(request: Request) -> Response:
    who = _reader(request)
    ids = request.query_params.getlist("id")
    if not 1 <= len(ids) <= MAX_LIST:
        raise BadRequest(f"give 1 to {MAX_LIST} ids as ?id=...&id=...")
    found = apply_ids.status(request.app.state.db, ids)
    store_scope.require_own_lines(request.app.state.db, who, found)
    return JSONResponse({"ids": found})


# -- serials ------------------------------------------------------------------------------
def serial_card(request: Request) -> Response:
    who = _reader(request)
    db = request.app.state.db
    serial = _path(request, "serial")
    found = lookup.lookup_serial(db, serial, _text(request, "sku"))
    cards = store_scope.own_units(who, serial, found)
    if not cards:
        home = None if who.home is None else who.home[1]
        hint = lookup.case_hint(db, serial, _text(request, "sku"), home)
        return problem(
            "unknown_serial",
            f"no unit has the serial '{serial[:64]}' (serials are case-sensitive)"
            + (f": {hint}" if hint else ""),
        )
    units = []
    for c in cards:
        customer = None
        if c.sale is not None:
            view = orders.get_order(db, c.sale.order)
            customer = view.customer.name if view.customer is not None else None
        units.append(present.card(c, customer))
    return JSONResponse({"serial": cards[0].serial, "units": units})


def serial_search(request: Request) -> Response:
    who = _reader(request)
    prefix = _text(request, "prefix")
    if not prefix:
        raise BadRequest("give ?prefix= (the start of the serial)")
    limit = _int(request, "limit", lookup.MAX_MATCHES, 1, MAX_SEARCH_LIMIT)
    db = request.app.state.db
    store = store_scope.store_to_read(who, None, "the units")
    result = search_serials(db, prefix, limit, store)
    return JSONResponse(
        {
            "prefix": result.prefix,
            "limit": result.limit,
            "truncated": result.truncated,
            "matches": [present.match(m) for m in result.matches],
        }
    )


# -- products -----------------------------------------------------------------------------
def product_list(request: Request) -> Response:
    actor_now(request)
    limit = _int(request, "limit", products.SEARCH_LIMIT, 1, MAX_LIST)
    found = products.search_products(request.app.state.db, _text(request, "q") or "", limit)
    return JSONResponse({"products": [present.product(p) for p in found]})


def product_one(request: Request) -> Response:
    actor_now(request)
    found = products.get_product(request.app.state.db, _path(request, "sku"))
    return JSONResponse(present.product(found))


async def product_upload(request: Request) -> Response:
    """A product feed or mass-upload CSV: all of it, or nothing with every bad row listed."""
    actor = await actor_of(request)
    body = await request.body()
    force = _flag(request, "force_format")
    report = await _call(
        lambda: product_import.import_products_bytes(
            request.app.state.db, actor, body, force_format=force
        )
    )
    return JSONResponse(
        {
            "format": report.format,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "warnings": list(report.warnings),
        }
    )


# -- stock --------------------------------------------------------------------------------
def stock_levels(request: Request) -> Response:
    who = _reader(request)
    db = request.app.state.db
    store = store_scope.store_to_read(who, _text(request, "store"), "the stock")
    lines = stock.stock_levels(db, store, _text(request, "sku"))
    return JSONResponse({"stock": [present.stock_line(s) for s in lines]})


# -- orders -------------------------------------------------------------------------------
def order_one(request: Request) -> Response:
    who = _reader(request)
    view = orders.get_order(request.app.state.db, _path(request, "order"))
    store_scope.require_own(who, view.store, f"order {view.order}")
    return JSONResponse(present.order(view))


async def order_line_serial(request: Request) -> Response:
    """Record, change or (``"serial": null``) remove a line's serial before fulfilment."""
    actor = await actor_of(request)
    raw_line = request.path_params["line"]
    if not raw_line.isdigit() or len(raw_line) > 18:
        raise BadRequest("the line is its id, a whole number (see GET /v1/orders/{order})")
    body = await json_body(request)
    if not isinstance(body, dict) or "serial" not in body:
        raise BadRequest("the body is an object with 'serial' (text, or null to remove it)")
    refuse_unknown_keys(body, {"serial"})
    serial = body["serial"]
    if serial is not None and not isinstance(serial, str):
        raise BadRequest("'serial' must be text or null")
    order = _path(request, "order")
    # The route form of apply's order_set_serial: a till's token, its own store's orders only.
    line = {"op": "order_set_serial", "order": order}
    await _call(home_store.check_token_line, request.app.state.db, actor, line)
    view = await _call(
        orders.set_serial, request.app.state.db, actor, order, int(raw_line), serial or None
    )
    return JSONResponse(present.order(view))


# -- reports ------------------------------------------------------------------------------
async def sales_detail(request: Request) -> Response:
    db = request.app.state.db
    who = await _call(store_scope.reader, db, bearer_of(request))
    who.actor.require(Permission.REPORTS)
    f = ReportFilter(
        date_from=_date(request, "from"),
        date_to=_date(request, "to"),
        store=store_scope.store_to_read(who, _text(request, "store"), "the sales"),
        sku=_text(request, "sku"),
        serial=_text(request, "serial"),
    )
    rows = await _call(reports.sales_detail_rows, db, f)  # the filter is checked here
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/csv" not in accept:

        def as_json() -> list[dict[str, Any]]:
            keys = reports.SALES_JSON_KEYS
            return [dict(zip(keys, map(exports.json_value, row), strict=True)) for row in rows]

        return JSONResponse({"rows": await _call(as_json)})
    chunks = exports.csv_chunks(reports.SALES_DETAIL_COLUMNS, rows)
    return StreamingResponse(
        iterate_in_threadpool(chunks),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="sales-detail.csv"'},
    )


# -- event feed ---------------------------------------------------------------------------
def events(request: Request) -> Response:
    """``GET /v1/events?after=&limit=[&store=][&terminal=][&entry=]``: a store terminal's
    token reads its own store's events only (services/feed.py ``store_of_reader``);
    ``terminal``, the id of the till reading, refuses another till's token
    (``other_terminal``); ``entry``, a journal entry id of the till, is answered with
    ``entry_held``: whether central holds it (terminal/central_behind.py)."""
    bearer = bearer_of(request)  # checked in the page's own read transaction
    try:
        after = _int(request, "after", 0, 0, 2**62)
        limit = _int(request, "limit", feed.DEFAULT_PAGE, 1, feed.MAX_PAGE)
        asked = request.query_params.get("store") or None
        if asked is not None and (len(asked) > 16 or has_control_chars(asked)):
            raise BadRequest("'store' must be a store code")
        reader = request.query_params.get("terminal") or None
        if reader is not None and (len(reader) > 64 or has_control_chars(reader)):
            raise BadRequest("'terminal' must be a terminal id (at most 64 characters)")
        entry = request.query_params.get("entry") or None
        if entry is not None and (len(entry) > 128 or has_control_chars(entry)):
            raise BadRequest("'entry' must be a journal entry id (at most 128 characters)")
    except BadRequest:
        bearer.actor()  # a refused token is said first, as on every route
        raise
    page = feed.events_for(request.app.state.db, bearer, after, limit, asked, reader, entry)
    body: dict[str, Any] = {
        "events": [e.to_json() for e in page.events],
        "next": page.next,
        "last": page.last,
    }
    if entry is not None:
        body["entry_held"] = page.entry_held
    return JSONResponse(body)
