"""The Starlette application of ``serialpos serve``: routes, limits and error answers.

Starlette rather than FastAPI: the API's bodies are JSON Lines and CSV streamed both ways,
and every check on them is already the services' (with ``apply``'s codes), so FastAPI's
request models would be a second, diverging validation whose errors would have to be
rewritten as problem+json anyway. Starlette adds about 0.05 s to start-up where FastAPI adds
about 0.25 s (measured after the services are imported); the OpenAPI document is written by
hand (api/openapi.py) and checked against the running server by schemathesis.

Every error is RFC 9457 problem+json (api/problems.py); an unexpected exception is logged
with its traceback and answered 500 with no detail of it.
"""

from __future__ import annotations

import gc
import html
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from serialpos.api import lease_routes, openapi, routes, sync_routes
from serialpos.api.apply_route import ApplyEndpoint
from serialpos.api.guard import BodyGuard, BodyTimeout, BodyTooLarge, Limits
from serialpos.api.lanes import Lanes
from serialpos.api.problems import from_error, problem
from serialpos.api.query_check import route
from serialpos.domain.errors import DomainError
from serialpos.services.session import STORAGE_ERRORS, Database, open_database

# What a store terminal's push uses that the services import only when first called (to
# break import cycles): imported with the app, so that a worker's first push does not pay
# for it (its set-based sales, and the cashier's read behind every push: the user tables'
# SQLModel classes are built at import): about 16 ms of CPU per worker, which the scale
# bench counted as central's cost per entry and a first online sale waited for.
from serialpos.services import entry_sells, users  # noqa: F401  isort: skip

log = logging.getLogger(__name__)

#: Environment variables ``serialpos serve`` hands to its worker processes.
ENV_DB = "SERIALPOS_DB"
ENV_MAX_BODY = "SERIALPOS_API_MAX_BODY"
ENV_BODY_TIMEOUT = "SERIALPOS_API_BODY_TIMEOUT"
ENV_THREADS = "SERIALPOS_API_THREADS"

#: Worker threads per process (``serve --threads``), and database connections kept open:
#: one each. Starlette's default is anyio's 40 threads, which on a small machine only take
#: turns at the GIL while the database pool (5 kept) opened and closed connections for them.
DEFAULT_THREADS = 8


async def _openapi(request: Request) -> Response:
    return JSONResponse(openapi.document())


async def _docs(request: Request) -> Response:
    """A plain page listing the routes (no script from the Internet: tills are offline)."""
    doc = openapi.document()
    items = "".join(
        f"<li><code>{html.escape(method.upper())} {html.escape(path)}</code> — "
        f"{html.escape(op.get('summary', ''))}</li>"
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    )
    return HTMLResponse(
        f"<!doctype html><title>serialpos API</title><h1>serialpos API "
        f"{html.escape(doc['info']['version'])}</h1><p>The OpenAPI document: "
        f"<a href='/v1/openapi.json'>/v1/openapi.json</a>. Every other route "
        f"needs <code>Authorization: Bearer &lt;token&gt;</code>.</p>"
        f"<ul>{items}</ul>"
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return problem("not_found", f"there is no route {request.url.path[:200]}")
    if exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        return problem(
            "method_not_allowed",
            f"{request.method[:16]} is not allowed here; use {allow}",
            headers={"Allow": allow},
        )
    return problem("bad_request", str(exc.detail)[:300], status=exc.status_code)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return from_error(exc)


async def _body(request: Request, exc: Exception) -> Response:
    code = "body_too_large" if isinstance(exc, BodyTooLarge) else "request_timeout"
    return problem(code, str(exc), headers={"Connection": "close"})


async def _storage(request: Request, exc: Exception) -> Response:
    log.warning("database error on %s %s: %s", request.method, request.url.path, exc)
    return problem(
        "database_error", "the database could not be used; try again", headers={"Retry-After": "1"}
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem("internal_error", "an unexpected error; it was logged on the server")


ROUTES = [
    route("/v1/openapi.json", _openapi, "GET"),
    route("/v1/docs", _docs, "GET"),
    Route("/v1/apply", ApplyEndpoint(), methods=["POST"]),
    route("/v1/apply/status", routes.apply_status, "GET"),
    route("/v1/serials", routes.serial_search, "GET"),
    route("/v1/serials/{serial:path}", routes.serial_card, "GET"),
    route("/v1/products", routes.product_list, "GET"),
    route("/v1/products", routes.product_upload, "PUT"),
    route("/v1/products/{sku:path}", routes.product_one, "GET"),
    route("/v1/stock", routes.stock_levels, "GET"),
    route("/v1/orders/{order}", routes.order_one, "GET"),
    route("/v1/orders/{order}/lines/{line}/serial", routes.order_line_serial, "PUT"),
    route("/v1/reports/sales-detail", routes.sales_detail, "GET"),
    route("/v1/events", routes.events, "GET"),
    route("/v1/snapshot", sync_routes.snapshot_route, "GET"),
    route("/v1/conflicts", sync_routes.conflict_list, "GET"),
    route("/v1/conflicts", sync_routes.conflict_record_again, "POST"),
    route("/v1/conflicts/{conflict}/resolve", sync_routes.conflict_resolve, "POST"),
    route("/v1/leases", lease_routes.lease_take, "POST"),
    route("/v1/leases", lease_routes.lease_list, "GET"),
    route("/v1/leases", lease_routes.lease_release_all, "DELETE"),
    route("/v1/leases/{serial:path}", lease_routes.lease_release, "DELETE"),
    route("/v1/transfers/incoming", sync_routes.incoming_transfers, "GET"),
    route("/v1/asns/open", sync_routes.open_asns, "GET"),
    route("/v1/customers", sync_routes.customers_changed, "GET"),
    route("/v1/transfers/sent", sync_routes.sent_transfers, "GET"),
    route("/v1/units", sync_routes.units, "GET"),
]


def create_app(db: Database, limits: Limits | None = None, threads: int | None = None) -> Starlette:
    """The API on ``db`` (disposed when the application shuts down); ``threads``: the worker
    threads the routes' blocking work runs on (anyio's default, 40, when None): give ``db``
    a pool of as many connections (session.open_database)."""
    handlers = {
        HTTPException: _http_error,
        DomainError: _refused,
        BodyTooLarge: _body,
        BodyTimeout: _body,
        Exception: _unexpected,
    }
    handlers.update({kind: _storage for kind in STORAGE_ERRORS})

    lanes = Lanes(threads)  # an online sale's apply before everything else (api/lanes.py)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if threads is not None:
            # Starlette's run_in_threadpool takes anyio's default limiter: requests beyond
            # it wait in the event loop, holding no thread and no connection. Online pushes
            # have threads of their own beside it.
            shared = anyio.to_thread.current_default_thread_limiter()
            shared.total_tokens = lanes.shared_threads
        yield
        db.dispose()

    app = Starlette(
        routes=ROUTES,
        exception_handlers=handlers,  # type: ignore[arg-type]
        middleware=[Middleware(BodyGuard, limits=limits or Limits())],
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.lanes = lanes
    return app


def app_from_env() -> Starlette:
    """The factory uvicorn calls in each worker: the settings come from the environment
    that ``serialpos serve`` set."""
    threads = int(os.environ.get(ENV_THREADS, DEFAULT_THREADS))
    db = open_database(os.environ[ENV_DB], pool_size=threads)
    limits = Limits(
        max_body=int(os.environ.get(ENV_MAX_BODY, Limits.max_body)),
        body_timeout=float(os.environ.get(ENV_BODY_TIMEOUT, Limits.body_timeout)),
    )
    app = create_app(db, limits, threads)
    _collect_less()
    return app


#: Allocations between two young-generation collections in a worker (Python's default: 700).
WORKER_GC_THRESHOLD = 10_000


def _collect_less() -> None:
    """A worker's cyclic garbage collector told what serving looks like: everything imported
    and built at start-up (modules, tables, compiled statements: some 140,000 objects) lives
    as long as the worker, so it is frozen out of the collections (``gc.freeze``): every full
    collection walked it again (about 60 ms each); and a request's objects are freed by their
    reference counts as it ends, so young collections run every 10,000 allocations instead
    of 700. At 100 terminals the collector had taken about 5% of serve's CPU
    (bench/README.md). Only in the workers ``serialpos serve`` starts: tests, the console
    and the CLI keep Python's defaults."""
    gc.collect()
    gc.freeze()
    _young, *older = gc.get_threshold()
    gc.set_threshold(WORKER_GC_THRESHOLD, *older)
