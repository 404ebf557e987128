"""Which HTTP/1.1 parser serve runs: httptools when installed (the ``serve`` extra), h11
without it, both with Nagle off; a streamed push and a kept-alive connection work on both."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest
from api_serving import seed, start, stop

from serialpos.api import nodelay
from serialpos.db.engine import Database


def test_httptools_when_installed_h11_without(monkeypatch: pytest.MonkeyPatch) -> None:
    assert nodelay.protocol() == "serialpos.api.nodelay_httptools:NoDelayHttpToolsProtocol"
    monkeypatch.setitem(sys.modules, "httptools", None)  # import httptools: ImportError
    assert nodelay.protocol() == "serialpos.api.nodelay:NoDelayH11Protocol"


class _Transport:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str) -> object:
        return self.sock if name == "socket" else None


def test_nagle_off_on_a_tcp_socket() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        nodelay._no_delay(_Transport(sock))  # type: ignore[arg-type]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_a_push_and_a_read_on_one_connection(
    parser: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if parser == "h11":  # httptools hidden from serve: an import of it fails
        shim = tmp_path / "shim"
        (shim / "httptools").mkdir(parents=True)
        (shim / "httptools" / "__init__.py").write_text("raise ImportError('hidden')\n")
        monkeypatch.setenv("PYTHONPATH", str(shim))
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    db = Database(url)
    secrets = seed(db)
    process, base, _env = start(url, tmp_path)
    try:
        import httpx

        lines = [
            {"op": "receive", "store": "S1", "sku": "PH1", "serials": [f"HP-{parser}-{i}"]}
            for i in range(3)
        ]
        body = "".join(json.dumps(line) + "\n" for line in lines).encode()
        headers = {"Authorization": f"Bearer {secrets['ada']}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            pushed = client.post(
                "/v1/apply", content=body, headers={"Content-Type": "application/x-ndjson"}
            )
            verdicts = [json.loads(raw) for raw in pushed.text.splitlines()]
            assert [v["ok"] for v in verdicts] == [True] * 3, verdicts
            page = client.get("/v1/events", params={"after": 0, "limit": 10})
            assert page.status_code == 200
            assert len(page.json()["events"]) == 3
            assert page.http_version == "HTTP/1.1"
    finally:
        stop(process)
        db.dispose()
