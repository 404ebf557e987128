"""``serialpos count``: cycle counts from a manager's shell: the counts left open at a store,
one count's reconciliation (table or JSON), and approving it."""

from __future__ import annotations

import typer

from serialpos.cli.context import state
from serialpos.cli.output import fail, print_json, print_table, say

app = typer.Typer(help="Cycle counts: list, review and approve.", no_args_is_help=True)


@app.command("list")
def list_counts(
    ctx: typer.Context,
    store: str = typer.Argument(..., help="Store code."),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="JSON array: number, store, status, products (null: the whole store), batches, "
        "units scanned.",
    ),
) -> None:
    """The counts still open at a store."""
    from serialpos.services.counts.views import open_counts

    found = open_counts(state(ctx).database(), store)
    if as_json:
        print_json(
            [
                {
                    "number": c.number,
                    "store": c.store,
                    "status": str(c.status),
                    "products": None if c.products is None else list(c.products),
                    "batches": len(c.batches),
                    "units": sum(b.scans for b in c.batches),
                }
                for c in found
            ]
        )
        return
    print_table(
        ["Count", "Products", "Batches", "Units"],
        [(c.number, c.scope, len(c.batches), sum(b.scans for b in c.batches)) for c in found],
        empty=f"no open counts at {store}",
    )


@app.command("show")
def show(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="The count's number (C-S01-000001)."),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="The reconciliation as JSON (the keys of the apply op 'count', docs/integration.md).",
    ),
) -> None:
    """A count's reconciliation: matched, missing, unexpected, duplicates, quantities."""
    from serialpos.services.counts.reconciling import reconcile, reconciliation_json

    result = reconcile(state(ctx).database(), number)
    if as_json:
        print_json(reconciliation_json(result))
        return
    state_words = "approved" if result.approved else "open, not approved"
    say(f"count {result.count} at {result.store} ({state_words}): {result.matched} matched")
    rows: list[tuple[str, str, str, str]] = []
    rows += [("missing", u.sku, u.serial, "in stock here, not counted") for u in result.missing]
    rows += [("never seen", u.sku, u.serial, "unknown to the ledger") for u in result.never_seen]
    rows += [("elsewhere", e.sku, e.serial, e.hint) for e in result.elsewhere]
    rows += [
        ("arrived since", u.sku, u.serial, "moved here after the count: left in stock")
        for u in result.arrived_since
    ]
    rows += [
        ("duplicate", d.sku, d.serial, "batches " + ", ".join(map(str, d.batches)))
        for d in result.duplicates
    ]
    rows += [
        (
            "quantity",
            q.sku,
            "",
            f"counted {q.counted}, on hand {q.on_hand} "
            f"({q.difference:+d})"
            + ("" if q.known_units is None else f", {q.known_units} units known")
            + ("" if not q.moved_since else f", {q.moved_since:+d} since the count (kept)"),
        )
        for q in result.quantities
    ]
    print_table(["Class", "SKU", "Serial", "Detail"], rows, empty="no differences")
    if result.central is not None:
        from serialpos.domain.count_decisions import central_words

        for words in central_words(result.central):
            say(words)


@app.command("approve")
def approve(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="The count's number."),
) -> None:
    """Post the count's adjustments (managers and admins) and write its event file."""
    from serialpos.services.counts.approval import approve as approve_count

    st = state(ctx)
    done = approve_count(st.database(), st.require_actor(), number, st.config().resolved_outbox())
    say(
        f"count {number} approved: {done.removed} written off, {done.added} added, "
        f"on-hand change {done.quantity_change:+d}"
    )
    for path in done.files.written:
        say(f"wrote {path}")
    if done.files.failed:
        fail(done.files.message)
