"""Console tests: a demo database per test, the app driven by Pilot at the two sizes the
console must work at (a counter terminal and a 40x16 handheld)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_helpers import HOLD, PERSON, KeyClock, MakeApp

from serialpos.cli.context import CliState
from serialpos.db.engine import Database
from serialpos.services.demo import build_demo
from serialpos.tui.app import SerialposApp


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, built once (PIN hashing and the import are slow on purpose). Without
    the demo's day of activity: tests count the orders, sales and ASNs they make themselves."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    db = Database(f"sqlite:///{path}")
    build_demo(db, activity=False)
    db.dispose()
    return path


@pytest.fixture
def demo_url(demo_template: Path, tmp_path: Path) -> str:
    """A private copy of the demo database for one test."""
    path = tmp_path / "demo.sqlite"
    for suffix in ("", "-wal", "-shm"):
        source = demo_template.with_name(demo_template.name + suffix)
        if source.exists():
            shutil.copy(source, path.with_name(path.name + suffix))
    return f"sqlite:///{path}"


@pytest.fixture
def demo_db(demo_url: str) -> Iterator[Database]:
    """The same database, for setting up and checking what the console did."""
    db = Database(demo_url)
    yield db
    db.dispose()


@pytest.fixture
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own terminal config out of the tests."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in ("SERIALPOS_CONFIG", "SERIALPOS_STORE", "SERIALPOS_TERMINAL", "SERIALPOS_DB"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_app(demo_url: str, no_config: None) -> Iterator[MakeApp]:
    """``make_app(**kwargs)`` -> a console on the demo database."""
    made: list[SerialposApp] = []

    def make(
        url: str | None = None,
        config_path: str | None = None,
        demo_users: tuple[tuple[str, str], ...] = (),
        key_clock: KeyClock | None = None,
        key_hold: float | None = HOLD,
    ) -> SerialposApp:
        # Keys are a person typing unless the test says otherwise (see KeyClock), and keys the
        # wedge holds back go on at once: Pilot presses keys ~40 ms apart already.
        app = SerialposApp(
            CliState(db_url=url or demo_url, config_path=config_path),
            demo_users=demo_users,
            key_clock=key_clock or KeyClock(PERSON),
            key_hold=key_hold,
        )
        made.append(app)
        return app

    yield make
    for app in made:
        for source in app.scan_sources:  # normally stopped at exit; a failed test may not exit
            source.stop()
        db = app.source._db  # type: ignore[attr-defined]
        if db is not None:
            db.dispose()
