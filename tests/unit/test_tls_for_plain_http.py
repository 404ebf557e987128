"""A till reaching central over plain ``http://`` loads no bundle of authorities (25-60 ms of
CPU for every sync and online sale that opened a client); over ``https://`` it verifies with
the shared bundle as before (tests/terminal/test_client_tls.py speaks real TLS)."""

from __future__ import annotations

import ssl

from serialpos.terminal.client import tls_context


def test_plain_http_gets_a_context_that_trusts_no_one_and_still_verifies() -> None:
    context = tls_context("http://127.0.0.1:8080")
    assert context.cert_store_stats()["x509_ca"] == 0
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


def test_https_gets_the_shared_bundle() -> None:
    context = tls_context("HTTPS://central.example")
    assert context is tls_context("https://other.example")
    assert context.cert_store_stats()["x509_ca"] > 0
    assert context.verify_mode == ssl.CERT_REQUIRED
