"""``serialpos terminal init|status`` and ``serialpos sync``: a store terminal of a chain.

``ON_TERMINAL`` and ``refuse_unjournaled`` live in :mod:`serialpos.cli.context` (the console
starts without importing this module) and are re-exported here."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from serialpos.cli.context import CliState, state
from serialpos.cli.output import EXIT_REFUSED, EXIT_USAGE, fail, print_json, say
from serialpos.domain.text import visible

app = typer.Typer(
    help="A store terminal of a chain: its own database, synced with central.", no_args_is_help=True
)


@app.command("init")
def init(
    ctx: typer.Context,
    server: str = typer.Option(..., "--server", help="Central's URL (serialpos serve)."),
    token: str = typer.Option(..., "--token", help="This terminal's own token."),
    store: str = typer.Option(..., "--store", help="The store this terminal works at."),
    terminal: str | None = typer.Option(
        None, "--terminal", help="Terminal id (default: generated, unique)."
    ),
    data: Path | None = typer.Option(
        None,
        "--data",
        help="The local database file (default: next to the config, terminal.sqlite).",
    ),
    config: Path | None = typer.Option(
        None,
        "--config",
        help="The config file to write (as the global --config before the command).",
    ),
) -> None:
    """Set up this terminal from central's snapshot of the store and write its config
    (--config, SERIALPOS_CONFIG, or the default config file)."""
    from serialpos.config import default_config_path
    from serialpos.terminal import bootstrap

    st = state(ctx)
    if not server.startswith(("http://", "https://")):
        fail("--server must be an http:// or https:// URL", EXIT_USAGE)
    import os

    # The form (`terminal init ... --config FILE`) and the global one both name it.
    given = config or st.config_path or os.environ.get("SERIALPOS_CONFIG")
    config_path = Path(given).expanduser() if given else default_config_path()
    db_path = data or config_path.with_name(config_path.stem + ".sqlite")
    terminal_id, units = bootstrap.init(
        server=server,
        token=token,
        store=store,
        terminal=terminal,
        config_path=config_path,
        db_path=db_path,
    )
    say(
        f"terminal {terminal_id} of store {store} set up: {units} units; config "
        f"{config_path}, database {db_path}"
    )


#: Said when a terminal's command runs where no store terminal is configured.
NOT_A_TERMINAL = "this command needs a store terminal's config ([chain]: serialpos terminal init)"


def _chain_db(st: CliState, *, answers_json: bool = False):  # type: ignore[no-untyped-def]
    """The chain's settings and the terminal's database, or the refusal: a command whose
    answer is JSON (``answers_json``) says it as JSON on stdout too (``error`` names it), so
    a script reading the answer is not left with nothing to parse; exit 2 either way."""
    chain = st.config().chain
    if chain is None:
        if answers_json:
            print_json({"error": "not_a_store_terminal", "message": NOT_A_TERMINAL})
        fail(NOT_A_TERMINAL, EXIT_USAGE)
    return chain, st.database()


#: ``--json`` on the commands that print JSON always (the README: every reporting command
#: takes it). A script that passes it, as it does to ``db check`` or ``report``, was refused
#: as a usage error (exit 2) before the command ran; the output is the same either way.
JSON_ALWAYS = typer.Option(False, "--json", help="Print JSON (this command always does).")


@app.command("status")
def status(ctx: typer.Context, json_out: bool = JSON_ALWAYS) -> None:
    """Entries waiting for central, the oldest one's age, conflicts and refusals (JSON)."""
    del json_out  # the output is JSON either way
    from serialpos.terminal.link import read_state
    from serialpos.terminal.status import status as terminal_status

    chain, db = _chain_db(state(ctx), answers_json=True)
    link = read_state(db)
    print_json(
        {
            "terminal": chain.terminal,
            "store": chain.store,
            "server": chain.server,
            **terminal_status(db),
            # as the last sync round found it (null before the first); "refused" when
            # central answered but refused this till (link_refusal says why)
            "link": link.link,
            "link_refusal": link.refusal,
            "link_since": None if link.since is None else link.since.isoformat() + "Z",
            # when central last answered: the offline rules count a till quiet for longer
            # than link.HEARD_WITHIN as offline (terminal/offline_rules.py)
            "heard_at": None if link.heard_at is None else link.heard_at + "Z",
        }
    )


@app.command("allow-offline")
def allow_offline(
    ctx: typer.Context,
    pin: str | None = typer.Option(None, "--pin", help="The manager's PIN; prompted if not given"),
) -> None:
    """A manager (--user) lets this terminal sell on while its link to central is down, as
    the store setting offline_requires_manager_pin asks; it holds until the link is back."""
    from serialpos.terminal.offline_rules import allow_offline as allow

    st = state(ctx)
    chain, db = _chain_db(st)
    if not st.user:
        fail("name the manager with --user", EXIT_USAGE)
    if pin is None:
        pin = typer.prompt("manager's PIN", hide_input=True)
    if allow(db, st.user, pin, chain.terminal):
        say(f"{st.user} allowed terminal {chain.terminal} to sell offline until the link is back")
    else:
        say("the link to central is not down: nothing to allow")


@app.command("refused")
def refused(ctx: typer.Context, json_out: bool = JSON_ALWAYS) -> None:
    """Entries central refused outright (not conflicts): each line and central's answer, as
    a JSON array, so a person can fix the cause and make them again."""
    del json_out  # the output is JSON either way
    import json

    from serialpos.terminal.status import refused as refused_entries

    _chain, db = _chain_db(state(ctx), answers_json=True)
    typer.echo(json.dumps(refused_entries(db), ensure_ascii=False))


@app.command("pending")
def pending(ctx: typer.Context, json_out: bool = JSON_ALWAYS) -> None:
    """Entries waiting for central, oldest first: each line as the till made it (a JSON
    array), so a person can make them again elsewhere when central will not take them (a
    till restored from an older copy: journal_rewound)."""
    del json_out  # the output is JSON either way
    import json

    from serialpos.terminal.status import pending as pending_entries

    _chain, db = _chain_db(state(ctx), answers_json=True)
    typer.echo(json.dumps(pending_entries(db), ensure_ascii=False))


@app.command("resend")
def resend(ctx: typer.Context, json_out: bool = JSON_ALWAYS) -> None:
    """After central was restored from an older backup ("central behind"): send again this
    terminal's accepted entries (central applies only those it lost, each once by its id),
    go on from central's feed as it is now, and sync (JSON: what central answered). An entry
    changed after it was made is refused here unsent, named on stderr, and the run exits 1
    after sending the others, as ``sync`` does."""
    del json_out  # the output is JSON either way
    from serialpos.terminal.client import CentralClient
    from serialpos.terminal.link import ONLINE, record_link
    from serialpos.terminal.resend import resend as resend_lost

    st = state(ctx)
    chain, db = _chain_db(st)
    with CentralClient.of_till(chain) as client:
        done = resend_lost(db, chain, client)
    record_link(db, ONLINE, reason=done.words(), terminal=chain.terminal, user=st.user or "resend")
    typer.echo(done.words(), err=True)
    print_json(done.to_json())
    for words in done.sync.tampered:  # refused here, unsent: a person must know
        typer.echo(f"refused: {visible(words)}", err=True)
    if done.sync.tampered:
        raise typer.Exit(EXIT_REFUSED)


@app.command("lease")
def lease(
    ctx: typer.Context,
    items: list[str] = typer.Argument(
        ..., help="Serials to lease, or with --count the one SKU to lease units of."
    ),
    count: int | None = typer.Option(
        None, "--count", min=1, help="Lease this many units of the SKU given (in stock, free)."
    ),
    minutes: int | None = typer.Option(
        None, "--minutes", min=1, help="How long the lease holds (default 12 hours)."
    ),
) -> None:
    """Reserve units to this terminal at central (online), so its offline sales of them
    cannot conflict: other tills' sales of them are refused (JSON: what it holds now)."""
    from serialpos.terminal import leases
    from serialpos.terminal.client import CentralClient

    chain, db = _chain_db(state(ctx))
    if count is not None and len(items) != 1:
        fail("with --count, give one SKU", EXIT_USAGE)
    with CentralClient.of_till(chain) as client:
        print_json(leases.take(db, chain, client, items, count=count, minutes=minutes))


@app.command("leases")
def leases_cmd(ctx: typer.Context, json_out: bool = JSON_ALWAYS) -> None:
    """The units this terminal holds (JSON array): central's list when it answers, else
    the copy kept here."""
    del json_out  # the output is JSON either way
    import json

    from serialpos.terminal import leases
    from serialpos.terminal.client import CentralClient, Offline

    chain, db = _chain_db(state(ctx), answers_json=True)
    with CentralClient.of_till(chain) as client:
        try:
            rows = leases.refresh(db, chain, client)
        except Offline as exc:
            typer.echo(f"{exc.message}: the leases as last copied here", err=True)
            rows = leases.held(db, chain)
    typer.echo(json.dumps(rows, ensure_ascii=False))


@app.command("release")
def release(
    ctx: typer.Context,
    serials: list[str] = typer.Argument(
        None, help="Serials whose lease ends (default: every lease of this terminal)."
    ),
) -> None:
    """End this terminal's leases at central (online): the units may be sold anywhere."""
    from serialpos.terminal import leases
    from serialpos.terminal.client import CentralClient

    chain, db = _chain_db(state(ctx))
    with CentralClient.of_till(chain) as client:
        print_json(leases.release(db, chain, client, list(serials or [])))


def sync(
    ctx: typer.Context,
    follow: bool = typer.Option(False, "--follow", help="Keep syncing until stopped."),
    interval: float = typer.Option(
        2.0, "--interval", min=0.1, help="Seconds between rounds with --follow."
    ),
    json_out: bool = JSON_ALWAYS,
) -> None:
    """Push this terminal's journal to central, then pull what changed there for the store.
    Prints one JSON line per round; offline, says so and (without --follow) exits 1 with
    every entry kept. An entry central refused, or one changed after it was made (refused
    here unsent), is named on stderr, and (without --follow) the run exits 1 after sending
    the others. An entry central recorded as a conflict is named on stderr too (its serial,
    SKU and what happened; a manager resolves it: `serialpos conflicts`); the run goes on."""
    del json_out  # the output is JSON either way
    import logging

    from serialpos.cli.sync_conflicts import ConflictsSeen
    from serialpos.terminal.client import CentralClient, CentralRefused, Offline
    from serialpos.terminal.link import OFFLINE, ONLINE, record_link
    from serialpos.terminal.sync import CentralBehind, sync_once

    st = state(ctx)
    chain, db = _chain_db(st, answers_json=True)
    who = {"terminal": chain.terminal, "user": st.user or "sync"}  # going offline is audited
    seen = ConflictsSeen(db)  # the till's conflicts before: a round names the new ones
    with CentralClient.of_till(chain) as client:
        while True:
            try:
                report = sync_once(db, chain, client, one_off=not follow)
                record_link(db, ONLINE, reason="central answered", **who)
                print_json({"online": True, **report.to_json()})
                for words in report.tampered + report.refusals:  # a person must know
                    typer.echo(f"refused: {visible(words)}", err=True)
                # A count central took (accepted) may hold conflicts of its own (``entry#n``).
                made = report.conflicts + report.accepted
                for words in seen.new(made):  # a manager must resolve each
                    typer.echo(f"conflict: {visible(words)}", err=True)
                for words in report.warnings:  # taken, with something to fix (a clock)
                    typer.echo(f"warning: {visible(words)}", err=True)
                if (report.tampered or report.refusals) and not follow:
                    # The other entries went; the run still ends as every sync refusal
                    # does (exit 1), so a script does not read the journal as all sent.
                    raise typer.Exit(EXIT_REFUSED)
            except (CentralRefused, CentralBehind) as exc:
                # Said and ended, as before; recorded as the console's worker does, so
                # `terminal status` does not say online and the offline rules hold.
                record_link(db, OFFLINE, reason=exc.message, refused=exc, **who)
                raise
            except Offline as exc:
                record_link(db, OFFLINE, reason=exc.message, **who)
                if not follow:
                    fail(exc.message)
                logging.getLogger(__name__).warning("%s", exc.message)
                print_json({"online": False, "message": exc.message})
            if not follow:
                return
            time.sleep(interval)
