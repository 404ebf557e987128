"""The ``server`` fixture: a real ``serialpos serve`` on 127.0.0.1, on SQLite and on
PostgreSQL, shared by the tests of one module (each test uses its own SKUs and serials)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from api_serving import Server, seed, start, stop

from pg_server import PG_URL, require_postgres
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
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(PG_URL)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    db = Database(url)
    secrets = seed(db)
    process, base, env = start(url, folder)
    try:
        yield Server(base, url, db, secrets, process, env)
    finally:
        stop(process)
        db.dispose()
        if schema is not None:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            admin.dispose()
