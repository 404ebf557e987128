"""RFC 9457 problem details: every error the API answers, with the same codes as ``apply``.

The HTTP status is chosen from the code: a request the API cannot read is 400, an unknown
thing 404, a token problem 401, a role that may not 403, and a rule of the ledger that
refuses (a unit already sold, an order closed) 409. A body never carries a traceback.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from serialpos.domain.errors import DomainError

MEDIA_TYPE = "application/problem+json"

_BY_CODE = {
    "bad_request": 400,
    "bad_value": 400,
    "bad_serial_format": 400,
    "bad_file": 400,
    "unauthorized": 401,
    "token_expired": 401,
    "token_revoked": 401,
    "user_disabled": 401,
    "permission_denied": 403,
    "not_found": 404,
    "unknown_serial": 404,
    "method_not_allowed": 405,
    "not_acceptable": 406,
    "request_timeout": 408,
    "body_too_large": 413,
    "unsupported_media_type": 415,
    "internal_error": 500,
    "database_error": 503,
}

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    408: "Request timeout",
    409: "Refused",
    413: "Body too large",
    415: "Unsupported media type",
    500: "Internal error",
    503: "Database unavailable",
}


def status_for(code: str) -> int:
    if code in _BY_CODE:
        return _BY_CODE[code]
    if code.startswith("unknown_"):
        return 404
    return 409  # a rule of the ledger refused it


def problem_body(code: str, detail: str, status: int | None = None, **extra: Any) -> dict[str, Any]:
    status = status or status_for(code)
    return {
        "type": f"urn:serialpos:problem:{code}",
        "title": _TITLES.get(status, "Refused"),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }


def problem(
    code: str,
    detail: str,
    status: int | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = problem_body(code, detail, status, **extra)
    return JSONResponse(body, status_code=body["status"], media_type=MEDIA_TYPE, headers=headers)


def from_error(exc: DomainError) -> JSONResponse:
    """The answer to a service's refusal; a product upload's every bad row is listed."""
    extra: dict[str, Any] = {}
    problems = getattr(exc, "problems", None)
    if problems is not None:
        extra["problems"] = [
            {"row": p.row, "column": p.column, "reason": p.reason} for p in problems
        ]
    headers = (
        {"WWW-Authenticate": 'Bearer realm="serialpos"'} if status_for(exc.code) == 401 else None
    )
    return problem(exc.code, exc.message, headers=headers, **extra)
