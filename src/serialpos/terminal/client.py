"""The HTTP client a store terminal talks to central with: its token, short timeouts, and
one exception for "central cannot be reached" so callers can stay offline calmly."""

from __future__ import annotations

import ssl
import threading
from typing import TYPE_CHECKING, Any

import httpx

from serialpos.domain.errors import DomainError

if TYPE_CHECKING:
    from serialpos.config import ChainConfig

#: Seconds to wait for central before treating the link as down.
TIMEOUT = 10.0
#: Seconds a kept-alive connection to central may sit idle and still be reused: below
#: serve's own keep-alive (api/server.py ``KEEP_ALIVE``, 5 s), so the client drops an idle
#: connection before central closes it, instead of both at the same moment (the request
#: then meets a closed socket: httpx's ``RemoteProtocolError``).
KEEPALIVE_EXPIRY = 2.0


_TLS_LOCK = threading.Lock()
_TLS: ssl.SSLContext | None = None


def tls_context(server: str) -> ssl.SSLContext:
    """The TLS settings every client of this process verifies central with: httpx's own
    default (certifi's authorities, or ``SSL_CERT_FILE``/``SSL_CERT_DIR`` as the environment
    says when first asked), made once. httpx makes it anew for each client, loading and
    parsing the whole bundle of authorities: 25-60 ms of CPU, paid by every online sale
    (terminal/online.py opens a client per sale) and every sync round before a byte was
    sent, and three quarters of the scale bench's load generator (bench/README.md). An
    ``SSLContext`` is safe to share between threads and clients.

    A central reached over plain ``http://`` (a shop's own network, loopback) is never spoken
    to with TLS (the client follows no redirect), so no bundle is loaded for it: a context
    that trusts no authority at all, which could not verify anyone if it were ever used."""
    global _TLS
    if not server.lower().startswith("https://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, and trusts no one
    with _TLS_LOCK:
        if _TLS is None:
            _TLS = httpx.create_ssl_context()
        return _TLS


class Offline(DomainError):
    """Central did not answer: the entries stay pending, nothing is lost."""

    code = "offline"


#: The codes central answers a route it does not have with: a central older than the route
#: asked for (callers that can do without it go on as before).
ROUTE_MISSING = frozenset({"http_404", "http_405", "not_found", "method_not_allowed"})


#: Central's event feed, which a till reads naming itself (:class:`CentralClient`).
EVENTS = "/v1/events"


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
        terminal: str | None = None,
        store: str | None = None,
    ) -> None:
        """``terminal``: the id of the till this client speaks for, named in every read of
        the event feed, so that central refuses another till's token there
        (``other_terminal``) before the till compares central's feed with its own: read with
        another till's token, the feed is another store's or another till's, and the till
        took it for central restored from an older backup (``central_behind``).
        ``store``: the till's store, asked for in every read of the event feed, so that a
        till given a token bound to no terminal (a host system's, an admin's: central filters
        by the token's store only for a till's own) reads its own store's events, not
        every store's (a bound token's answer is the same: its store is the only one)."""
        self.server = server.rstrip("/")
        self.terminal = terminal
        self.store = store
        self._http = httpx.Client(
            base_url=self.server,
            timeout=timeout,
            transport=transport,
            verify=tls_context(self.server),
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY),
            headers={"Authorization": f"Bearer {token}"},
        )

    @classmethod
    def of_till(
        cls,
        chain: ChainConfig,
        *,
        timeout: float = TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> CentralClient:
        """The client a store terminal speaks to central with: its server and token, naming
        its terminal and store in every read of the feed (above)."""
        return cls(
            chain.server,
            chain.token,
            timeout=timeout,
            transport=transport,
            terminal=chain.terminal,
            store=chain.store,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, *, again: bool = True, **kwargs: Any) -> httpx.Response:
        """The request, sent once more when central closed the connection without an
        answer (``RemoteProtocolError``: most often a kept-alive connection central closed
        as it was reused; the request may not have been read), or it was reset
        (``ReadError``: a kept-alive connection the line forgot when it dropped and came
        back; the sync called central unreachable over a working line). A line still down
        fails the second try at once (the connect is refused). ``again`` is for requests
        that are safe to send twice: reads, releases, and pushes of journal entries (each
        applied once by its id: a resend is answered from its stored outcome)."""
        try:
            try:
                response = self._http.request(method, path, **kwargs)
            except (httpx.RemoteProtocolError, httpx.ReadError):
                if not again:
                    raise
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
        if path == EVENTS and self.store is not None:
            params.setdefault("store", self.store)
        if path != EVENTS or self.terminal is None:
            return self._send("GET", path, params=params).json()
        params.setdefault("terminal", self.terminal)
        try:
            return self._send("GET", path, params=params).json()
        except CentralRefused as exc:
            if exc.code != "other_terminal":
                raise
            # Said before the till read or changed anything (the feed is read first).
            raise CentralRefused(
                f"{exc.message}; nothing was changed here, the journal is kept", code=exc.code
            ) from exc

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        """Not sent again on a closed connection: a lease taken or a conflict resolved
        twice is not the same as once."""
        return self._send("POST", path, again=False, json=body).json()

    def delete_json(self, path: str, **params: Any) -> Any:
        return self._send("DELETE", path, params=params).json()

    def post_lines(self, lines: list[str]) -> list[dict[str, Any]]:
        """POST /v1/apply with these exact lines (journal entries, each with its id: sent
        again safely); one verdict per line, in order."""
        body = ("\n".join(lines) + "\n").encode("utf-8")
        response = self._send(
            "POST", "/v1/apply", content=body, headers={"Content-Type": "application/x-ndjson"}
        )
        import json

        return [json.loads(raw) for raw in response.text.splitlines() if raw.strip()]
