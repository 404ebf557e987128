"""``serialpos serve``: the HTTP/JSON API for host systems (api/), on the configured database."""

from __future__ import annotations

import typer

from serialpos.cli.context import state
from serialpos.cli.output import EXIT_USAGE, fail


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port"),
    workers: int = typer.Option(1, "--workers", help="Worker processes."),
    threads: int | None = typer.Option(
        None,
        "--threads",
        help="Worker threads per process, each with a database connection kept open [default: 8].",
    ),
    tls_cert: str | None = typer.Option(None, "--tls-cert", help="PEM certificate file."),
    tls_key: str | None = typer.Option(None, "--tls-key", help="PEM private key file."),
    insecure_http: bool = typer.Option(
        False,
        "--insecure-http",
        help="Allow plain HTTP on a non-loopback address (TLS ends in front of the server).",
    ),
    max_body: int = typer.Option(
        8 * 1024 * 1024, "--max-body", help="Largest request body in bytes (413 above)."
    ),
    body_timeout: float = typer.Option(
        60.0,
        "--body-timeout",
        help="Seconds a request body may take to arrive (408, connection closed, after).",
    ),
    log_level: str = typer.Option("info", "--log-level"),
) -> None:
    """Serve the API under /v1 (OpenAPI document at /v1/openapi.json) until interrupted.

    Every route but the OpenAPI document and /v1/docs needs a token: serialpos token create.
    """
    from serialpos.api.guard import Limits
    from serialpos.api.server import ServeOptions, run
    from serialpos.domain.errors import DomainError

    st = state(ctx)
    # Refuse a database that is not set up before listening; the check's connection is
    # closed: the workers open their own, and this process would keep it idle for ever.
    st.database().dispose()
    options = ServeOptions(
        host,
        port,
        workers,
        tls_cert,
        tls_key,
        insecure_http,
        Limits(max_body=max_body, body_timeout=body_timeout),
        log_level,
        **({} if threads is None else {"threads": threads}),
    )
    try:
        run(st.url(), options)
    except DomainError as exc:
        fail(exc.message, EXIT_USAGE)
