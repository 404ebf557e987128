"""Routes whose query parameters are checked against the OpenAPI document before the
endpoint runs (domain/query_params.py says why): a route is declared once in app.py and its
parameters once in openapi_ledger.py/openapi_sync.py; the allowed names are read from there."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from serialpos.api.openapi import document
from serialpos.domain.query_params import QueryNames


def query_names(path: str, method: str) -> QueryNames | None:
    """The query names the document gives ``method`` on ``path`` (a Starlette path:
    ``{serial:path}`` is ``{serial}`` there), or None for a route it does not describe."""
    template = "/".join(p.split(":")[0] + "}" if ":" in p else p for p in path.split("/"))
    operation = document()["paths"].get(template, {}).get(method.lower())
    if operation is None:
        return None
    params = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    many = frozenset(p["name"] for p in params if p["schema"].get("type") == "array")
    one = frozenset(p["name"] for p in params) - many
    return QueryNames(one, many)


def route(path: str, endpoint: Callable[..., Any], method: str) -> Route:
    """``Route(path, endpoint, methods=[method])``, the endpoint refusing a query parameter
    the document does not give it (an endpoint that is not a plain function, such as
    ``/v1/apply``'s ASGI app, or a route the document does not list, is left as it is)."""
    names = query_names(path, method)
    if names is None or not inspect.isfunction(endpoint):
        return Route(path, endpoint, methods=[method])
    checked: Callable[[Request], Any]
    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def checked_async(request: Request) -> Response:
            names.check(k for k, _ in request.query_params.multi_items())
            return await endpoint(request)  # type: ignore[no-any-return]

        checked = checked_async
    else:

        @functools.wraps(endpoint)
        def checked_sync(request: Request) -> Response:
            names.check(k for k, _ in request.query_params.multi_items())
            return endpoint(request)  # type: ignore[no-any-return]

        checked = checked_sync
    return Route(path, checked, methods=[method])
