"""Reading a request's JSON body the way ``apply`` reads a line (domain/json_text.py): a key
given twice, a number too long to be one, nesting too deep or a lone surrogate is refused
with ``bad_request`` naming the problem. Python's ``json.loads`` would keep the last of two
``"serial"`` keys silently, so a body a host's library reads one way would be stored another
way; every route that reads a body reads it here."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from serialpos.domain.errors import BadRequest
from serialpos.domain.json_text import JsonRefused, loads


def parse(raw: bytes) -> Any:
    """The body's value; :class:`BadRequest` naming why it is refused. The text encoding is
    found as ``json.loads`` finds it for bytes (UTF-8, with or without a BOM, or UTF-16/32)."""
    try:
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    except UnicodeDecodeError:
        raise BadRequest("the body is not valid JSON: it is not UTF-8 text") from None
    try:
        return loads(text)
    except JsonRefused as exc:
        where = f" at line {exc.line} column {exc.column}" if exc.line is not None else ""
        raise BadRequest(f"the body is not valid JSON: {exc.reason}{where}") from None


async def json_body(request: Request) -> Any:
    """The request's body, read whole and parsed by :func:`parse`."""
    return parse(await request.body())


def refuse_unknown_keys(body: dict[str, Any], allowed: set[str]) -> None:
    """A key the route does not know is refused, not ignored: a misspelt ``"serail"`` would
    otherwise leave the line unchanged and answer 200."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(f"unknown key '{unknown[0][:40]}' in the body")
