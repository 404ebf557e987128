"""What every command needs: the database, the terminal config and who is acting.

Opened lazily, so that ``serialpos --help`` and the console's first screen do not pay for
SQLAlchemy before they need it (nor for the output module, which only a refusal needs here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

    from serialpos.config import TerminalConfig
    from serialpos.db.engine import Database
    from serialpos.services.context import Actor


@dataclass
class CliState:
    db_url: str | None = None
    user: str | None = None
    config_path: str | None = None
    #: True while the console runs: warnings go on its screen, not to stderr under it.
    in_console: bool = False
    #: Why owed event files could not be written at start, if they could not.
    outbox_warning: str = ""
    #: What the start-up hook did in the outbox: files written, leftover temp files removed.
    startup_written: tuple[Path, ...] = ()
    startup_removed: tuple[Path, ...] = ()
    _config: TerminalConfig | None = field(default=None, repr=False)
    _db: Database | None = field(default=None, repr=False)
    _actor: Actor | None = field(default=None, repr=False)

    def config(self) -> TerminalConfig:
        if self._config is None:
            from serialpos.config import load_config

            self._config = load_config(self.config_path)
            self._warn_config(self._config.warnings)
        return self._config

    def _warn_config(self, warnings: tuple[str, ...]) -> None:
        """Unknown keys in the terminal config: said (the console shows them at login)."""
        import logging

        for warning in warnings:
            logging.getLogger(__name__).warning("terminal config: %s", warning)
            if not self.in_console:
                _warn(warning)

    def url(self) -> str:
        return self.db_url or self.config().resolved_db_url()

    def database(self, *, check_schema: bool = True, create: bool = False) -> Database:
        """The database, opened once. A SQLite file that does not exist is refused unless
        ``create`` (commands that make a database) or it is the embedded default."""
        if self._db is None:
            from serialpos.config import default_db_url
            from serialpos.services.database import check_schema as ensure_schema
            from serialpos.services.database import open_database

            url = self.url()
            self._db = open_database(url, must_exist=not (create or url == default_db_url()))
            chain = self.config().chain
            if chain is not None and self.db_url is None:
                # A store terminal's own database: every service acting on it journals
                # what it completes, so the change reaches central (issue 16).
                from serialpos.terminal.journaled import attach

                attach(self._db, chain.terminal, chain)
            if check_schema:
                # The embedded default database is set up on first use; any other database
                # is set up deliberately with `serialpos db init`.
                ensure_schema(self._db, set_up_if_new=url == default_db_url())
                self._write_owed_event_files(self._db)
                self._check_user(self._db)
        return self._db

    def _check_user(self, db: Database) -> None:
        """``--user`` names someone who exists and is enabled, for every command that opens
        the database, read-only ones too: a disabled user cannot act at all. The console is
        the exception: there everyone logs in with their own name and PIN."""
        if self.user and self._actor is None and not self.in_console:
            from serialpos.services.users import require_active

            self._actor = require_active(db, self.user, self.config().terminal_id)

    def _write_owed_event_files(self, db: Database) -> None:
        """A file still owed (the process died between a commit and its file) is written at
        the next start. A folder that cannot be written is said, never fatal: the files stay
        owed and nothing recorded is lost."""
        from serialpos.files import remove_leftover_temp_files
        from serialpos.services.event_files import write_owed

        outbox = self.config().resolved_outbox()
        self.startup_removed = remove_leftover_temp_files(outbox)
        report = write_owed(db, outbox)
        self.startup_written = report.written
        self.outbox_warning = report.message
        if report.failed and not self.in_console:
            _warn(report.message)

    def actor(self, *, required: bool = True) -> Actor | None:
        if not self.user:
            if required:
                from serialpos.cli.output import EXIT_USAGE, fail

                fail(
                    "this command needs to know who acts: give --user NAME or set SERIALPOS_USER",
                    EXIT_USAGE,
                )
            return None
        db = self.database()
        if self._actor is None:  # a database opened without its schema check
            self._check_user(db)
        assert self._actor is not None
        return self._actor

    def require_actor(self) -> Actor:
        actor = self.actor(required=True)
        assert actor is not None
        return actor


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj


def _warn(text: str) -> None:
    """A warning on stderr (typer is imported here, not at start: see the console's start)."""
    import typer

    typer.echo(f"warning: {text}", err=True)


#: Commands a store terminal runs on its own database: journaled (``apply``), the sync
#: itself, and lookups that change nothing. Every other command writes without the journal
#: (its change would never reach central), so on a terminal it is refused until it is
#: journaled too; ``--db`` names another database explicitly and is not refused.
ON_TERMINAL = frozenset(
    {
        "apply",
        "sync",
        "terminal",
        "conflicts",
        "db",
        "stock",
        "serial",
        "report",
        "scan",
        "devices",
        "print",
        "events",
        "invoice",  # a receipt printed again from the terminal's own copy: reads only
        # counts: list and show read; approve journals the count whole, batches and scans,
        # as the `count` op under the terminal's number (services/counts/approval.py)
        "count",
        # customers: add and edit journal the record (customer_upsert); find and show read
        "customers",
        # shifts are the till's own (its drawer): checked here, never journaled
        # (services/shifts.py), so require_shift holds on a terminal's own sales
        "shift",
        # settings: show reads the till's copy (refreshed from central every 5 minutes,
        # terminal/refresh.py); set and clear are refused there (cli/settings.py)
        "settings",
        # products: show and export read the till's catalogue (lookups work offline as
        # online); set and import are refused there (cli/products.py)
        "products",
        # store: list reads; add is refused there (cli/stores.py)
        "store",
        # user: list and show read the till's copy (taken at its set-up); every change is
        # refused there (cli/users.py)
        "user",
        # asn: list and show read the till's copy of its store's open notices (taken with
        # the snapshot); import is refused there (cli/asn.py): notices are central's
        "asn",
    }
)


def refuse_unjournaled(st: CliState, command: str | None) -> None:
    """Refuse, on a store terminal, a command that would change its database unjournaled."""
    from serialpos.config import ConfigError

    if command is None:
        return  # the console: its counter flows journal what they complete (issue 16)
    if command in ON_TERMINAL or st.db_url is not None:
        return
    try:
        chain = st.config().chain
    except ConfigError:
        return  # said by the command that needs the config
    if chain is None:
        return
    what = f"'serialpos {command}'" if command else "the console"
    how = INSTEAD.get(command or "", "use 'serialpos apply' here, or run it at central")
    from serialpos.cli.output import fail

    # A rule's refusal (exit 1), not a usage error: the command was well formed, and
    # this database may not take it (README: 0 ok, 1 refused, 2 usage).
    fail(
        f"this is a store terminal of a chain: {what} does not go through the terminal's "
        f"journal yet, so its changes would never reach central: {how}"
    )


#: What to do instead of a refused command, by command.
INSTEAD = {
    "": "sell, return and receive with 'serialpos apply' (each line journaled), or use the "
    "console at central",
    "asn": "notices are imported at central; receive against one in the console's Receiving "
    "or with 'serialpos apply' (op asn_receive), both journaled",
    "products": "the catalogue is central's: change it there (the terminal fetches a "
    "product its store's events name)",
    "user": "users are central's: change them there and set the terminal up again for their PINs",
    "store": "stores are central's: change them there",
    "settings": "settings are central's: change them there; the terminal takes them at its "
    "next refresh (every 5 minutes while online, or 'serialpos sync')",
    "token": "tokens are central's: make them there",
    "demo": "a demo is made on a database of its own (--db)",
}


def on_terminal(st: CliState) -> bool:
    """Whether this invocation runs on a store terminal's own database (its config names a
    chain and no ``--db`` names another database)."""
    from serialpos.config import ConfigError

    if st.db_url is not None:
        return False
    try:
        return st.config().chain is not None
    except ConfigError:
        return False


def refuse_on_terminal(st: CliState, command: str) -> None:
    """Refuse a subcommand that changes what is central's, on a store terminal (its group
    is in :data:`ON_TERMINAL` for the subcommands that only read)."""
    if not on_terminal(st):
        return
    from serialpos.cli.output import fail

    group = command.split()[0]
    fail(  # exit 1, a rule's refusal, as refuse_unjournaled's
        f"this is a store terminal of a chain: 'serialpos {command}' would change the "
        f"terminal's copy only, never central: {INSTEAD[group]}"
    )


def start_invocation(st: CliState, command: str | None) -> None:
    """What every invocation does first: the log, and the store terminal's refusal."""
    _start_log(st)
    refuse_unjournaled(st, command)


def _start_log(st: CliState) -> None:
    """The log file from the terminal config when it can be read, else the default one (a
    command that needs the config then says what is wrong with it)."""
    from serialpos import logs
    from serialpos.config import ConfigError

    try:
        path = st.config().log_path
    except ConfigError:
        path = None
    logs.configure(path)
