"""Who a request acts as: its bearer token's user, checked on every request (no cache, so a
revoked token is refused at once). A route whose work is one transaction may take the token
unchecked (:func:`bearer_of`) and have the service check it inside that transaction."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from serialpos.services import tokens
from serialpos.services.context import Actor


async def actor_of(request: Request) -> Actor:
    """The actor of ``Authorization: Bearer <token>``; ``unauthorized`` (401) otherwise."""
    return await run_in_threadpool(actor_now, request)


def actor_now(request: Request) -> Actor:
    """:func:`actor_of` for a route that already runs in a worker thread (a plain ``def``
    route: one thread hop per request, not one per service call)."""
    return bearer_of(request).actor()


def bearer_of(request: Request) -> tokens.Bearer:
    """The request's bearer token, not yet read from the database (a missing or malformed
    header is refused here); the service checks it (``tokens.Bearer``)."""
    header = request.headers.get("authorization")
    if header is None:
        raise tokens.Unauthorized(
            "this route needs a token: send 'Authorization: Bearer "
            "<token>' (serialpos token create USER)"
        )
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise tokens.Unauthorized("the Authorization header must be 'Bearer <token>'")
    return tokens.Bearer(request.app.state.db, token.strip())
