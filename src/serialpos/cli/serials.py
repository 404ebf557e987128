"""``serialpos serial``: the whole life of one unit, and the units whose serial starts with
what was typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from serialpos.cli.context import state
from serialpos.cli.output import EXIT_REFUSED, fail, local_time, print_json, print_table, say

if TYPE_CHECKING:
    from serialpos.domain.warranty import Warranty
    from serialpos.services.lookup import UnitCard
    from serialpos.services.serial_search import SearchMatch

app = typer.Typer(help="Look up serial units.", no_args_is_help=True)


def _warranty_json(w: Warranty | None) -> dict[str, Any] | None:
    if w is None:
        return None
    return {
        "state": w.kind.value,
        "words": w.words,
        "months": w.months,
        "sold_on": w.sold_on,
        "ends_on": w.ends_on,
        "days_left": w.days_left,
        "returned_on": w.returned_on,
    }


def _card_json(c: UnitCard) -> dict[str, Any]:
    return {
        "sku": c.sku,
        "serial": c.serial,
        "state": c.state,
        "store": c.store,
        "product": c.product_name,
        "package": c.package,
        "components": [
            {"sku": sku, "name": name, "quantity": qty} for sku, name, qty in c.components
        ],
        "sale": None if c.sale is None else vars(c.sale),  # with "central" (conflict #N)
        "customer": c.customer,
        "events": [
            {k: v for k, v in vars(e).items() if k not in ("sku", "serial")} for e in c.events
        ],
        "warranty_months": c.warranty_months,
        "warranty": _warranty_json(c.warranty),
        "timeline": [
            {
                "at": t.at,
                "what": t.what,
                "user": t.who,
                "terminal": t.terminal,
                "store": t.store,
                "document": t.document or None,
                "reason": t.reason,
            }
            for t in c.timeline
        ],
    }


def _say_card(card: UnitCard, events: bool) -> None:
    say(
        f"{card.serial} — {card.sku} {card.product_name}: {card.state.replace('_', ' ')} "
        f"at {card.store}"
    )
    if card.sale is not None:
        sale = card.sale
        words = f"  order {sale.order} line {sale.line} ({sale.status})"
        words += f", invoice {sale.invoice}" if sale.invoice else ""
        if sale.package_sku:
            words += f", in package {sale.package_sku} {sale.package_name or ''}"
        words = words.rstrip() + (f", customer {sale.customer}" if sale.customer else "")
        say(words)
        if sale.central_words:
            say(f"  {sale.central_words}")
    for words in card.conflicts:  # central's: `serialpos conflicts show N`
        say(f"  {words}")
    if card.warranty is not None:
        say(f"  warranty: {card.warranty.words}")
    if card.components:
        say(
            f"  {card.package} package of "
            + ", ".join(f"{qty}x {sku} {name}" for sku, name, qty in card.components)
        )
    print_table(
        ["when", "what", "who", "document", "reason"],
        [(local_time(t.at), t.what, t.who, t.document, t.reason or "") for t in card.timeline],
        empty="no events",
    )
    if events:
        print_table(
            [
                "when (UTC)",
                "action",
                "store",
                "from",
                "to",
                "user",
                "terminal",
                "document",
                "reason",
            ],
            [
                (
                    e.at.strftime("%Y-%m-%d %H:%M:%S"),
                    e.action,
                    e.store,
                    e.from_state or "",
                    e.to_state or "",
                    e.user,
                    e.terminal,
                    " ".join(x for x in (e.document_type, e.document_id, e.document_line) if x),
                    e.reason or "",
                )
                for e in card.events
            ],
            empty="no events",
        )


@app.command("show")
def show(
    ctx: typer.Context,
    serial: str,
    sku: str | None = typer.Option(None, "--sku", help="Only the unit of this product."),
    events: bool = typer.Option(
        False, "--events", help="Also the ledger's own events (states, terminal)."
    ),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """State, store, product, warranty and timeline of the unit(s) with this serial."""
    from serialpos.domain.text import clip
    from serialpos.services.lookup import case_hint, lookup_serial

    database = state(ctx).database()
    cards = lookup_serial(database, serial, sku)
    if json_out:
        print_json([_card_json(c) for c in cards])
        if cards:
            return
    if not cards:
        # With --json too: stdout holds the empty list a script parses, stderr says why
        # (it said nothing, and exit 1 alone left a person guessing).
        hint = case_hint(database, serial, sku)  # after the exact miss only
        fail(
            f"no unit with serial '{clip(serial.strip())}'"
            + (f" for {sku}" if sku else "")
            + (f": {hint}" if hint else "")
        )
    for card in cards:
        _say_card(card, events)


def _match_row(m: SearchMatch) -> tuple[str, ...]:
    sold = local_time(m.sold_at)[:10] if m.sold_at is not None else ""
    if m.line_status == "returned":
        sold += " (returned)"
    elif m.line_status == "open" and m.order:
        sold = f"on order {m.order}"
    return (
        m.serial,
        m.sku,
        m.product_name,
        m.state.replace("_", " "),
        m.store,
        sold,
        m.invoice or "",
        m.customer or "",
    )


@app.command("search")
def search(
    ctx: typer.Context,
    prefix: str = typer.Argument(
        ..., metavar="PREFIX", help="The start of the serial (case-sensitive)."
    ),
    limit: int = typer.Option(
        50, "--limit", min=1, max=10_000, help="Show at most this many units (1-10000)."
    ),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Units whose serial starts with PREFIX: who bought each, when, on which invoice, and
    where it is now."""
    from serialpos.domain.text import clip
    from serialpos.services.serial_search import search_serials

    result = search_serials(state(ctx).database(), prefix, limit)
    if json_out:
        print_json(
            {
                "prefix": result.prefix,
                "limit": result.limit,
                "truncated": result.truncated,
                "matches": [vars(m) for m in result.matches],
            }
        )
        if not result.matches:
            raise typer.Exit(EXIT_REFUSED)
        return
    if not result.matches:
        fail(f"no serial starts with '{clip(result.prefix)}' (serials are case-sensitive)")
    print_table(
        ["serial", "SKU", "product", "state", "store", "sold on", "invoice", "customer"],
        [_match_row(m) for m in result.matches],
    )
    count = len(result.matches)
    if result.truncated:
        say(
            f"the first {count} units shown; more start with '{clip(result.prefix)}' "
            "(type more of the serial, or raise --limit)"
        )
    else:
        say(f"{count} unit{'s' * (count != 1)}")
