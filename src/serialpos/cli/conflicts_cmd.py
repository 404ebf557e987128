"""``serialpos conflicts list|show|resolve``: entries of store terminals central could not
apply (services/conflicts.py). On central's database: every conflict, for managers. With a
store terminal's config: the conflicts of this terminal's store, with their status as
central has it now (this till's own entries' from the journal when central cannot be asked,
said on stderr); ``show`` and ``resolve`` go to central through the terminal's token, as
the console's screen does (terminal/central_conflicts.py): a resolution there names the
entry this till shows as that number, and central refuses it when the number is another
entry's conflict now. ``show`` prints words, ``--json`` the conflict as ``GET
/v1/conflicts`` gives it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

from serialpos.cli.context import state
from serialpos.cli.output import fail, print_json, print_table, say

if TYPE_CHECKING:
    from rich.text import Text

app = typer.Typer(
    help="Sync conflicts: terminal entries central could not apply.", no_args_is_help=True
)


def _status(value: str | None) -> str | None:
    """``--status``: a usage error (exit 2) when it is neither open nor resolved."""
    if value is not None and value not in ("open", "resolved"):
        raise typer.BadParameter(f"open or resolved, not {value!r}")
    return value


def _resolution(value: str) -> str:
    """``--by``: a usage error (exit 2) when it names no resolution."""
    from serialpos.services.conflicts import RESOLUTIONS

    if value not in RESOLUTIONS:
        raise typer.BadParameter(f"one of {', '.join(RESOLUTIONS)}, not {value!r}")
    return value


def _dump(value: object) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False))


@app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="open or resolved.", callback=_status),
    store: str | None = typer.Option(None, "--store", help="Only this store."),
    as_json: bool = typer.Option(False, "--json", help="A JSON array, one object each."),
) -> None:
    """List conflicts, oldest first."""
    st = state(ctx)
    chain = st.config().chain
    if chain is not None:
        from serialpos.terminal.central_conflicts import store_conflicts

        if store is not None and store != chain.store:
            fail(f"a store terminal lists its own store's conflicts ({chain.store}) only")
        found, note = store_conflicts(st.database(), chain, status=status)
        if note:
            typer.echo(f"note: {note}", err=True)
    else:
        from serialpos.services.conflict_views import list_conflicts

        found = list_conflicts(st.database(), status=status, store=store)
    if as_json:
        _dump(found)
        return
    from serialpos.domain.sale_not_recorded import in_short

    put_back = None
    if st.config().chain is not None:
        # On a till: what each conflict's entry had moved here, put back.
        from serialpos.domain.conflict_words import put_back_text

        put_back = put_back_text
    # Five columns: at 80 columns eight (store, terminal and error each a column of their
    # own) left the message 9 characters, a word a row. They lead the message's lines now.
    headers = ["id", "status", "sku", "serial", "message"]
    rows = [
        [
            c.get("id"),
            c.get("status"),
            c.get("sku"),
            c.get("serial"),
            _message_cell(c, in_short(c), put_back),
        ]
        for c in found
    ]
    print_table(headers, rows, title="Sync conflicts")


def _message_cell(
    c: dict[str, Any], short: str, put_back: Callable[[list[dict[str, Any]]], str] | None
) -> Text:
    """Where (the store, the terminal) and the error code, the message, then what was not
    recorded (the whole sale or document, or what a conflict naming no unit held) and, on a
    till, what its entry had moved here and was put back, each on a line of its own: in one
    wrapping column, an 80-column terminal keeps them readable (columns of their own cut
    the message to a few letters)."""
    where = " ".join(
        str(part)
        for part in (c.get("store"), c.get("terminal") and f"from {c['terminal']}")
        if part
    )
    error = f" ({c['error']})" if c.get("error") else ""
    lines = [f"{where}{error}".strip(), str(c.get("message") or "")]
    if short:
        lines.append(f"not recorded: {short}")
    back = put_back(c.get("put_back") or []) if put_back is not None else ""
    if back:
        lines.append(f"put back: {back}")
    # A Text of visible lines: a plain string's line breaks would be shown as ``\x0a``.
    from rich.text import Text

    from serialpos.domain.text import visible

    return Text("\n".join(visible(line) for line in lines))


@app.command("show")
def show(
    ctx: typer.Context,
    conflict: int = typer.Argument(..., help="Its id."),
    as_json: bool = typer.Option(False, "--json", help="The conflict as one JSON object."),
) -> None:
    """One conflict with both events: the one that stands and the entry central could not
    apply."""
    st = state(ctx)
    chain = st.config().chain
    if chain is not None:
        from serialpos.terminal.central_conflicts import show_on_terminal

        found, note = show_on_terminal(st.database(), chain, conflict)
        if note:
            typer.echo(f"note: {note}", err=True)
    else:
        from serialpos.services.conflict_views import show as show_conflict

        found = show_conflict(st.database(), conflict)
    if as_json:
        print_json(found)
        return
    for line in conflict_words(found):
        say(line)


def conflict_words(c: dict[str, Any]) -> list[str]:
    """A conflict for people, a line each (domain/conflict_words.py: the console's detail
    says the same)."""
    from serialpos.config import TerminalConfig
    from serialpos.domain.conflict_words import conflict_words as words

    return words(c, TerminalConfig.terminal_id)


@app.command("resolve")
def resolve(
    ctx: typer.Context,
    conflict: int = typer.Argument(..., help="Its id."),
    action: str = typer.Option(
        ...,
        "--by",
        help="accept (the first event stands), return (the unit comes "
        "back to stock: the standing sale takes it back, a refund note issued and the "
        "customer refunded), write_off (a unit in stock) or record_sale (a till's sale: "
        "the rest of it and its tenders recorded, the conflicting line left open and paid) "
        "or refund (a till's sale that handed over nothing else: recorded without a unit, "
        "voided and its tenders refunded, at central and on the till). A till's fulfilment "
        "of a layby central closed meanwhile: record_sale after central's void (the sale "
        "booked, the order owing what central refunded), refund after its fulfilment (the "
        "till's money taken and refunded out of its drawer).",
        callback=_resolution,
    ),
    note: str | None = typer.Option(None, "--note", help="Why, for the audit trail."),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="The conflict after, as one JSON object (as `show --json` gives it); the output "
        "is that JSON with or without it.",
    ),
) -> None:
    """Resolve a conflict by a new event (a manager's act); prints the conflict after, as
    JSON. ``--json`` is accepted as for ``list`` and ``show`` (a script that passes it to
    every conflicts command was refused a usage error)."""
    del as_json  # the output is the conflict's JSON either way
    from serialpos.services.apply.dispatch import apply_object
    from serialpos.services.conflicts import resolve as resolve_conflict

    st = state(ctx)
    chain = st.config().chain
    if chain is not None:  # central's to make, as the manager at this till
        from serialpos.terminal.resolved_here import resolve_here

        # Named by the entry this till shows as that number: central refuses the number
        # when it is another entry's conflict there (after a restore from an older backup).
        # The till takes what central did at once (terminal/resolved_here.py).
        user = st.require_actor().user
        done = resolve_here(st.database(), chain, conflict, action, user, note)
        print_json(done)
        _refund_receipt(st, done)
        return
    print_json(
        resolve_conflict(st.database(), st.require_actor(), conflict, action, note, apply_object)
    )


def _refund_receipt(st: Any, done: dict[str, Any]) -> None:
    """After ``refund`` at a till: the customer's refund document (the till's cancelled
    invoice, the tender and its refund on it) printed on the till's receipt printer, as a
    counter's refund is, the drawer opened for cash; without a printer, how to print it.
    Said on stderr (stdout is the conflict's JSON); the refund is recorded whatever the
    printer does."""
    from serialpos.config import ConfigError
    from serialpos.devices.receipt_printer import receipt_printer_settings
    from serialpos.services.invoices import cancelled_invoice_of
    from serialpos.services.receipts import receipt_at_counter
    from serialpos.terminal.resolved_here import refund_document

    order = refund_document(done)
    if order is None:
        return
    db = st.database()
    invoice = cancelled_invoice_of(db, order)
    if invoice is None:  # not taken yet here (entries wait to be sent): at the next round
        typer.echo(
            f"note: the refund's document is printed once the till has taken the sale "
            f"(serialpos sync): serialpos receipt print {order}",
            err=True,
        )
        return
    try:
        printer = receipt_printer_settings(st.config())
    except ConfigError as exc:
        typer.echo(f"note: RECEIPT NOT PRINTED: {exc}", err=True)
        return
    again = f"serialpos receipt print {order}"
    said = receipt_at_counter(db, printer, invoice, at_sale=True, again=again)
    if said:
        typer.echo(f"note: refund document {invoice}{said}", err=True)
    else:
        typer.echo(
            f"note: the refund's document is {invoice} (CANCELLED, refunded): {again}, or "
            f"serialpos invoice {invoice} --out FILE.pdf",
            err=True,
        )
