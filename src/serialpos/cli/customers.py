"""``serialpos customers``: add, find, show (with what they bought, serials included) and edit
customer records. Output is literal: a name holding ``[bold]`` prints as typed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer

from serialpos.cli.context import state
from serialpos.cli.output import EXIT_REFUSED, fail, plain, print_json, print_table, say

if TYPE_CHECKING:
    from serialpos.services.customers import CustomerView

app = typer.Typer(help="Customer records: who bought what.", no_args_is_help=True)

_PHONE = typer.Option(None, "--phone", help="Phone number.")
_EMAIL = typer.Option(None, "--email", help="Email address.")
_ADDRESS = typer.Option(None, "--address", help="Postal address, on one line.")


def _row(c: CustomerView) -> tuple[object, ...]:
    return (c.id, c.name, c.phone or "", c.email or "", c.address or "")


_COLUMNS = ["id", "name", "phone", "email", "address"]


def _local(at: datetime) -> str:
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone().strftime("%Y-%m-%d")


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The customer's name."),
    phone: str | None = _PHONE,
    email: str | None = _EMAIL,
    address: str | None = _ADDRESS,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Add a customer record; prints its id (what `show`, `edit` and apply's order_create take)."""
    from serialpos.domain.customers import CustomerFields
    from serialpos.services.customers import add_customer

    st = state(ctx)
    made = add_customer(
        st.database(), st.require_actor(), CustomerFields(name, phone, email, address)
    )
    if json_out:
        print_json(plain(made))
        return
    say(f"customer {made.id} added: {made.name}")


@app.command("find")
def find(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="Part of a name, phone, email or address (any case)."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="Show at most this many."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Customers whose name, phone, email or address hold every word of QUERY, any case."""
    from serialpos.domain.text import clip
    from serialpos.services.customers import find_customers

    st = state(ctx)
    found = find_customers(st.database(), st.require_actor(), query, limit)
    if json_out:
        print_json({"customers": plain(list(found.customers)), "more": found.more})
        if not found.customers:
            raise typer.Exit(EXIT_REFUSED)
        return
    if not found.customers:
        fail(f"no customer's name, phone, email or address holds '{clip(query.strip())}'")
    print_table(_COLUMNS, [_row(c) for c in found.customers])
    if found.more:
        say(f"the first {len(found.customers)} shown; type more to narrow it down")


def _bought_json(card: Any) -> dict[str, Any]:
    return {**plain(card.customer), "bought": plain(list(card.bought))}


@app.command("show")
def show(
    ctx: typer.Context,
    customer: str = typer.Argument(..., metavar="ID", help="The customer's id (from `find`)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """A customer's record and everything they bought, serials included, newest first."""
    from serialpos.services.customers import parse_id, show_customer

    st = state(ctx)
    card = show_customer(st.database(), st.require_actor(), parse_id(customer))
    if json_out:
        print_json(_bought_json(card))
        return
    c = card.customer
    say(f"customer {c.id}: {c.name}")
    for label, value in (("phone", c.phone), ("email", c.email), ("address", c.address)):
        if value:
            say(f"  {label}: {value}")
    print_table(
        ["date", "order", "invoice", "SKU", "product", "qty", "serial", "state"],
        [
            (
                _local(b.date),
                b.order,
                b.invoice or "",
                b.sku,
                b.product,
                b.quantity,
                b.serial or "",
                {"fulfilled": "sold", "open": "on order"}.get(b.status, b.status),
            )
            for b in card.bought
        ],
        empty="nothing bought yet",
    )


@app.command("edit")
def edit(
    ctx: typer.Context,
    customer: str = typer.Argument(..., metavar="ID", help="The customer's id (from `find`)."),
    name: str | None = typer.Option(None, "--name", help="New name."),
    phone: str | None = typer.Option(None, "--phone", help="New phone ('' clears it)."),
    email: str | None = typer.Option(None, "--email", help="New email ('' clears it)."),
    address: str | None = typer.Option(None, "--address", help="New address ('' clears it)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Change a customer's details; orders sold to them show the new name."""
    from serialpos.services.customers import edit_customer, parse_id

    given = {"name": name, "phone": phone, "email": email, "address": address}
    changes: dict[str, str | None] = {k: v for k, v in given.items() if v is not None}
    if not changes:
        fail("nothing to change: give --name, --phone, --email or --address")
    st = state(ctx)
    made = edit_customer(st.database(), st.require_actor(), parse_id(customer), changes)
    if json_out:
        print_json(plain(made))
        return
    say(f"customer {made.id} updated: {made.name}")
