"""Units by serial ignoring letter case, through the expression index of migration 0037.

The key is the domain's folding (``domain/serial_case.fold``: ASCII letters lowered, nothing
else), which is SQLite's ``lower(serial)`` and PostgreSQL's ``lower(serial COLLATE "C")``
(a plain ``lower()`` there follows the database's collation: it would fold ``É`` and, under
a Turkish collation, ``I`` to a dotless i). The index is on exactly that expression, so the
look-ups below are index searches (EXPLAIN QUERY PLAN / EXPLAIN in tests/db/
test_migration_0037_serial_case.py). Asked only where a new unit is made and after an exact
look-up missed: the exact serial index stays the hot path.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from serialpos.db import bulk, repo

#: The index's name (migration 0037).
INDEX = "ix_serial_unit_serial_folded"

unit_c = repo.unit_t.c


def folded(dialect: str, column: Any = unit_c.serial) -> Any:
    """The folded serial as the index holds it, on ``dialect``."""
    if dialect == "postgresql":
        return sa.func.lower(column.collate("C"))
    return sa.func.lower(column)


def units_folded(conn: Connection, keys: list[str]) -> list[tuple[str, int, str, int]]:
    """(serial, product id, state, store id) of every unit whose folded serial is one of
    ``keys`` (already folded): one query with an array on PostgreSQL, IN lists on SQLite."""
    dialect = conn.dialect.name
    query = sa.select(unit_c.serial, unit_c.product_id, unit_c.state, unit_c.store_id)
    if dialect == "postgresql":
        wanted = sa.bindparam("keys", keys, type_=postgresql.ARRAY(sa.String()))
        return [tuple(r) for r in conn.execute(query.where(folded(dialect) == sa.any_(wanted)))]
    found: list[Any] = []
    texts: dict[int, str] = {}
    for chunk in bulk.chunks(keys):
        text = texts.get(len(chunk))
        if text is None:  # plain driver SQL, one text per chunk size (as db/bulk.py does)
            marks = ", ".join("?" * len(chunk))
            text = texts[len(chunk)] = (
                "SELECT serial, product_id, state, store_id FROM serial_unit "
                f"WHERE lower(serial) IN ({marks})"
            )
        found += [tuple(r) for r in conn.exec_driver_sql(text, tuple(chunk))]
    return found
