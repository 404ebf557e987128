"""Limits on what a client may send: the body's size and how long it may take to arrive.

uvicorn closes idle keep-alive connections but waits for a request body for ever, so a client
sending one byte a second would hold a worker slot indefinitely. Reading the body through
:class:`BodyGuard` ends that: no pause longer than ``idle_timeout`` and no body taking longer
than ``body_timeout`` in all (408), and no body larger than ``max_body`` (413, refused from
its Content-Length before any of it is read when it says so).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serialpos.api.problems import problem

MAX_BODY = 8 * 1024 * 1024
BODY_TIMEOUT = 60.0
IDLE_TIMEOUT = 10.0
#: The scope key of the body's reading state (``{"received": bytes, "done": bool}``).
BODY_STATE = "serialpos.body"


@dataclass(frozen=True)
class Limits:
    max_body: int = MAX_BODY
    body_timeout: float = BODY_TIMEOUT
    idle_timeout: float = IDLE_TIMEOUT


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit:,} bytes")


class BodyTimeout(Exception):
    def __init__(self, limits: Limits) -> None:
        super().__init__(
            f"the request body did not arrive in time (at most "
            f"{limits.body_timeout:g} s in all, no pause over "
            f"{limits.idle_timeout:g} s)"
        )


class BodyGuard:
    """ASGI middleware: every ``receive`` of a request body is bounded in size and time."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limits = self.limits
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limits.max_body):
            detail = (
                str(BodyTooLarge(limits.max_body))
                if length.isdigit()
                else "Content-Length is not a number"
            )
            response = problem(
                "body_too_large" if length.isdigit() else "bad_request",
                detail,
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limits.body_timeout
        state = {"received": 0, "done": False}
        scope[BODY_STATE] = state  # "done": the whole body has been received

        async def guarded() -> Message:
            if state["done"]:  # the body is in: what follows is a wait for a disconnect
                return await receive()
            wait = min(limits.idle_timeout, deadline - loop.time())
            try:
                message = await asyncio.wait_for(receive(), timeout=max(wait, 0.001))
            except TimeoutError:
                raise BodyTimeout(limits) from None
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limits.max_body:
                    raise BodyTooLarge(limits.max_body)
                state["done"] = not message.get("more_body", False)
            return message

        await self.app(scope, guarded, send)
