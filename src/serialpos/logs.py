"""The log file: where it is, how it rotates, and what never goes into it.

Set up once per process by the ``serialpos`` entry point (the console runs inside it): a
rotating file (1 MB, five old files kept) under ``platformdirs.user_log_path`` or the terminal
config's ``[log] path``; level from ``SERIALPOS_LOG_LEVEL`` (default INFO). Every line passes a
redacting formatter, so a PIN or token typed after ``--pin``/``--token`` (or written as
``pin=...``) can never reach the file, tracebacks included.

:func:`action` writes the one line per user action (who, terminal, what, document) on the
``serialpos.actions`` logger. Imports nothing heavy: the CLI calls it before any command.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

APP_NAME = "serialpos"
LOGGER = "serialpos"
MAX_BYTES = 1_000_000
BACKUPS = 5

# The patterns are strings: ``re`` compiles them (and keeps them) at the first line redacted,
# not at every start (the console's login is drawn before any line is written).
_VALUE = r"(?P<value>['\"]?[^\s'\",;:)]+['\"]?)"
#: ``--pin 1234``, ``--pin=1234``, ``pin: 1234``, ``token='abc'`` (not ``set-pin ada``).
_SECRET = (
    r"(?P<key>--(?:pin|token|password))(?P<sep>=|\s+)"
    + _VALUE
    + r"|(?P<key2>(?<![\w-])(?:pin|token|password|pin_hash))(?P<sep2>\s*[=:]\s*)"
    + _VALUE.replace("value", "value2")
)
#: The password in a database URL: ``postgresql://kim:secret@host`` -> ``kim:***@host``.
_URL_PASSWORD = r"(?P<head>://[^:/@\s]*:)\S+@"
_installed: tuple[Path, logging.Handler] | None = None


#: The two patterns compiled, made by the first :func:`redact` (see above).
_compiled: tuple[re.Pattern[str], re.Pattern[str]] | None = None


def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    global _compiled
    if _compiled is None:
        _compiled = (re.compile(_URL_PASSWORD), re.compile(_SECRET, re.IGNORECASE))
    return _compiled


def _hide_url_password(m: re.Match[str]) -> str:
    return f"{m['head']}***@"


def _hide_secret(m: re.Match[str]) -> str:
    return f"{m['key'] or m['key2']}{m['sep'] or m['sep2']}***"


def redact(text: str) -> str:
    """``--pin 1234`` -> ``--pin ***``; ``token=abc`` -> ``token=***``. The compiled
    patterns are kept here rather than looked up in ``re``'s cache for every line."""
    url_password, secret = _patterns()
    return secret.sub(_hide_secret, url_password.sub(_hide_url_password, text))


class RedactingFormatter(logging.Formatter):
    """Formats as usual (traceback included), then takes every secret out of the result."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def default_log_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_path(APP_NAME, appauthor=False)) / "serialpos.log"


def log_level(env: dict[str, str] | None = None) -> int:
    name = (os.environ if env is None else env).get("SERIALPOS_LOG_LEVEL", "INFO")
    level = logging.getLevelName(name.strip().upper())
    return level if isinstance(level, int) else logging.INFO


def configure(path: Path | None = None, env: dict[str, str] | None = None) -> Path | None:
    """Send the ``serialpos`` loggers to the rotating file at ``path`` (default: the platform
    log folder). Returns the file, or None when it cannot be opened (said on stderr once; the
    program works on without a log). Calling it again with the same file changes nothing."""
    global _installed
    target = (path or default_log_file()).expanduser()
    logger = logging.getLogger(LOGGER)
    logger.setLevel(log_level(env))
    if _installed is not None:
        if _installed[0] == target:
            return target
        logger.removeHandler(_installed[1])
        _installed[1].close()
        _installed = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingLog(target)
    except OSError as exc:
        import sys

        print(f"warning: no log file: {target} cannot be written ({exc.strerror})", file=sys.stderr)
        return None
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s")
    )
    logger.addHandler(handler)
    _installed = (target, handler)
    return target


class RotatingLog(logging.Handler):
    """The log file, rotated at :data:`MAX_BYTES` with :data:`BACKUPS` old files kept, by
    ``logging.handlers.RotatingFileHandler`` made when the first line is written: every
    command and the console set the log up as they start, and ``logging.handlers`` (pickle
    with it, about 1 ms) is not part of drawing the console's login (bench/startup_bench.py).
    The file is opened for appending here, so one that cannot be written is said at once,
    as before."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        path.open("a", encoding="utf-8").close()  # OSError: the caller says it
        self.path = path
        self.file: logging.Handler | None = None
        #: A line could not be written: said once on stderr (:meth:`handleError`).
        self.failed = False

    def emit(self, record: logging.LogRecord) -> None:
        # Called under this handler's lock (Handler.handle): the file is made once.
        if self.file is None:
            from logging.handlers import RotatingFileHandler

            try:
                self.file = RotatingFileHandler(
                    self.path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
                )
            except OSError:  # gone since: said as logging says a line it could not write
                self.handleError(record)
                return
            self.file.setFormatter(self.formatter)
            # Its own failures (a full disk: ``File too large``, ``No space left``) are said
            # here, once, instead of logging's traceback on stderr for every line.
            self.file.handleError = self.handleError  # type: ignore[method-assign]
        self.file.emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        """A line that cannot be written to the log file (its disk is full, its folder gone):
        one line on stderr the first time, naming the file and the reason, then silence. The
        command goes on and says its own outcome; logging's default would print a traceback
        and the record's arguments for every line, burying that outcome."""
        if self.failed:
            return
        self.failed = True
        import contextlib
        import sys

        exc = sys.exc_info()[1]
        reason = (exc.strerror if isinstance(exc, OSError) else None) or type(exc).__name__
        with contextlib.suppress(OSError, ValueError):  # stderr gone too: nobody to tell
            print(
                f"warning: the log file {self.path} cannot be written ({reason}): "
                "log lines of this run are lost",
                file=sys.stderr,
            )

    def flush(self) -> None:
        if self.file is not None:
            self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            try:
                self.file.close()
            except OSError:  # the lines still buffered cannot be written either: said once
                self.handleError(logging.makeLogRecord({"msg": "log file closed"}))
        super().close()


def current_log_file() -> Path | None:
    """The file this process logs to, if any (the console names it under an error)."""
    return None if _installed is None else _installed[0]


def where_logged() -> str:
    """The end of an unexpected-error message: where the traceback went."""
    found = current_log_file()
    return f"; details are in {found}" if found else ""


#: The actions' logger, looked up once: ``logging.getLogger`` takes logging's module lock,
#: and :func:`action` runs after every ledger move (services/ledger.py).
_ACTIONS = logging.getLogger(f"{LOGGER}.actions")


def action(user: str, terminal: str, what: str, document: str | None = None) -> None:
    """One line per user action: who, at which terminal, what, on which document. Nothing is
    redacted or formatted when INFO is off for the actions' logger (no log set up: a bench,
    a library caller; or ``SERIALPOS_LOG_LEVEL`` above INFO): the line would be dropped
    anyway. When it is written, ``what`` is redacted here and the whole line again by the
    file's formatter, as before."""
    if not _ACTIONS.isEnabledFor(logging.INFO):
        return
    doc = f" document={document}" if document else ""
    _ACTIONS.info("user=%s terminal=%s action=%s%s", user, terminal, redact(what), doc)


def stop() -> None:
    """Close the log file (tests, and a process that hands over to another)."""
    global _installed
    if _installed is not None:
        logging.getLogger(LOGGER).removeHandler(_installed[1])
        _installed[1].close()
        _installed = None
