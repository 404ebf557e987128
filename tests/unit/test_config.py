"""Terminal configuration: TOML file, environment overrides, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from serialpos.config import ConfigError, TerminalConfig, load_config

FULL = """
[database]
url = "postgresql://pos@db/shop"

[terminal]
id = "till-3"
store = "S01"
outbox = "/var/spool/serialpos"

[printer]
name = "epson"

[scanner]
source = "evdev"
device = "/dev/input/event3"
"""


@pytest.fixture
def no_default_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the platform config directory at an empty folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def test_missing_default_file_gives_defaults(no_default_config: Path) -> None:
    cfg = load_config(env={})
    assert cfg == TerminalConfig()
    assert cfg.path is None
    assert cfg.db_url is None
    assert cfg.terminal_id == "terminal"
    assert cfg.store is None and cfg.outbox is None and cfg.printer is None
    assert cfg.scanner == {}
    data = no_default_config / "data" / "serialpos"
    assert cfg.resolved_db_url() == f"sqlite:///{data / 'serialpos.sqlite'}"
    assert cfg.resolved_outbox() == data / "outbox"


def test_default_file_is_read(no_default_config: Path) -> None:
    path = no_default_config / "config" / "serialpos" / "terminal.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[terminal]\nid = "till-9"\n', encoding="utf-8")
    cfg = load_config(env={})
    assert cfg.path == path
    assert cfg.terminal_id == "till-9"


def test_file_values(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(FULL, encoding="utf-8")
    cfg = load_config(path, env={})
    assert cfg.path == path
    assert cfg.db_url == "postgresql://pos@db/shop"
    assert cfg.terminal_id == "till-3"
    assert cfg.store == "S01"
    assert cfg.outbox == Path("/var/spool/serialpos")
    assert cfg.printer == "epson"
    assert cfg.scanner == {"source": "evdev", "device": "/dev/input/event3"}
    assert cfg.resolved_db_url() == "postgresql://pos@db/shop"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(FULL, encoding="utf-8")
    env = {
        "SERIALPOS_DB": "sqlite:////tmp/x.sqlite",
        "SERIALPOS_STORE": "S02",
        "SERIALPOS_TERMINAL": "till-7",
        "SERIALPOS_OUTBOX": str(tmp_path / "out"),
    }
    cfg = load_config(path, env=env)
    assert cfg.db_url == "sqlite:////tmp/x.sqlite"
    assert cfg.store == "S02"
    assert cfg.terminal_id == "till-7"
    assert cfg.outbox == tmp_path / "out"
    assert cfg.printer == "epson"  # not overridden


def test_environment_without_a_file(no_default_config: Path) -> None:
    cfg = load_config(env={"SERIALPOS_STORE": "S05", "SERIALPOS_TERMINAL": "t1"})
    assert (cfg.store, cfg.terminal_id, cfg.path) == ("S05", "t1", None)


def test_serialpos_config_env_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text('[terminal]\nstore = "S03"\n', encoding="utf-8")
    assert load_config(env={"SERIALPOS_CONFIG": str(path)}).store == "S03"
    # an explicit path wins over SERIALPOS_CONFIG
    explicit = tmp_path / "explicit.toml"
    explicit.write_text('[terminal]\nstore = "S04"\n', encoding="utf-8")
    assert load_config(explicit, env={"SERIALPOS_CONFIG": str(path)}).store == "S04"


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as err:
        load_config(missing, env={})
    assert str(missing) in str(err.value)
    assert "does not exist" in str(err.value)
    with pytest.raises(ConfigError):
        load_config(env={"SERIALPOS_CONFIG": str(missing)})


@pytest.mark.parametrize("text", ["[terminal\nid = 1", "id = ", "a = 'x'\na = 'y'\n"])
def test_bad_toml_names_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert str(path) in str(err.value)
    assert "not valid TOML" in str(err.value)


def test_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[terminal]\nid = "caf\xe9"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("terminal = 3\n", "[terminal] must be a table"),
        ("[terminal]\nid = 42\n", "'id' must be a string"),
        ("[database]\nurl = true\n", "'url' must be a string"),
    ],
)
def test_wrong_types_name_the_file(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "types.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert fragment in str(err.value)
    assert str(path) in str(err.value)


def test_directory_as_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, env={})
    assert str(tmp_path) in str(err.value)
