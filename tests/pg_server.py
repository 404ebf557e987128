"""Where the test PostgreSQL server is, and whether a test may run against it.

Kept out of ``conftest.py`` so a test module can import it by name: ``from conftest import``
picks whichever conftest was loaded last (tests/chaos/ and tests/tui/ have their own).
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("SERIALPOS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = bool(os.environ.get("CI"))

_pg_checked: str | None = None  # None: not yet; "": reachable; else the reason it is not


def _pg_unreachable() -> str:
    global _pg_checked
    if _pg_checked is None:
        try:
            engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            engine.dispose()
            _pg_checked = ""
        except Exception as exc:
            _pg_checked = f"PostgreSQL not reachable at {PG_URL}: {str(exc).splitlines()[0]}"
    return _pg_checked


def require_postgres() -> None:
    reason = _pg_unreachable()
    if reason:
        if IN_CI:
            pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
        pytest.skip(reason)
