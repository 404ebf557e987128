"""Serial prefix search: a bytewise index for PostgreSQL.

A prefix search is a range ``serial >= :low AND serial < :high``: case-sensitive, and served
by a btree index in serial order. SQLite compares text bytewise (BINARY) already, so the
existing ``ix_serial_unit_serial`` serves it there and SQLite gets nothing new. PostgreSQL's
default collation is usually not bytewise (``ab`` sorts beside ``AB``), so the search compares
``serial COLLATE "C"`` and needs an index on that expression; ``id`` follows so that the
search's ``ORDER BY serial, id`` with a LIMIT reads the index in order and stops early.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEX = "ix_serial_unit_serial_bytewise"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'CREATE INDEX {INDEX} ON serial_unit ((serial COLLATE "C"), id)')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {INDEX}")
