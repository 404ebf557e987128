"""Routes of the store terminals' sync (issue 16): the snapshot a terminal starts from and
the conflicts managers resolve. Pushes use ``POST /v1/apply`` and pulls ``GET /v1/events``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from serialpos.api.auth import actor_now
from serialpos.domain.errors import BadRequest
from serialpos.domain.users import Permission
from serialpos.services import conflicts, snapshot


def _required(request: Request, key: str) -> str:
    value = request.query_params.get(key)
    if not value:
        raise BadRequest(f"'{key}' is missing")
    return value


def snapshot_route(request: Request) -> Response:
    """``GET /v1/snapshot?store=S01&terminal=ID``: what a new store terminal starts from."""
    actor = actor_now(request)
    return JSONResponse(snapshot.take(request.app.state.db, actor, _required(request, "store"),
                                      _required(request, "terminal")))


def conflict_list(request: Request) -> Response:
    """``GET /v1/conflicts[?status=open|resolved&store=]``: a manager's list."""
    actor = actor_now(request)
    actor.require(Permission.ADJUST)
    found = conflicts.list_conflicts(request.app.state.db,
                                     status=request.query_params.get("status") or None,
                                     store=request.query_params.get("store") or None)
    return JSONResponse({"conflicts": found})
