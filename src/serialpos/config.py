"""Terminal configuration: read once from TOML and the environment, then passed down.

Device, printer and identity settings belong to one terminal, so they live in a local
file rather than in the shared database. A missing file means defaults everywhere.
"""

from __future__ import annotations

import os
import re
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
class ChainConfig:
    """``[chain]``: this terminal is a store terminal of a chain (issue 16): it works on its
    own database and syncs its journal with ``server`` (``serialpos terminal init``)."""

    server: str
    token: str
    store: str
    terminal: str


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
    #: The raw ``[receipt_printer]`` table (an ESC/POS printer and its cash drawer), read by
    #: :mod:`serialpos.devices.receipt_printer`; empty: no receipt printer, invoices are PDFs.
    receipt_printer: dict[str, Any] = field(default_factory=dict)
    #: ``[log] path``: the log file (default: the platform log folder).
    log_path: Path | None = None
    #: ``[console] theme``: "linux" (16 colours, ASCII glyphs) or "default"; None: by TERM.
    console_theme: str | None = None
    #: Unknown keys and tables, each named with its line: said, never fatal.
    warnings: tuple[str, ...] = ()
    #: ``[chain]``: set on a store terminal of a chain.
    chain: ChainConfig | None = None

    def resolved_db_url(self) -> str:
        return self.db_url or default_db_url()

    def resolved_outbox(self) -> Path:
        return self.outbox or (data_dir() / "outbox")


#: The keys each table may hold (the ``[scanner]`` table is checked by devices.settings).
KNOWN_KEYS: dict[str, frozenset[str] | None] = {
    "database": frozenset({"url"}),
    "terminal": frozenset({"id", "store", "outbox"}),
    "printer": frozenset({"name"}),
    "log": frozenset({"path"}),
    "console": frozenset({"theme"}),
    "scanner": None,
    "receipt_printer": None,  # checked by devices.receipt_printer
    "chain": frozenset({"server", "token", "store", "terminal"}),
}


#: ``[scanner]`` keys of earlier versions: an upgraded terminal keeps its scanners and is told
#: (a warning) rather than refused, which would leave the till without any scanner.
RETIRED_SCANNER_KEYS = {
    "max_key_interval_ms": "a field now takes everything before Enter as one entry, whatever "
    "the gaps; on screens without a field the gap is 'key_gap_ms'",
}


_HEADER = re.compile(r"\[\[?\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?")
_KEY = re.compile(r"([A-Za-z0-9_\-]+)\s*=")


class _Located:
    """Says where a key is: "FILE, line N" from the file's text (TOML keeps no positions)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, table: str, key: str | None = None) -> int | None:
        """The line of ``[table]`` (or of ``table = ...`` at the top), or of ``key`` in it."""
        current: str | None = None
        for number, raw in enumerate(self.lines, 1):
            line = raw.strip()
            header = _HEADER.fullmatch(line)
            if header:
                current = header[1].split(".")[0]
                if key is None and current == table:
                    return number
                continue
            match = _KEY.match(line)
            if match is None:
                continue
            if key is None and current is None and match[1] == table:
                return number
            if key is not None and current == table and match[1] == key:
                return number
        return None

    def at(self, table: str, key: str | None = None) -> str:
        number = self.line_of(table, key)
        return f"{self.path}" + (f", line {number}" if number else "")


def _table(doc: dict[str, Any], name: str, where: _Located) -> dict[str, Any]:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where.at(name)}: [{name}] must be a table")
    return value


def _opt_str(table: dict[str, Any], key: str, where: _Located, name: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where.at(name, key)}: [{name}] '{key}' must be a string")
    return value


def _unknown_keys(doc: dict[str, Any], where: _Located) -> tuple[str, ...]:
    """A warning per key or table serialpos does not know (a typo would otherwise be ignored
    without a word): they are said, never fatal."""
    found = []
    for name, value in doc.items():
        if name not in KNOWN_KEYS:
            found.append(
                f"{where.at(name)}: unknown table or key '{name}' (known: "
                f"{', '.join(KNOWN_KEYS)}); ignored"
            )
            continue
        known = KNOWN_KEYS[name]
        if name == "scanner" and isinstance(value, dict):
            found.extend(
                f"{where.at(name, key)}: '{key}' is no longer used: {why}; ignored"
                for key, why in RETIRED_SCANNER_KEYS.items()
                if key in value
            )
        if known is None or not isinstance(value, dict):
            continue
        for key in value:
            if key not in known:
                found.append(
                    f"{where.at(name, key)}: unknown key '{key}' in [{name}] (known: "
                    f"{', '.join(sorted(known))}); ignored"
                )
    return tuple(found)


def load_config(
    path: str | Path | None = None, env: dict[str, str] | None = None
) -> TerminalConfig:
    """Read the terminal config. ``path`` wins over ``SERIALPOS_CONFIG`` which wins over the
    platform config directory; environment variables override what the file says."""
    env = dict(os.environ) if env is None else env
    explicit = path or env.get("SERIALPOS_CONFIG")
    cfg_path = Path(explicit).expanduser() if explicit else default_config_path()
    doc: dict[str, Any] = {}
    text = ""
    if cfg_path.exists():
        import tomllib  # only with a file: the console's start without one skips it

        try:
            text = cfg_path.read_text(encoding="utf-8")
            doc = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{cfg_path}: not valid TOML ({exc})") from exc
        except OSError as exc:
            raise ConfigError(f"{cfg_path}: cannot be read ({exc.strerror})") from exc
    elif explicit:
        raise ConfigError(f"config file {cfg_path} does not exist")

    where = _Located(cfg_path, text)
    database = _table(doc, "database", where)
    terminal = _table(doc, "terminal", where)
    printer = _table(doc, "printer", where)
    scanner = _table(doc, "scanner", where)
    receipt_printer = _table(doc, "receipt_printer", where)
    log = _table(doc, "log", where)
    log_path = _opt_str(log, "path", where, "log")
    theme = _opt_str(_table(doc, "console", where), "theme", where, "console")
    if theme is not None and theme not in ("default", "linux"):
        raise ConfigError(
            f"{where.at('console', 'theme')}: [console] theme must be "
            f'"default" or "linux", not {theme!r}'
        )

    outbox = env.get("SERIALPOS_OUTBOX") or _opt_str(terminal, "outbox", where, "terminal")
    chain = _chain(_table(doc, "chain", where), where)
    return TerminalConfig(
        path=cfg_path if cfg_path.exists() else None,
        db_url=env.get("SERIALPOS_DB") or _opt_str(database, "url", where, "database"),
        terminal_id=(
            env.get("SERIALPOS_TERMINAL")
            or _opt_str(terminal, "id", where, "terminal")
            or (chain.terminal if chain else "terminal")
        ),
        store=(
            env.get("SERIALPOS_STORE")
            or _opt_str(terminal, "store", where, "terminal")
            or (chain.store if chain else None)
        ),
        outbox=Path(outbox).expanduser() if outbox else None,
        printer=_opt_str(printer, "name", where, "printer"),
        scanner=scanner,
        receipt_printer=receipt_printer,
        log_path=Path(log_path).expanduser() if log_path else None,
        console_theme=theme,
        warnings=_unknown_keys(doc, where),
        chain=chain,
    )


def _chain(table: dict[str, Any], where: _Located) -> ChainConfig | None:
    if not table:
        return None
    values = {
        key: _opt_str(table, key, where, "chain")
        for key in ("server", "token", "store", "terminal")
    }
    missing = [key for key, value in values.items() if not value]
    if missing:
        raise ConfigError(f"{where.at('chain')}: [chain] needs {', '.join(missing)}")
    server = values["server"] or ""
    if not server.startswith(("http://", "https://")):
        raise ConfigError(
            f"{where.at('chain', 'server')}: [chain] server must be an http:// or https:// URL"
        )
    return ChainConfig(
        server=server.rstrip("/"),
        token=values["token"] or "",
        store=values["store"] or "",
        terminal=values["terminal"] or "",
    )
