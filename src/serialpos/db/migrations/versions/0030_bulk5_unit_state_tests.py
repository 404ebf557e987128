"""SQLite: the unit's state tested by ``=`` terms, not ``IN (...)`` lists, in the two places
a unit write tests it (issue 15, the ASN import's speed).

``serial_unit``'s CHECK ``ck_serial_unit_state`` and the live-serial partial unique index
``uq_serial_unit_live_serial`` (migration 0016) test ``state IN (...)`` with seven and four
values. SQLite builds a list of more than two constant values into a temporary B-tree to
search it, and inside a constraint or an index's WHERE it builds it again for every row
written (``OpenEphemeral`` and one ``IdxInsert`` per value in the insert's program, no
``Once``): eleven B-tree inserts and two cleared tables per unit inserted or updated, more
than the unit's own six B-tree inserts. Measured on 100k units inserted by the ASN import's
statement: 3.93 G instructions in SQLite before, 1.62 G after (callgrind); 0.63-0.86 s CPU
before, 0.31-0.46 s after (load 18).

The same tests written as ``(state = 'a' OR state = 'b' ...)`` accept and refuse exactly the
same rows and cost a compare each. Nothing stored changes: the index holds the same rows
under either text. So, as migration 0026 did for a CHECK, the stored text of the table and of
the index is changed in place (SQLite's "ALTER TABLE" documentation, section 7), with the
schema version moved on so every open connection reads the new text; no table is copied and
no index is rebuilt (a 10M-unit database migrates at once). The values are the ones stored,
whatever they are. PostgreSQL searches such a list in place: nothing changes there.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0030_bulk5"
down_revision = "0029_saleexec"
branch_labels = None
depends_on = None

#: ``state IN ('a', 'b', ...)`` as stored (values are plain quoted words).
_IN_LIST = re.compile(r"state IN \(((?:'[a-z_]+'(?:, )?)+)\)")
#: ``(state = 'a' OR state = 'b' ...)`` as this migration writes it.
_OR_CHAIN = re.compile(r"\((state = '[a-z_]+'(?: OR state = '[a-z_]+')+)\)")


def as_or_chain(sql: str) -> str:
    """Each ``state IN (...)`` of ``sql`` written as ``(state = ... OR ...)``."""

    def chain(match: re.Match[str]) -> str:
        values = re.findall(r"'[a-z_]+'", match.group(1))
        return "(" + " OR ".join(f"state = {v}" for v in values) + ")"

    return _IN_LIST.sub(chain, sql)


def as_in_list(sql: str) -> str:
    """The reverse of :func:`as_or_chain` (downgrade)."""

    def listed(match: re.Match[str]) -> str:
        values = re.findall(r"'[a-z_]+'", match.group(1))
        return f"state IN ({', '.join(values)})"

    return _OR_CHAIN.sub(listed, sql)


#: The two schema entries rewritten: (type, name).
ENTRIES = (("table", "serial_unit"), ("index", "uq_serial_unit_live_serial"))


def _rewrite(change: object) -> None:
    bind = op.get_bind()
    rewritten = {}
    for kind, name in ENTRIES:
        sql = bind.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = :kind AND name = :name"),
            {"kind": kind, "name": name},
        ).scalar_one()
        new = change(sql)  # type: ignore[operator]
        if new == sql:
            raise RuntimeError(f"{name}: no state test to rewrite in {sql}")
        rewritten[(kind, name)] = new
    version = int(bind.execute(sa.text("PRAGMA schema_version")).scalar_one())
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    for (kind, name), sql in rewritten.items():
        bind.execute(
            sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = :kind AND name = :name"),
            {"sql": sql, "kind": kind, "name": name},
        )
    bind.execute(sa.text(f"PRAGMA schema_version = {version + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rewrite(as_or_chain)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rewrite(as_in_list)
