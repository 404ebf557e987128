"""A receipt printer stand-in for tests: a TCP printer on 127.0.0.1 that records every byte and
answers the paper status request, and a decoder that reads ESC/POS bytes back into text lines,
barcodes, drawer kicks and cuts (the commands python-escpos writes)."""

from __future__ import annotations

import codecs
import contextlib
import socket
import threading
from dataclasses import dataclass, field
from types import TracebackType

from escpos.printer import Dummy

PAPER_OK = 0x12  # DLE EOT 4 answer: fixed bits only
PAPER_OUT = 0x72  # ... with the paper-end bits (5 and 6)


class TcpPrinter:
    """Listens on 127.0.0.1; records what each connection sends. ``paper`` answers the status
    request; ``drop_after`` closes the connection once that many receipt bytes arrived (the
    printer unplugged mid-receipt); ``silent`` never answers status requests."""

    def __init__(
        self, *, paper: int = PAPER_OK, drop_after: int | None = None, silent: bool = False
    ) -> None:
        self.paper = paper
        self.drop_after = drop_after
        self.silent = silent
        self.received = bytearray()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self._talk(conn)

    def _talk(self, conn: socket.socket) -> None:
        pending = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            self.received += chunk
            pending += chunk
            if self.drop_after is not None and len(self.received) >= self.drop_after:
                conn.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                return  # closed with a reset: the cable pulled
            while b"\x10\x04\x04" in pending:
                pending = pending.split(b"\x10\x04\x04", 1)[1]
                if not self.silent:
                    conn.sendall(bytes([self.paper]))

    def close(self) -> None:
        """Stop listening and wait for the connection in hand to end: after this,
        ``received`` holds every byte the client sent before it closed."""
        # shutdown wakes the thread blocked in accept(); close alone leaves it listening.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)

    def __enter__(self) -> TcpPrinter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass
class Decoded:
    lines: list[str] = field(default_factory=list)
    barcodes: list[tuple[int, bytes]] = field(default_factory=list)  # (type m, data)
    drawer_kicks: list[tuple[int, int, int]] = field(default_factory=list)  # (pin m, t1, t2)
    cuts: int = 0
    status_requests: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


#: Commands with a fixed count of parameter bytes after their two-byte prefix.
_FIXED = {
    b"\x1b@": 0,
    b"\x1b!": 1,
    b"\x1bE": 1,
    b"\x1ba": 1,
    b"\x1b-": 1,
    b"\x1bM": 1,
    b"\x1bG": 1,
    b"\x1b{": 1,
    b"\x1bd": 1,
    b"\x1bJ": 1,
    b"\x1bV": 1,
    b"\x1d!": 1,
    b"\x1dB": 1,
    b"\x1dh": 1,
    b"\x1dw": 1,
    b"\x1df": 1,
    b"\x1dH": 1,
    b"\x1bp": 3,
    b"\x10\x04": 1,
}


def decode(data: bytes, profile: str = "default") -> Decoded:
    """Read the bytes as a printer would: text in the selected code page, commands apart."""
    pages = {int(n): name for name, n in Dummy(profile=profile).profile.get_code_pages().items()}
    out = Decoded()
    codec = codecs.lookup("cp437")
    text = bytearray()
    i = 0

    def flush_text() -> None:
        nonlocal text
        if text:
            chars = codec.decode(bytes(text))[0]
            if out.lines and not out.lines[-1].endswith("\n"):
                out.lines[-1] += chars
            else:
                out.lines.append(chars)
            text = bytearray()

    while i < len(data):
        two = data[i : i + 2]
        if two == b"\x1bt":
            flush_text()
            codec = codecs.lookup(pages[data[i + 2]])
            i += 3
        elif two == b"\x1dV":
            out.cuts += 1
            i += 3 if data[i + 2] in (0, 1, 48, 49) else 4
        elif two == b"\x1dk":
            m = data[i + 2]
            if m >= 65:  # function B: a length byte, then the data
                n = data[i + 3]
                out.barcodes.append((m, bytes(data[i + 4 : i + 4 + n])))
                i += 4 + n
            else:  # function A: data up to NUL
                end = data.index(b"\x00", i + 3)
                out.barcodes.append((m, bytes(data[i + 3 : end])))
                i = end + 1
        elif two == b"\x1bp":
            out.drawer_kicks.append((data[i + 2], data[i + 3], data[i + 4]))
            i += 5
        elif two == b"\x10\x04":
            out.status_requests += 1
            i += 3
        elif two in _FIXED:
            i += 2 + _FIXED[two]
        elif data[i] in (0x1B, 0x1D, 0x10):
            raise AssertionError(f"unknown ESC/POS command {bytes(data[i : i + 3])!r} at {i}")
        elif data[i] == 0x0A:
            flush_text()
            if out.lines and not out.lines[-1].endswith("\n"):
                out.lines[-1] += "\n"
            else:
                out.lines.append("\n")
            i += 1
        else:
            text.append(data[i])
            i += 1
    flush_text()
    out.lines = [line.removesuffix("\n") for line in out.lines]
    return out
