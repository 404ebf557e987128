"""``POST /v1/apply``: JSON Lines in, one verdict per line out, both streamed.

A raw ASGI endpoint rather than a ``StreamingResponse``: the request body is still being read
while verdicts go out, and Starlette's streaming response would meanwhile consume the body's
messages waiting for a disconnect. Each line is applied by services/apply/dispatch.py in a
worker thread, in input order, each its own transaction (a store terminal's journal entries
that arrive together are applied in batches, each entry still whole or not at all:
services/entry_lines.py; the token is checked inside the first of those transactions, so a
terminal's push is one transaction in all); a client that goes away mid-stream leaves every
line it was answered for applied, the line in flight applied whole or not at all, and the
rest unread.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from serialpos.api.auth import bearer_of
from serialpos.api.body import parse
from serialpos.api.guard import BODY_STATE, BodyTimeout, BodyTooLarge
from serialpos.api.lanes import ONLINE_LINES, Lanes
from serialpos.api.problems import from_error, problem
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.services import entry_lines, tokens
from serialpos.services.apply import dispatch as apply_service

log = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"
_LINE_TYPES = {NDJSON, "application/jsonl", "application/x-jsonlines", "application/json-seq"}


class _BodyLines:
    """The body's lines without their breaks (None for a line over the apply limit), as the
    bytes arrive; never more than one line held. ``complete`` once the body is all in."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.complete = False

    async def groups(self) -> AsyncIterator[list[bytes | None]]:
        """The lines that arrived together (one body chunk's worth), in order."""
        limit = apply_service.MAX_LINE_BYTES
        pending = bytearray()
        skipping = False
        async for chunk in self.request.stream():
            pending += chunk
            group: list[bytes | None] = []
            while True:
                cut = pending.find(b"\n")
                if cut < 0:
                    break
                line = bytes(pending[:cut]).removesuffix(b"\r")
                del pending[: cut + 1]
                if skipping:
                    skipping = False
                    group.append(None)
                else:
                    group.append(None if len(line) > limit else line)
            if len(pending) > limit + 1:
                pending.clear()
                skipping = True
            if group:
                yield group
        self.complete = True
        if skipping:
            yield [None]
        elif pending.strip():
            yield [bytes(pending).removesuffix(b"\r")]


class _JsonLines:
    """An ``application/json`` body (one object, or an array of them, read already) as
    lines."""

    complete = True

    def __init__(self, value: Any) -> None:
        self.items = value if isinstance(value, list) else [value]

    async def groups(self) -> AsyncIterator[list[bytes | None]]:
        yield [json.dumps(item, ensure_ascii=False).encode("utf-8") for item in self.items]


def _refuse_body(exc: BodyTooLarge | BodyTimeout) -> JSONResponse:
    code = "body_too_large" if isinstance(exc, BodyTooLarge) else "request_timeout"
    return problem(code, str(exc), headers={"Connection": "close"})


class ApplyEndpoint:
    """The ASGI app of ``POST /v1/apply``."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if request.method != "POST":
            await problem("method_not_allowed", "use POST", headers={"Allow": "POST"})(
                scope, receive, send
            )
            return
        media = request.headers.get("content-type", NDJSON).split(";")[0].strip().lower()
        if media not in _LINE_TYPES and media != "application/json":
            await problem(
                "unsupported_media_type",
                f"send {NDJSON} (one operation per line) or application/json "
                "(one object or an array)",
            )(scope, receive, send)
            return
        try:
            bearer = bearer_of(request)
            if media == "application/json":
                await run_in_threadpool(bearer.actor)  # before the body is read, as ever
        except DomainError as exc:
            await from_error(exc)(scope, receive, send)
            return
        if media != "application/json":
            # The token is checked by the first transaction (services/tokens.py Bearer).
            await self._stream(scope, receive, send, request, bearer, _BodyLines(request))
            return
        try:
            value = parse(await request.body())
        except (BodyTooLarge, BodyTimeout) as exc:
            await _refuse_body(exc)(scope, receive, send)
            return
        except BadRequest as exc:
            await from_error(exc)(scope, receive, send)
            return
        await self._stream(scope, receive, send, request, bearer, _JsonLines(value))

    async def _stream(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        request: Request,
        bearer: tokens.Bearer,
        lines: _BodyLines | _JsonLines,
    ) -> None:
        db = request.app.state.db
        lanes: Lanes = request.app.state.lanes
        lane = None  # decided with the first lines: online or catching up (api/lanes.py)
        started = False

        async def refused() -> bool:
            """Whether the token is refused (answered 401): checked alone when no line has
            checked it yet (an empty body, or one that failed to arrive)."""
            try:
                await run_in_threadpool(bearer.actor)
            except DomainError as exc:
                await from_error(exc)(scope, receive, send)
                return True
            return False

        async def emit(*results: dict[str, Any]) -> None:
            """Send verdicts, one line each, in one body message (a transaction's verdicts
            together: one trip through the middleware and the socket, not one per entry)."""
            nonlocal started
            if not started:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-type", NDJSON.encode())],
                    }
                )
                started = True
            body = b"".join(
                json.dumps(result, ensure_ascii=False).encode("utf-8") + b"\n" for result in results
            )
            await send({"type": "http.response.body", "body": body, "more_body": True})

        line_no = 0
        # Once the body is all in, the next message uvicorn has is the client leaving: watch
        # for it, so that a client gone stops the lines it will never see verdicts for.
        gone: asyncio.Task[Message] | None = None
        try:
            async for group in lines.groups():
                if lane is None:
                    whole = lines.complete or scope.get(BODY_STATE, {}).get("done")
                    small = whole and len(group) <= ONLINE_LINES
                    lane = lanes.online if small else lanes.catch_up
                for first in entry_lines.runs(group, line_no + 1):
                    run: entry_lines.Run | None = first
                    while run is not None:
                        if gone is None and (
                            lines.complete or scope.get(BODY_STATE, {}).get("done")
                        ):
                            gone = asyncio.ensure_future(receive())
                        if gone is not None and gone.done():
                            log.info("apply: the client went away after line %d", line_no)
                            return
                        # A run of a terminal's journal entries is applied a transaction
                        # of them at a time; any other line alone (services/entry_lines.py).
                        try:
                            results, rest = await lane(entry_lines.apply_run, db, bearer, run)
                        except tokens.Unauthorized as exc:
                            if started:  # checked before any verdict went out
                                raise
                            await from_error(exc)(scope, receive, send)
                            return
                        line_no = run.last if rest is None else rest.first - 1
                        run = rest
                        if results:
                            await emit(*results)
        except (BodyTooLarge, BodyTimeout) as exc:
            if not started:
                if not await refused():
                    await _refuse_body(exc)(scope, receive, send)
                return
            code = "body_too_large" if isinstance(exc, BodyTooLarge) else "request_timeout"
            # Verdicts are out already: the last line says why the rest was not read.
            await emit({"ok": False, "line": line_no + 1, "error": code, "message": str(exc)})
        except (ClientDisconnect, OSError):
            log.info("apply: the client went away after line %d", line_no)
            return
        finally:
            if gone is not None and not gone.done():
                gone.cancel()
        if not started:
            if await refused():
                return
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", NDJSON.encode())],
                }
            )
        await send({"type": "http.response.body", "body": b"", "more_body": False})
