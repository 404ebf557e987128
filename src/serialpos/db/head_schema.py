"""The head schema of a SQLite database, stored as SQL: a brand-new database is made from it in
one transaction instead of replaying every migration (db/migrate.py :func:`upgrade`), as Rails
loads ``schema.rb``. Every migration costs start-up time (about 0.25 s of CPU for all of
them, and Alembic's import, 0.1 s, on top) and a store terminal, the demo, ``db init`` and
the tests make new databases all the time.

``head_schema.sql`` is made by this module, never by hand, from a SQLite file brought to head
by the migrations themselves::

    python -m serialpos.db.head_schema

Its first line names the head it was made at. When that is not the head of the migration
files (a migration added and the file not made again), new databases take the migrations and
tests/db/test_head_schema.py fails naming the command above. The same test proves a database
made from the file is the one the migrations make: the same schema entries in the same order,
the same rows.

The file holds the schema entries (tables, indexes, triggers, views) in the order SQLite keeps
them (their order of creation, so the same order again), then the rows the migrations leave
(``alembic_version``'s head, among them), as plain statements. SQLite's own tables
(``sqlite_sequence``, ``sqlite_stat1``) and automatic indexes come back by themselves; no
PRAGMA is stored (journal mode, foreign keys and the rest are set per connection,
db/engine.py, and no migration sets one that lasts in the file)."""

from __future__ import annotations

import functools
import re
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("head_schema.sql")
COMMAND = "python -m serialpos.db.head_schema"

_HEADER = "-- serialpos head schema at revision {head}"
_HEADER_LINE = re.compile(r"^-- serialpos head schema at revision (\S+)$")
_PREAMBLE = (
    f"-- Made by `{COMMAND}` from the migrations; never edit it by hand.\n"
    "-- A brand-new SQLite database is created from it in one transaction (db/migrate.py).\n"
)


@dataclass(frozen=True)
class Snapshot:
    head: str
    statements: tuple[str, ...]


def stored_head(path: Path = SNAPSHOT) -> str | None:
    """The revision the stored file was made at (its first line); None without a file."""
    try:
        with path.open(encoding="utf-8") as text:
            first = text.readline().rstrip("\n")
    except FileNotFoundError:
        return None
    found = _HEADER_LINE.match(first)
    return found.group(1) if found else None


@functools.cache
def load(path: Path = SNAPSHOT) -> Snapshot | None:
    """The stored head schema, split in statements; None when there is no usable file."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    first, _, _ = text.partition("\n")
    found = _HEADER_LINE.match(first)
    if found is None:
        return None
    return Snapshot(found.group(1), tuple(split(text)))


def split(text: str) -> list[str]:
    """The statements of ``text``, whole (a trigger's body keeps its own semicolons), as
    SQLite's shell splits them; comment lines between statements are left out."""
    statements: list[str] = []
    pending: list[str] = []
    for line in text.splitlines(keepends=True):
        if not pending and (not line.strip() or line.startswith("--")):
            continue
        pending.append(line)
        joined = "".join(pending)
        if sqlite3.complete_statement(joined):
            statements.append(joined.strip())
            pending = []
    if pending:
        raise ValueError(f"an unfinished statement at the end of the head schema: {pending[0]!r}")
    return statements


def _quote(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "9e999" if value > 0 else "-9e999"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    return "'" + str(value).replace("'", "''") + "'"


def dump(conn: sqlite3.Connection, head: str) -> str:
    """The head schema file for the SQLite database on ``conn``: its schema entries in the
    order SQLite keeps them, then every row of every table but SQLite's own."""
    out = [_HEADER.format(head=head), "\n", _PREAMBLE]
    entries = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    tables: list[tuple[str, str]] = []
    for kind, name, sql in entries:
        if name.startswith("sqlite_"):
            continue  # sqlite_sequence and the like: SQLite makes them itself
        if kind == "table" and sql.upper().startswith("CREATE VIRTUAL TABLE"):
            raise ValueError(f"{name}: a virtual table; the head schema cannot carry it yet")
        out.append(f"{sql};\n")
        if kind == "table":
            tables.append((name, sql))
    for name, sql in tables:
        quoted = '"' + name.replace('"', '""') + '"'
        order = "" if "WITHOUT ROWID" in sql.upper() else " ORDER BY rowid"
        for row in conn.execute(f"SELECT * FROM {quoted}{order}"):
            out.append(f"INSERT INTO {quoted} VALUES({','.join(_quote(v) for v in row)});\n")
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        # Where AUTOINCREMENT tables stand, rows deleted since included: said outright.
        out.append("DELETE FROM sqlite_sequence;\n")
        for name, seq in conn.execute("SELECT name, seq FROM sqlite_sequence ORDER BY rowid"):
            out.append(f"INSERT INTO sqlite_sequence VALUES({_quote(name)},{_quote(seq)});\n")
    return "".join(out)


def generate() -> str:
    """A new SQLite file brought to head by every migration (Alembic, never this file), dumped.
    The row ``upgrade`` writes itself (who upgraded) is left out: it writes it again."""
    import tempfile

    from serialpos.db import migrate
    from serialpos.db.engine import Database

    with tempfile.TemporaryDirectory(prefix="serialpos-head-") as folder:
        path = Path(folder) / "head.sqlite"
        db = Database(f"sqlite:///{path}")
        try:
            head = migrate.head_revision()
            migrate.upgrade(db, head)  # a named revision: always the migrations
        finally:
            db.dispose()
        conn = sqlite3.connect(path)
        try:
            conn.execute("DELETE FROM serialpos_install WHERE key = ?", (migrate.INSTALL_KEY,))
            return dump(conn, head)
        finally:
            conn.rollback()
            conn.close()


def main() -> int:
    text = generate()
    SNAPSHOT.write_text(text, encoding="utf-8")
    load.cache_clear()
    print(f"{SNAPSHOT}: head schema at {stored_head()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
