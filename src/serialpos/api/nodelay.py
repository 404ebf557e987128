"""uvicorn's HTTP/1.1 protocols with Nagle's algorithm off on every connection, and the one
serve uses: httptools when it is installed (the ``serve`` extra), else h11.

asyncio turns Nagle off only for sockets whose protocol number says TCP; with ``--workers``
above 1 uvicorn hands the listening socket to its worker processes and the sockets they
accept no longer say so. A response then goes out as two small writes (headers, body), the
second held back until the client acknowledges the first, which a client delays by 40 ms:
every request on a kept-alive connection took 44 ms instead of 2 (measured on loopback).

httptools parses in C (llhttp); h11 in Python was about a tenth of serve's CPU under a store
terminals' push load (a py-spy profile, bench/README.md offline_scale_bench). Both give the
same requests to the app; httptools is optional because it is a compiled module (wheels for
the usual Linux machines; elsewhere it would need a compiler), and h11 needs none.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


def _no_delay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        _no_delay(transport)
        super().connection_made(transport)


def protocol() -> str:
    """The ``http`` protocol class serve hands uvicorn: httptools' when it is installed."""
    try:
        import httptools  # noqa: F401 - only whether it is there
    except ImportError:
        return "serialpos.api.nodelay:NoDelayH11Protocol"
    return "serialpos.api.nodelay_httptools:NoDelayHttpToolsProtocol"
