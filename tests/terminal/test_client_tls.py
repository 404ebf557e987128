"""The sync client's TLS settings are made once per process, not once per client: an online
sale opens a client (terminal/online.py) and httpx's default loads and parses the whole
bundle of certificate authorities for each (25-60 ms of CPU before the sale was sent)."""

from __future__ import annotations

import ssl

import pytest

from serialpos.terminal import client as client_module
from serialpos.terminal.client import CentralClient


def test_clients_share_one_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[ssl.SSLContext] = []
    real = ssl.create_default_context

    def counted(*args: object, **kwargs: object) -> ssl.SSLContext:
        made.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    monkeypatch.setattr(client_module, "_TLS", None)  # as in a process just started
    for _ in range(3):
        with CentralClient("https://central.example:8443", "secret"):
            pass
    assert len(made) == 1
    assert client_module.tls_context("https://central.example:8443") is made[0]
    assert made[0].verify_mode == ssl.CERT_REQUIRED and made[0].check_hostname
