"""A transfer can be ``refused``: a store terminal's shipment central did not take (issue 16).

A till ships offline; central records the shipment as a conflict (a unit had moved) or
refuses it, so central has no such transfer, and the till's copy would read ``shipped``
for good, its receipt asked for at every sync. The till now marks its copy ``refused``
(services/transfers/sent.py): nothing of it is in transit, and its units are central's.

Additive: one more value allowed by ``ck_transfer_status``. On PostgreSQL the constraint is
dropped and made again. On SQLite a CHECK constraint cannot be altered, and copying the
table (Alembic's batch mode) would have to drop a table other tables refer to while foreign
keys are enforced; SQLite documents changing the table's stored text instead for a change
that allows more and touches no stored row ("ALTER TABLE", section 7): done here, with the
schema version moved on so every open connection reads the new text.

Revision ID: 0026
Revises: 0025 (customer key)
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

NAME = "ck_transfer_status"
OLD = "status IN ('open', 'shipped', 'received')"
NEW = "status IN ('open', 'shipped', 'received', 'refused')"


def _sqlite_check(old: str, new: str) -> None:
    bind = op.get_bind()
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'transfer'")
    ).scalar_one()
    if old not in sql:
        raise RuntimeError(f"transfer's {NAME} is not {old!r}: {sql}")
    version = int(bind.execute(sa.text("PRAGMA schema_version")).scalar_one())
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'transfer'"),
        {"sql": sql.replace(old, new)},
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {version + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_check(OLD, NEW)
        return
    op.drop_constraint(NAME, "transfer", type_="check")
    op.create_check_constraint(NAME, "transfer", sa.text(NEW))


def downgrade() -> None:
    # A refused shipment never happened at central: back to shipped, as it read before.
    op.execute("UPDATE transfer SET status = 'shipped' WHERE status = 'refused'")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_check(NEW, OLD)
        return
    op.drop_constraint(NAME, "transfer", type_="check")
    op.create_check_constraint(NAME, "transfer", sa.text(OLD))
