"""An index of serials ignoring letter case: ``ix_serial_unit_serial_folded``.

A new serial equal to a recorded unit's serial ignoring letter case (``w2d-9`` beside
``W2D-9``: a scanner with caps lock on) is refused where a new unit is made, a lookup that
misses by the exact serial says "did you mean W2D-9?", and ``db check`` lists the case twins
recorded before (domain/serial_case.py). Those look-ups go by this index, after the exact
serial index (``ix_serial_unit_serial``) missed or where a unit is made.

The indexed expression is the domain's folding (ASCII letters lowered, nothing else):
``lower(serial)`` on SQLite, whose lower() folds ASCII only, and ``lower(serial COLLATE "C")``
on PostgreSQL, where a plain lower() follows the database's collation (it would fold ``É``,
and ``I`` to a dotless i under a Turkish one). Queries use the same expression
(db/serial_case_sql.py).

Revision ID: 0037_serial_case
Revises: 0036_sale_pages
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037_serial_case"
down_revision = "0036_sale_pages"
branch_labels = None
depends_on = None

INDEX = "ix_serial_unit_serial_folded"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        folded = sa.text('lower(serial COLLATE "C")')
    else:
        folded = sa.text("lower(serial)")
    op.create_index(INDEX, "serial_unit", [folded])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="serial_unit")
