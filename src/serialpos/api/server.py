"""Running the API under uvicorn: where it may listen, with which limits, how many workers.

Tokens travel in every request, so the server refuses to listen beyond this machine in clear
text: a non-loopback ``--host`` needs ``--tls-cert``/``--tls-key``, or ``--insecure-http``
for a network where TLS is terminated in front of it (a reverse proxy on the same host).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

from serialpos.api.app import DEFAULT_THREADS, ENV_BODY_TIMEOUT, ENV_DB, ENV_MAX_BODY, ENV_THREADS
from serialpos.api.guard import Limits
from serialpos.domain.errors import BadValue

#: Seconds an idle keep-alive connection is kept open.
KEEP_ALIVE = 5


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    tls_cert: str | None = None
    tls_key: str | None = None
    insecure_http: bool = False
    limits: Limits = field(default_factory=Limits)
    log_level: str = "info"
    #: Worker threads per worker process, each with a database connection kept open.
    threads: int = DEFAULT_THREADS


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check(options: ServeOptions) -> None:
    """Refuse options that would expose tokens, or that make no sense, before listening."""
    if (options.tls_cert is None) != (options.tls_key is None):
        raise BadValue("give both --tls-cert and --tls-key")
    if not is_loopback(options.host) and options.tls_cert is None and not options.insecure_http:
        raise BadValue(
            f"--host {options.host} is reachable from other machines and bearer tokens would "
            "cross the network in clear text: give --tls-cert and --tls-key, or --insecure-http "
            "when TLS ends in front of this server"
        )
    if not 1 <= options.port <= 65535:
        raise BadValue("--port must be 1-65535")
    if not 1 <= options.workers <= 64:
        raise BadValue("--workers must be 1-64")
    if not 1 <= options.threads <= 256:
        raise BadValue("--threads must be 1-256")


def run(db_url: str, options: ServeOptions) -> None:
    """Serve until interrupted. Each worker process opens the database itself."""
    import uvicorn

    from serialpos.api.nodelay import protocol

    check(options)
    os.environ[ENV_DB] = db_url
    os.environ[ENV_MAX_BODY] = str(options.limits.max_body)
    os.environ[ENV_BODY_TIMEOUT] = str(options.limits.body_timeout)
    os.environ[ENV_THREADS] = str(options.threads)
    uvicorn.run(
        "serialpos.api.app:app_from_env",
        factory=True,
        host=options.host,
        port=options.port,
        workers=options.workers,
        ssl_certfile=options.tls_cert,
        ssl_keyfile=options.tls_key,
        timeout_keep_alive=KEEP_ALIVE,
        log_level=options.log_level,
        server_header=False,
        http=protocol(),
    )
