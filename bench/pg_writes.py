"""What PostgreSQL writes for a case, per table and index, from its cumulative statistics
(``pg_stat_user_tables``, ``pg_stat_user_indexes``) of the case's own schema (benchkit
``pg_schema``): rows inserted, updated (HOT or not), deleted, and each index's scans and the
entries it gained. ``pg_stat_statements`` needs a server restart to load, which a shared
server does not get; these counters need nothing.

An index gains an entry for every row inserted and every update that is not HOT (a HOT
update, which changes no indexed column and finds room on its page, adds none); a partial
index only for the rows its predicate holds, which the statistics do not say, so its figure
is an upper bound (marked ``<=``).

The counters reach the statistics when a backend is idle (at most a second late in
PostgreSQL 15) or exits: :func:`settle` closes the case's connections first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from serialpos.db.engine import Database

_TABLES = """
SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del
FROM pg_stat_user_tables WHERE schemaname = current_schema()
"""
_INDEXES = """
SELECT s.relname, s.indexrelname, s.idx_scan, i.indpred IS NOT NULL
FROM pg_stat_user_indexes AS s JOIN pg_index AS i ON i.indexrelid = s.indexrelid
WHERE s.schemaname = current_schema()
"""


@dataclass
class Counts:
    tables: dict[str, tuple[int, int, int, int]]
    #: index name: (table, scans, partial)
    indexes: dict[str, tuple[str, int, bool]]


def settle(db: Database) -> None:
    """Close ``db``'s pooled connections (their backends flush their counters on exit) and
    give the server a moment to take them."""
    db.engine.dispose()
    time.sleep(1.2)


def counts(db: Database) -> Counts:
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        tables = {
            str(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4]))
            for r in conn.exec_driver_sql(_TABLES)
        }
        indexes = {
            str(r[1]): (str(r[0]), int(r[2] or 0), bool(r[3]))
            for r in conn.exec_driver_sql(_INDEXES)
        }
    return Counts(tables, indexes)


def report(before: Counts, after: Counts, n: int) -> list[str]:
    """Per-entry lines (``n`` entries): each table's rows written, then each index's entries
    gained and scans, the busiest first; tables and indexes untouched left out."""
    out = [f"per entry ({n} entries): table: inserted / updated (HOT) / deleted"]
    gained: dict[str, float] = {}
    for table, now in sorted(after.tables.items()):
        was = before.tables.get(table, (0, 0, 0, 0))
        ins, upd, hot, dele = (a - b for a, b in zip(now, was, strict=True))
        if ins or upd or dele:
            out.append(f"  {table}: {ins / n:.3f} / {upd / n:.3f} ({hot / n:.3f}) / {dele / n:.3f}")
        gained[table] = (ins + upd - hot) / n
    out.append("index: entries gained per entry (rows inserted + updates not HOT), scans")
    total = 0.0
    rows = []
    for name, (table, scans, partial) in after.indexes.items():
        scanned = scans - before.indexes.get(name, (table, 0, partial))[1]
        adds = gained.get(table, 0.0)
        total += adds
        if adds or scanned:
            rows.append((adds, scanned, f"  {table}.{name}", partial))
    for adds, scanned, label, partial in sorted(rows, reverse=True):
        out.append(f"{label}: {'<=' if partial else ''}{adds:.3f}, {scanned / n:.3f} scans")
    out.append(f"index entries per entry, all: <= {total:.2f}")
    return out
