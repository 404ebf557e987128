"""uvicorn's httptools protocol with Nagle's algorithm off (api/nodelay.py says why); its
own module because importing it needs httptools, which is optional."""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from serialpos.api.nodelay import _no_delay


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        _no_delay(transport)
        super().connection_made(transport)
