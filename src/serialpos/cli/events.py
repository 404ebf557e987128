"""``serialpos events``: the event files owed to the host system, and writing one again."""

from __future__ import annotations

import typer

from serialpos.cli.context import state
from serialpos.cli.output import fail, say

app = typer.Typer(help="Event files for the host system (the outbox).", no_args_is_help=True)


@app.command("resend")
def resend(
    ctx: typer.Context,
    document: str = typer.Argument(
        ..., help="The document id as written in the file (for an ASN receipt, the ASN id)."
    ),
    event_type: str | None = typer.Option(
        None, "--type", help="Only this event type (e.g. transfer_receipt)."
    ),
) -> None:
    """Write a document's event file again, byte for byte as the first time."""
    from serialpos.services.event_files import resend as resend_file

    st = state(ctx)
    report = resend_file(st.database(), st.config().resolved_outbox(), document, event_type)
    for path in report.written:
        say(f"wrote {path}")
    if report.failed:
        fail(report.message)


@app.command("flush")
def flush(ctx: typer.Context) -> None:
    """Write every event file still owed (normally done at each start), and remove the
    temporary files of writers that were killed; says all it did, the start-up's part too."""
    from serialpos.files import remove_leftover_temp_files
    from serialpos.services.event_files import owed_count, write_owed

    st = state(ctx)
    db = st.database()  # its start-up hook may write owed files already: reported below
    folder = st.config().resolved_outbox()
    removed = (*st.startup_removed, *remove_leftover_temp_files(folder))
    report = write_owed(db, folder)
    for path in st.startup_written:
        say(f"wrote {path} (owed, at start-up)")
    for path in report.written:
        say(f"wrote {path}")
    for path in removed:
        say(f"removed {path} (left by a writer that was stopped)")
    if report.failed:
        fail(report.message)
    if not report.written and not st.startup_written:
        say(f"no event files owed ({owed_count(db)} waiting)")
