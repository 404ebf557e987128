"""Terminal configuration: read once from TOML and the environment, then passed down.

Device, printer and identity settings belong to one terminal, so they live in a local
file rather than in the shared database. A missing file means defaults everywhere.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

APP_NAME = "serialpos"


class ConfigError(Exception):
    """The terminal config file exists but cannot be used; the message names the problem."""


def data_dir() -> Path:
    """Where the embedded database and the event outbox live by default."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'serialpos.sqlite'}"


def default_config_path() -> Path:
    return config_dir() / "terminal.toml"


@dataclass(frozen=True)
class TerminalConfig:
    """Everything one terminal knows about itself. ``devices`` is the raw ``[scanner]`` table,
    interpreted by :mod:`serialpos.devices.settings` so that this module stays free of device
    details."""

    path: Path | None = None
    db_url: str | None = None
    terminal_id: str = "terminal"
    store: str | None = None
    outbox: Path | None = None
    printer: str | None = None
    scanner: dict[str, Any] = field(default_factory=dict)
    #: ``[log] path``: the log file (default: the platform log folder).
    log_path: Path | None = None
    #: ``[console] theme``: "linux" (16 colours, ASCII glyphs) or "default"; None: by TERM.
    console_theme: str | None = None

    def resolved_db_url(self) -> str:
        return self.db_url or default_db_url()

    def resolved_outbox(self) -> Path:
        return self.outbox or (data_dir() / "outbox")


def _table(doc: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    return value


def _opt_str(table: dict[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: '{key}' must be a string")
    return value


def load_config(
    path: str | Path | None = None, env: dict[str, str] | None = None
) -> TerminalConfig:
    """Read the terminal config. ``path`` wins over ``SERIALPOS_CONFIG`` which wins over the
    platform config directory; environment variables override what the file says."""
    env = dict(os.environ) if env is None else env
    explicit = path or env.get("SERIALPOS_CONFIG")
    cfg_path = Path(explicit).expanduser() if explicit else default_config_path()
    doc: dict[str, Any] = {}
    if cfg_path.exists():
        try:
            doc = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{cfg_path}: not valid TOML ({exc})") from exc
        except OSError as exc:
            raise ConfigError(f"{cfg_path}: cannot be read ({exc.strerror})") from exc
    elif explicit:
        raise ConfigError(f"config file {cfg_path} does not exist")

    where = str(cfg_path)
    database = _table(doc, "database", cfg_path)
    terminal = _table(doc, "terminal", cfg_path)
    printer = _table(doc, "printer", cfg_path)
    scanner = _table(doc, "scanner", cfg_path)
    log = _table(doc, "log", cfg_path)
    log_path = _opt_str(log, "path", where)
    theme = _opt_str(_table(doc, "console", cfg_path), "theme", where)
    if theme is not None and theme not in ("default", "linux"):
        raise ConfigError(f"{where}: [console] theme must be \"default\" or \"linux\", "
                          f"not {theme!r}")

    outbox = env.get("SERIALPOS_OUTBOX") or _opt_str(terminal, "outbox", where)
    return TerminalConfig(
        path=cfg_path if cfg_path.exists() else None,
        db_url=env.get("SERIALPOS_DB") or _opt_str(database, "url", where),
        terminal_id=env.get("SERIALPOS_TERMINAL") or _opt_str(terminal, "id", where) or "terminal",
        store=env.get("SERIALPOS_STORE") or _opt_str(terminal, "store", where),
        outbox=Path(outbox).expanduser() if outbox else None,
        printer=_opt_str(printer, "name", where),
        scanner=scanner,
        log_path=Path(log_path).expanduser() if log_path else None,
        console_theme=theme,
    )
