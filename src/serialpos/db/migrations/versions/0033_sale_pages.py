"""Two fewer index pages per ledger event (issue 15): a counter sale writes two events, and
every index an event's rows enter is one more page its commit writes and fsyncs.

- ``ix_ledger_event_product_store`` is dropped (SQLite and PostgreSQL). No query asks for
  a product's events: the database check sums all events per (product, store) (a full
  read either way), a store's feed pull goes by ``ix_event_feed_store_seq`` (0028), and the
  one query that filtered events by product, central's newest event of a (SKU, serial),
  now goes by the unit (``ix_ledger_event_unit``, db/conflict_sql.py).
- SQLite: ``event_feed.seq`` becomes the table's rowid (``INTEGER PRIMARY KEY``). As
  ``BIGINT PRIMARY KEY`` it was a rowid table plus a unique index on ``seq``, so every event
  wrote both; now the rows are kept in ``seq`` order in the table itself, and the trigger's
  ``MAX(seq)`` is the table's last row. The table is copied (the feed's rows keep their
  numbers) and the feed trigger, which names it, is dropped and made again around the copy.
  PostgreSQL's ``bigint`` primary key is unchanged (it has no rowid).
- SQLite: the sale tables' CHECKs test their value by ``=`` terms, not ``IN (...)`` lists
  (``sale_order``'s type, delivery and status, ``order_line``'s status, ``order_payment``'s
  kind), as 0030 did for the unit's state: SQLite builds a list of more than two values into
  a temporary B-tree for every row written (a page allocated and cleared, a B-tree insert
  per value), seven times a counter sale. The same rows are accepted and refused; the
  stored text is changed in place (no table copied), with the schema version moved on.

Revision ID: 0033_sale_pages
Revises: 0032_pull_dedup
Create Date: 2026-12-04
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0033_sale_pages"
down_revision = "0032_pull_dedup"
branch_labels = None
depends_on = None

DROPPED = ("ix_ledger_event_product_store", "ledger_event", ["product_id", "store_id"])
FEED_INDEX = "CREATE INDEX ix_event_feed_store_seq ON event_feed (store_id, seq)"
TRIGGER = "ledger_event_feed"

#: event_feed as 0014 and 0028 left it on SQLite, and as this revision makes it.
_FEED_TABLE = (
    "CREATE TABLE event_feed_copy (seq {seq} NOT NULL, event_id INTEGER NOT NULL, "
    "store_id INTEGER, PRIMARY KEY (seq), UNIQUE (event_id), "
    "FOREIGN KEY(event_id) REFERENCES ledger_event (id))"
)


#: The sale tables whose CHECKs list values, and the columns they test.
CHECKED = ("sale_order", "order_line", "order_payment")
_IN_LIST = re.compile(r"\b(type|delivery|status|kind) IN \(((?:'[a-z_]+'(?:, )?)+)\)")
_OR_CHAIN = re.compile(r"\(((type|delivery|status|kind) = '[a-z_]+'(?: OR \2 = '[a-z_]+')+)\)")


def as_or_chains(sql: str) -> str:
    """Each ``column IN ('a', 'b', ...)`` of ``sql`` written as ``(column = 'a' OR ...)``."""

    def chain(match: re.Match[str]) -> str:
        column, values = match.group(1), re.findall(r"'[a-z_]+'", match.group(2))
        return "(" + " OR ".join(f"{column} = {v}" for v in values) + ")"

    return _IN_LIST.sub(chain, sql)


def as_in_lists(sql: str) -> str:
    """The reverse of :func:`as_or_chains` (downgrade)."""

    def listed(match: re.Match[str]) -> str:
        values = re.findall(r"'[a-z_]+'", match.group(1))
        return f"{match.group(2)} IN ({', '.join(values)})"

    return _OR_CHAIN.sub(listed, sql)


def _rewrite_checks(change: object) -> None:
    """The stored text of the CHECKED tables changed in place (SQLite's ALTER TABLE
    documentation, section 7; migration 0030), the schema version moved on so every open
    connection reads it again."""
    bind = op.get_bind()
    rewritten = {}
    for name in CHECKED:
        sql = bind.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": name},
        ).scalar_one()
        new = change(sql)  # type: ignore[operator]
        if new == sql:
            raise RuntimeError(f"{name}: no listed CHECK to rewrite in {sql}")
        rewritten[name] = new
    version = int(bind.execute(sa.text("PRAGMA schema_version")).scalar_one())
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    for name, sql in rewritten.items():
        bind.execute(
            sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
            {"sql": sql, "name": name},
        )
    bind.execute(sa.text(f"PRAGMA schema_version = {version + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def _sqlite_feed(seq_type: str) -> None:
    """Copy SQLite's event_feed into a table whose ``seq`` is declared ``seq_type``, keeping
    every row, its index and the feed trigger (read back from the schema, made again as it
    was: the copy's rename must not meet a trigger naming a table that is gone)."""
    bind = op.get_bind()
    trigger = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (TRIGGER,)
    ).scalar()
    if trigger is not None:
        op.execute(f"DROP TRIGGER {TRIGGER}")
    op.execute(_FEED_TABLE.format(seq=seq_type))
    op.execute(
        "INSERT INTO event_feed_copy (seq, event_id, store_id) "
        "SELECT seq, event_id, store_id FROM event_feed ORDER BY seq"
    )
    op.execute("DROP TABLE event_feed")
    op.execute("ALTER TABLE event_feed_copy RENAME TO event_feed")
    op.execute(FEED_INDEX)
    if trigger is not None:
        op.execute(str(trigger))


def upgrade() -> None:
    name, table, _columns = DROPPED
    op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_feed("INTEGER")
        _rewrite_checks(as_or_chains)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rewrite_checks(as_in_lists)
        _sqlite_feed("BIGINT")
    name, table, columns = DROPPED
    op.create_index(name, table, columns)
