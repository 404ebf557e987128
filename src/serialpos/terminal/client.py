"""The HTTP client a store terminal talks to central with: its token, short timeouts, and
one exception for "central cannot be reached" so callers can stay offline calmly."""

from __future__ import annotations

from typing import Any

import httpx

from serialpos.domain.errors import DomainError

#: Seconds to wait for central before treating the link as down.
TIMEOUT = 10.0


class Offline(DomainError):
    """Central did not answer: the entries stay pending, nothing is lost."""

    code = "offline"


class CentralRefused(DomainError):
    """Central answered with a problem (revoked token, wrong store...): its code and words."""


class CentralClient:
    def __init__(
        self,
        server: str,
        token: str,
        *,
        timeout: float = TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self._http = httpx.Client(
            base_url=self.server,
            timeout=timeout,
            transport=transport,
            headers={"Authorization": f"Bearer {token}"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise Offline(
                f"central {self.server} cannot be reached ({type(exc).__name__}); working offline"
            ) from exc
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            code = body.get("code") if isinstance(body, dict) else None
            detail = body.get("detail") if isinstance(body, dict) else None
            if response.status_code >= 500 and code != "database_error":
                raise Offline(f"central {self.server} failed ({response.status_code})")
            raise CentralRefused(
                f"central refused: {detail or response.reason_phrase}",
                code=str(code or f"http_{response.status_code}"),
            )
        return response

    def get_json(self, path: str, **params: Any) -> Any:
        return self._send("GET", path, params=params).json()

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        return self._send("POST", path, json=body).json()

    def delete_json(self, path: str, **params: Any) -> Any:
        return self._send("DELETE", path, params=params).json()

    def post_lines(self, lines: list[str]) -> list[dict[str, Any]]:
        """POST /v1/apply with these exact lines; one verdict per line, in order."""
        body = ("\n".join(lines) + "\n").encode("utf-8")
        response = self._send(
            "POST", "/v1/apply", content=body, headers={"Content-Type": "application/x-ndjson"}
        )
        import json

        return [json.loads(raw) for raw in response.text.splitlines() if raw.strip()]
