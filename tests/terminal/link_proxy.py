"""A loopback TCP proxy between store terminals and central that a test can cut or slow, as
a shop's line does: ``up`` forwards, ``down`` resets every connection (open ones too) and
every new one, ``slow`` holds each chunk for a while before passing it on (long enough and
the terminal's short timeout fires after central has already applied the entry — the case
that duplicated orders in Odoo)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time


class LinkProxy:
    """Listens on 127.0.0.1 (never another address) and forwards to ``target_port``."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.mode = "up"
        self.delay = 0.0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="link-proxy").start()

    def up(self) -> None:
        self.mode, self.delay = "up", 0.0

    def slow(self, seconds: float) -> None:
        self.mode, self.delay = "slow", seconds

    def down(self) -> None:
        """Cut the line: every open connection is reset, new ones are refused."""
        self.mode = "down"
        with self._lock:
            for sock in list(self._open):
                _reset(sock)
            self._open.clear()

    def close(self) -> None:
        self._closed = True
        self.down()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "down":
                _reset(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                self._open |= {client, server}
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                if self.mode == "slow":
                    time.sleep(self.delay)
                if self.mode == "down":
                    break
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(source)
                self._open.discard(sink)
            _reset(source)
            _reset(sink)


def _reset(sock: socket.socket) -> None:
    """Close with a reset (SO_LINGER 0), as a dropped line looks to the other end."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
