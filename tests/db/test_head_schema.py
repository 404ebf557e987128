"""A brand-new SQLite database is made from the stored head schema (db/head_schema.sql) in one
step, and is the database every migration makes: the same schema entries in the same order,
the same rows, the same file settings. When a migration is added and the file is not made
again, these tests fail naming the command that makes it; until then new databases take
the migrations. Anything but an empty SQLite database brought to head takes the migrations."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from serialpos import __version__
from serialpos.db import head_schema, migrate
from serialpos.db.engine import Database
from serialpos.services import stores
from serialpos.services.context import SYSTEM

REGENERATE = f"run `{head_schema.COMMAND}` to make src/serialpos/db/head_schema.sql again"


def test_the_stored_head_schema_is_at_the_migrations_head() -> None:
    assert head_schema.stored_head() == migrate.head_from_files() == migrate.head_revision(), (
        f"the stored head schema is at {head_schema.stored_head()}, the migrations at "
        f"{migrate.head_revision()}: {REGENERATE}"
    )


def test_the_stored_head_schema_is_what_the_migrations_make() -> None:
    made = head_schema.generate()
    assert head_schema.SNAPSHOT.read_text("utf-8") == made, (
        f"the stored head schema is not what the migrations make (on SQLite "
        f"{sqlite3.sqlite_version}): {REGENERATE}"
    )


@pytest.fixture
def alembic_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The revisions Alembic was asked to upgrade to, while the test runs."""
    from alembic import command

    real = command.upgrade
    asked: list[str] = []

    def spy(cfg: Any, revision: str, **kwargs: Any) -> None:
        asked.append(revision)
        real(cfg, revision, **kwargs)

    monkeypatch.setattr(command, "upgrade", spy)
    return asked


def _made(path: Path, how: Callable[[Database], tuple[str | None, str]]) -> Path:
    db = Database(f"sqlite:///{path}")
    try:
        assert how(db) == (None, migrate.head_revision())
        migrate.ensure_current(db)
    finally:
        db.dispose()
    return path


def _everything(path: Path) -> dict[str, object]:
    conn = sqlite3.connect(path)
    try:
        entries = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid"
        ).fetchall()
        rows = {
            name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for kind, name, _, _ in entries
            if kind == "table"
        }
        pragmas = {
            pragma: conn.execute(f"PRAGMA {pragma}").fetchall()
            for pragma in (
                "user_version",
                "application_id",
                "page_size",
                "auto_vacuum",
                "encoding",
                "journal_mode",
                "foreign_keys",
                "integrity_check",
                "foreign_key_check",
            )
        }
        return {"entries": entries, "rows": rows, "pragmas": pragmas}
    finally:
        conn.close()


def test_a_new_database_from_the_head_schema_is_the_migrations_one(
    tmp_path: Path, alembic_runs: list[str]
) -> None:
    head = migrate.head_revision()
    # A named revision, even the head, always takes the migrations.
    migrated = _made(tmp_path / "migrated.sqlite", lambda db: migrate.upgrade(db, head))
    assert alembic_runs == [head]
    quick = _made(tmp_path / "quick.sqlite", migrate.upgrade)
    assert alembic_runs == [head], "the new database was not made from the head schema"

    made, wanted = _everything(quick), _everything(migrated)
    assert made["entries"] == wanted["entries"]
    assert made["rows"] == wanted["rows"]
    assert made["pragmas"] == wanted["pragmas"]
    assert wanted["rows"]["alembic_version"] == [(head,)]  # type: ignore[index]
    assert wanted["rows"]["serialpos_install"] == [  # type: ignore[index]
        (migrate.INSTALL_KEY, __version__)
    ]
    triggers = [e for e in made["entries"] if e[0] == "trigger"]  # type: ignore[attr-defined]
    assert triggers, "the head schema lost the ledger's triggers"


def test_the_new_database_works_and_is_upgraded_no_further(
    tmp_path: Path, alembic_runs: list[str]
) -> None:
    path = _made(tmp_path / "quick.sqlite", migrate.upgrade)
    db = Database(f"sqlite:///{path}")
    try:
        assert migrate.at_head_quickly(db)
        head = migrate.head_revision()
        assert migrate.upgrade(db) == (head, head)
        assert alembic_runs == ["head"]  # not a new database any more: the migrations' way
        stores.add_store(db, SYSTEM, "S1", "Main Street")
        assert [(s.code, s.name) for s in stores.list_stores(db)] == [("S1", "Main Street")]
    finally:
        db.dispose()


def test_a_database_with_a_table_of_its_own_takes_the_migrations(
    tmp_path: Path, alembic_runs: list[str]
) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.close()
    _made(path, migrate.upgrade)
    assert alembic_runs == ["head"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT body FROM notes").fetchall() == [("keep me",)]
    conn.close()


def test_a_head_schema_of_another_head_is_not_used(
    tmp_path: Path, alembic_runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration added and the file not made again: new databases take the migrations."""
    stored = head_schema.load()
    assert stored is not None
    older = head_schema.Snapshot("0038_till_seal", stored.statements)
    monkeypatch.setattr(head_schema, "load", lambda: older)
    quick = _made(tmp_path / "stale.sqlite", migrate.upgrade)
    assert alembic_runs == ["head"]
    monkeypatch.undo()
    assert (
        _everything(quick)["entries"]
        == _everything(_made(tmp_path / "quick.sqlite", migrate.upgrade))["entries"]
    )


def test_an_older_revision_takes_the_migrations(tmp_path: Path, alembic_runs: list[str]) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite'}")
    try:
        assert migrate.upgrade(db, "0001") == (None, "0001")
        assert alembic_runs == ["0001"]
    finally:
        db.dispose()


def test_a_file_without_its_header_is_not_used(tmp_path: Path) -> None:
    unheaded = tmp_path / "head_schema.sql"
    unheaded.write_text("CREATE TABLE t (x INTEGER);\n", encoding="utf-8")
    assert head_schema.load(unheaded) is None
    assert head_schema.stored_head(unheaded) is None
    assert head_schema.stored_head(tmp_path / "missing.sql") is None


def test_statements_are_split_whole() -> None:
    text = (
        "-- serialpos head schema at revision x\n"
        "CREATE TABLE t (x TEXT);\n"
        "CREATE TRIGGER t_no_update BEFORE UPDATE ON t BEGIN SELECT RAISE(ABORT, 'no;'); END;\n"
        "INSERT INTO \"t\" VALUES('a;\n-- b');\n"
    )
    assert head_schema.split(text) == [
        "CREATE TABLE t (x TEXT);",
        "CREATE TRIGGER t_no_update BEFORE UPDATE ON t BEGIN SELECT RAISE(ABORT, 'no;'); END;",
        "INSERT INTO \"t\" VALUES('a;\n-- b');",
    ]


def test_a_new_database_is_made_without_importing_alembic(tmp_path: Path) -> None:
    """Alembic (with Mako and a dozen Pygments lexers) is most of what a new database cost."""
    probe = (
        "import sys\n"
        "from serialpos.db import migrate\n"
        "from serialpos.db.engine import Database\n"
        "db = Database(sys.argv[1])\n"
        "print(migrate.upgrade(db)[1])\n"
        "db.dispose()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    done = subprocess.run(
        [sys.executable, "-c", probe, url], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [migrate.head_revision(), "[]"]
