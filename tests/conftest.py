"""Shared fixtures: real databases (a SQLite file, and PostgreSQL when it answers).

PostgreSQL tests run in a schema of their own per test, so xdist workers never collide. On a
laptop without PostgreSQL they skip with the reason; in CI (``CI`` set) they must not skip,
so an unreachable server fails them instead.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from pg_server import drop_schema, filled_schemas, new_schema, require_postgres, schema_url
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.services import stores, users
from serialpos.services.context import SYSTEM, Actor

#: Hypothesis judges its own input generation by the clock: on a loaded machine (CI beside
#: other jobs) "only generated 2 valid inputs after 3.65 seconds" failed a counts test whose
#: every example passed (tests/unit/test_counts_domain.py, at load 18). The examples and the
#: assertions are the same; only the clock's verdicts (too slow to generate, over the
#: 200 ms deadline) are dropped.
settings.register_profile("serialpos", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("serialpos")


def _whole_tree_built_once() -> None:
    """``CliRunner().invoke(app, ...)`` turns the Typer app into click's commands on every
    call (``typer.testing`` calls ``typer.main.get_command``: the signature and type hints of
    each of ~100 command functions, 20-30 ms of CPU), ~680 times in the suite for the same
    tree. The whole command tree (``serialpos.cli.app.app``) is built once per test process
    instead. Building has no effect but the result, and click parses each invocation into a
    context of its own, so the reused tree answers as a new one (a fork server's command
    reuses it too, tests/cli_fork.py); the one input of the build that could change between
    invokes (typer's completion test variable) is part of the key. Other Typer apps are built
    per call as before. Patched here, not imported: a test that never invokes the command
    tree does not import it."""
    import typer.testing

    build = typer.testing._get_command
    built: dict[tuple[int, str | None], Any] = {}

    def get_command(app: Any) -> Any:
        commands = sys.modules.get("serialpos.cli.commands")
        if commands is None or app is not commands._whole:
            return build(app)
        key = (id(app), os.environ.get("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"))
        if key not in built:
            built[key] = build(app)
        return built[key]

    typer.testing._get_command = get_command


_whole_tree_built_once()


def _pins_hashed_once_per_process() -> None:
    """A PIN's scrypt costs ~80 ms of CPU on purpose (domain/users.py), and the suite paid it
    again and again for the same work: the ``admin`` fixture's PIN "1234" hashed for every
    test that takes it, the demo cashier's "3333" checked against the same stored hash at
    every console test's log-in (about 1,000 and 1,500 times: 3-4 minutes of CPU, 6% of the
    suite's). In the test processes (not the commands' children), the services' hash of a
    PIN is made once and reused, and the check of a PIN against a stored hash is worked out
    once and its answer reused: every answer is scrypt's own, a wrong PIN or another stored
    hash is worked out afresh, and tests/unit/test_users_domain.py tests the functions
    themselves (salted, verified), which are not touched."""
    import functools

    from serialpos.services import user_admin
    from serialpos.services import users as user_services

    hash_pin = functools.cache(user_services.hash_pin)
    user_services.hash_pin = hash_pin  # type: ignore[assignment]
    user_admin.hash_pin = hash_pin  # type: ignore[assignment]
    user_services.verify_pin = functools.cache(user_services.verify_pin)  # type: ignore[assignment]


_pins_hashed_once_per_process()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: twice as many workers as cores. A third of the suite's wall time is
    waiting, not computing (a real ``serve`` starting, a child process, a console's frames):
    on 2 cores the whole suite kept the machine at a load of about 1.5 with 2 workers
    (22 min); a third worker filled those waits, and a fourth more (session twenty-one, fresh
    clones: pytest 1,011 s with 3 workers, 780 s with 4 and the commands' start made
    cheaper; the tests' own times summed 2,877 s and 2,849 s: the fourth worker ran in the
    others' waits, and the cheaper commands saved 80 s of the terminal tests' 970)."""
    return max(2, (os.cpu_count() or 1) * 2)


#: Folders whose files take the longest (a real ``serve`` and terminals as processes, killed
#: and racing children): their files go to the workers first, so the suite does not end with
#: one worker still running them while the others wait (a third worker alone no longer helped:
#: the last 4% of the suite ran on one worker for 7 minutes).
SLOW_FIRST = ("terminal", "chaos")

#: The longest files of all, longest first: they start before the slow folders' other files.
#: A file with few tests is no shorter for it (the wheel's one test, the stateful machines'
#: three): from ``--durations`` and per-file sums (README, "Test order").
LONGEST_FIRST = (
    "terminal/test_sync_faults.py",
    "terminal/test_sync_stateful.py",
    "terminal/test_central_restore.py",
    "terminal/test_central_units.py",
    "terminal/test_console_terminal_conflicts.py",
    "terminal/test_quantities_put_back.py",
    "terminal/test_console_terminal.py",
    "terminal/test_two_tills.py",
    "tui/test_scan_replay.py",
    "db/test_ledger_stateful.py",
    "test_wheel.py",
    "chaos/test_busy_wait.py",
    "api/test_conflict_resolve_race.py",
)


#: Seconds Textual's Pilot sleeps between its looks at whether the console is idle
#: (``SERIALPOS_TEST_PILOT_IDLE``; ``0`` keeps Textual's own 0.02). Pilot looks twice after
#: every key it presses and once per ``pause()``: at 0.02 the console tests sleep about 3 s
#: each doing nothing (tests/tui/test_sale.py and test_sale_line_serials.py: 3,551 looks, 71 s
#: of sleep for 24 tests; 20.8 s at 0.005, the same CPU). A test that reads the screen right
#: after ``pilot.press`` counts on a frame painted meanwhile (Textual paints about every
#: 17 ms): such tests wait with ``shows``. Two clean runs of tests/tui at 0.005 (329 tests at
#: load 2.5-5 in 4:22 against 7:34 at 0.02; 492 tests at load 16-18 in 21:49, session
#: seventeen) made it the default: CI had grown past 20 minutes.
PILOT_IDLE_INTERVAL = float(os.environ.get("SERIALPOS_TEST_PILOT_IDLE", "0.005") or 0)


def _pilot_looks_sooner() -> None:
    if PILOT_IDLE_INTERVAL <= 0:
        return
    import textual._wait

    textual._wait.SLEEP_GRANULARITY = PILOT_IDLE_INTERVAL
    textual._wait.SLEEP_IDLE = PILOT_IDLE_INTERVAL / 20


def pytest_configure(config: pytest.Config) -> None:
    """serialpos compiled to bytecode once, before the workers start: this machine's shells
    set ``PYTHONDONTWRITEBYTECODE``, so every ``serialpos`` child (a ``serve``, a killed
    ``apply``, a fork server) compiled the whole package from source again, about 0.1 s of
    CPU each. A wheel install compiles it the same way. And the temporary files in memory
    (:func:`_temporary_files_in_memory`), and Pilot's idle interval when set (every process)."""
    _pilot_looks_sooner()
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        import compileall

        import serialpos

        compileall.compile_dir(Path(serialpos.__file__).parent, quiet=1)
        _temporary_files_in_memory(config)
        _test_files_rewritten_once(config)


def _test_files_rewritten_once(config: pytest.Config) -> None:
    """pytest rewrites the asserts of every test file, conftest and plugin module (all of a
    plugin distribution's modules: schemathesis's, hypothesis's) as it imports it, and keeps
    the result in a ``__pycache__`` file only where bytecode may be written: this machine's
    shells (and CI's) set ``PYTHONDONTWRITEBYTECODE``, so each xdist worker rewrote ~500 test
    files and ~280 plugin modules again (a collection cost 35 s of CPU, 12 s with them
    cached; 4 workers on 2 cores: ~45 s of the suite's wall time). The controller writes
    them once, before the workers start, split over the cores; a worker reads such a file
    when its source hash matches (pytest reads them even when it may not write), else
    rewrites as before. Only with workers, and only the test files the run names. pytest's
    own functions are private: if they move, nothing is done."""
    if config.getoption("numprocesses", None) in (None, 0) or config.option.assertmode != "rewrite":
        return
    try:
        from _pytest.assertion import rewrite
        from _pytest.assertion.rewrite import (
            PYC_TAIL,
            AssertionRewritingHook,
            _read_pyc,
            _rewrite_test,
            _write_pyc,
            get_cache_dir,
        )
    except ImportError:
        return
    files: set[Path] = set()
    for arg in config.args or [str(Path(__file__).parent)]:
        named = arg.split("::")[0]
        path = Path(config.invocation_params.dir, named)
        path = (path if path.exists() else Path(config.rootpath, named)).resolve()
        found = path.rglob("*.py") if path.is_dir() else [path]
        files.update(p for p in found if p.name.startswith("test_") or p.name == "conftest.py")
    for module in list(sys.modules.values()):  # the plugins this process rewrote on import
        spec = getattr(module, "__spec__", None)
        if isinstance(getattr(spec, "loader", None), AssertionRewritingHook) and spec.origin:
            files.add(Path(spec.origin))

    def cached(path: Path) -> Path:
        return get_cache_dir(path) / (path.name[:-3] + PYC_TAIL)

    todo = sorted(p for p in files if p.is_file() and _read_pyc(p, cached(p)) is None)
    state = config.stash[rewrite.assertstate_key]

    def write(share: list[Path]) -> None:
        for path in share:
            try:
                get_cache_dir(path).mkdir(exist_ok=True)
                source_hash, code = _rewrite_test(path, config)
            except (OSError, SyntaxError):
                continue  # the worker that imports it says what is wrong
            _write_pyc(state, code, source_hash, cached(path))

    shares = max(1, min(os.cpu_count() or 1, len(todo)))
    children = []
    for share in range(1, shares):
        pid = os.fork()
        if pid == 0:
            try:
                write(todo[share::shares])
            finally:
                os._exit(0)
        children.append(pid)
    write(todo[0::shares])
    for pid in children:
        os.waitpid(pid, 0)


#: Where the tests' temporary files go (``tmp_path``, the workers' and every child's TMPDIR)
#: when it is a tmpfs; ``SERIALPOS_TEST_TMPFS=`` (empty) keeps the system's temporary folder.
TMPFS = os.environ.get("SERIALPOS_TEST_TMPFS", "/dev/shm")


def _temporary_files_in_memory(config: pytest.Config) -> None:
    """Every SQLite commit fsyncs (WAL, ``synchronous=FULL``), and a terminal test's journal
    more: on a disk shared with other work each costs milliseconds of waiting, a third of
    a SQLite test file's time here (tests/db/test_ledger_rules.py and tests/cli/
    test_apply_cli.py: 36-47 s on disk, 26-29 s on tmpfs, load 15-17). No test is about
    surviving a power cut: a process killed (SIGKILL) loses the same on either, and
    tests/chaos/test_disks.py mounts a tmpfs of its own. Not done when a base folder or
    ``PYTEST_DEBUG_TEMPROOT`` is given, or the folder is not a writable tmpfs."""
    if config.option.basetemp or os.environ.get("PYTEST_DEBUG_TEMPROOT") or not TMPFS:
        return
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            tmpfs = any(line.split()[1] == TMPFS and line.split()[2] == "tmpfs" for line in mounts)
    except OSError:
        return
    if tmpfs and os.access(TMPFS, os.W_OK | os.X_OK):
        import tempfile

        os.environ["TMPDIR"] = TMPFS  # the workers and their children inherit it
        tempfile.tempdir = None  # gettempdir() reads TMPDIR again: pytest's base folder


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The ``db`` fixture's pooled PostgreSQL schemas are dropped when a test process ends
    (every xdist worker has a pool of its own; ``atexit`` would too, unless killed)."""
    filled_schemas.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first, then the slow folders' files; every file's tests stay
    together and in order (a stable sort), so ``--dist loadfile`` hands them out as before,
    only sooner. The order holds only with ``--no-loadscope-reorder`` (pyproject's addopts):
    xdist otherwise queues the files by their number of tests, most first, whatever this
    order, and the files of one to three long tests (the wheel, the stateful machines, the
    busy-wait attack) started last and ran on while the other workers had nothing left."""
    here = Path(__file__).parent
    rank = {name: number for number, name in enumerate(LONGEST_FIRST)}

    def weight(item: pytest.Item) -> int:
        parts = item.path.relative_to(here).parts if item.path.is_relative_to(here) else ()
        if "/".join(parts) in rank:
            return rank["/".join(parts)]
        return len(rank) + (0 if parts and parts[0] in SLOW_FIRST else 1)

    items.sort(key=weight)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema."""
    require_postgres()
    schema = new_schema()
    yield schema_url(schema)
    drop_schema(schema)


@pytest.fixture
def pg_filled_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a schema at head with only what the migrations
    insert, taken from this process's pool and put back as it was after the test (or
    dropped, when it cannot be: pg_server.FilledSchemaPool)."""
    require_postgres()
    schema = filled_schemas.take()
    yield schema_url(schema)
    filled_schemas.give_back(schema)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'serialpos.sqlite'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs the test once on a SQLite file and once on PostgreSQL. For a test using ``db``
    the PostgreSQL schema is a filled one of the pool (``pg_filled_url``), else an empty one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'serialpos.sqlite'}"
    if "db" in request.fixturenames:
        return str(request.getfixturevalue("pg_filled_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite file brought to head, once per test process (from the stored head
    schema, db/head_schema.py, as every new SQLite database: tests/db/test_head_schema.py
    proves it the migrations' database)."""
    path = tmp_path_factory.mktemp("migrated") / "head.sqlite"
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database)
    database.dispose()  # the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def db(db_url: str, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A migrated, empty database with two stores (S1, S2). It starts as a copy of one
    made at head once per test process, not made here: a SQLite file copied (made from the
    head schema, db/head_schema.sql), a PostgreSQL schema made from its dump (pg_server.py),
    or one such schema an earlier test used, put back as it was just made
    (``pg_filled_url``). Through the migrations a database cost about 0.35 s of CPU a test
    (Alembic's import included); a PostgreSQL schema made and dropped for each test cost the
    server 0.17 s of CPU, one put back 0.02-0.03 s."""
    if db_url.startswith("sqlite:///"):
        template = request.getfixturevalue("migrated_sqlite")
        shutil.copyfile(template, db_url.removeprefix("sqlite:///"))
    database = Database(db_url)
    stores.add_store(database, SYSTEM, "S1", "Main Street")
    stores.add_store(database, SYSTEM, "S2", "Harbour Mall")
    yield database
    database.dispose()


@pytest.fixture
def admin(db: Database) -> Actor:
    users.add_user(db, None, "ada", "admin", "1234")
    return users.actor_for(db, "ada", "test-terminal")


@pytest.fixture(autouse=True)
def outbox_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's event files land in its own folder, never in the user's data directory:
    any command may write files owed from an earlier step."""
    folder = tmp_path / "outbox"
    monkeypatch.setenv("SERIALPOS_OUTBOX", str(folder))
    return folder


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The platform log folder is the test's own; the log file is closed after the test."""
    from serialpos import logs

    folder = tmp_path / "xdg-state"
    monkeypatch.setenv("XDG_STATE_HOME", str(folder))
    monkeypatch.delenv("SERIALPOS_LOG_LEVEL", raising=False)
    yield folder
    logs.stop()


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The platform data directory (default database, blind-receipt drafts) is the test's own,
    never the user's."""
    folder = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    return folder
