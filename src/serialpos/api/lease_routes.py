"""Routes of units leased to store terminals (issue 16, item 5; services/leases.py):
``POST /v1/leases`` takes, ``GET /v1/leases`` lists, ``DELETE /v1/leases[/{serial}]``
releases. A terminal's token acts for its own terminal and store only."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from serialpos.api.auth import actor_now, actor_of
from serialpos.api.body import json_body, refuse_unknown_keys
from serialpos.domain.errors import BadRequest
from serialpos.domain.text import has_control_chars
from serialpos.services import leases


def _param(request: Request, key: str) -> str | None:
    value = request.query_params.get(key) or None
    if value is not None and (len(value) > 64 or has_control_chars(value)):
        raise BadRequest(f"'{key}' must be text of at most 64 characters, no control characters")
    return value


async def lease_take(request: Request) -> Response:
    """``POST /v1/leases`` with ``{"serials": [...]}`` or ``{"sku": "PH1", "count": 3}``,
    and optionally ``minutes`` and ``terminal`` (the token's own)."""
    actor = await actor_of(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("the body is an object with 'serials', or 'sku' and 'count'")
    refuse_unknown_keys(body, {"serials", "sku", "count", "minutes", "terminal"})
    terminal = body.get("terminal")
    if terminal is not None and not isinstance(terminal, str):
        raise BadRequest("'terminal' must be text")
    sku = body.get("sku")
    if sku is not None and not isinstance(sku, str):
        raise BadRequest("'sku' must be text")
    answer = await run_in_threadpool(
        leases.take,
        request.app.state.db,
        actor,
        serials=body.get("serials"),
        sku=sku,
        count=body.get("count"),
        minutes=body.get("minutes"),
        terminal=terminal,
    )
    return JSONResponse(answer)


def lease_list(request: Request) -> Response:
    """``GET /v1/leases[?terminal=]``: the leases in force."""
    actor = actor_now(request)
    found = leases.listed(request.app.state.db, actor, _param(request, "terminal"))
    return JSONResponse({"leases": found})


def lease_release_all(request: Request) -> Response:
    """``DELETE /v1/leases?terminal=``: every lease of the terminal ends."""
    actor = actor_now(request)
    return JSONResponse(
        leases.release(request.app.state.db, actor, terminal=_param(request, "terminal"))
    )


def lease_release(request: Request) -> Response:
    """``DELETE /v1/leases/{serial}[?sku=&terminal=]``: the unit's lease ends."""
    actor = actor_now(request)
    serial = request.path_params["serial"]
    if not serial or len(serial) > 64 or has_control_chars(serial):
        raise BadRequest("the serial must be text of 1 to 64 characters")
    return JSONResponse(
        leases.release(
            request.app.state.db,
            actor,
            serials=[serial],
            sku=_param(request, "sku"),
            terminal=_param(request, "terminal"),
        )
    )
