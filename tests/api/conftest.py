"""The ``server`` fixture: a real ``serialpos serve`` on 127.0.0.1, on SQLite and on
PostgreSQL, shared by the tests of one module (each test uses its own SKUs and serials)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_serving import Server, seed, start, stop

from pg_server import filled_schemas, require_postgres, schema_url
from serialpos.db.engine import Database


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'shop.sqlite'}"
    else:
        require_postgres()
        schema = filled_schemas.take()  # at head already: seed's upgrade finds nothing to do
        url = schema_url(schema)
    db = Database(url)
    secrets = seed(db)
    process, base, env = start(url, folder)
    try:
        yield Server(base, url, db, secrets, process, env)
    finally:
        stop(process)
        db.dispose()
        if schema is not None:
            filled_schemas.give_back(schema)
