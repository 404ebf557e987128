"""``serialpos order show``: one order as the counter and central hold it — its lines and
serials, and its money row by row and by payment method.

Why a command of its own: a manager settling a till's conflict (``conflicts show`` names the
tenders a till took) or a customer asking what they paid by card needs the order's money by
method, and until now only the console's sale screen, the shift's X and Z reports (per shift,
not per order) and ``GET /v1/orders/{order}`` (paid and due only) said anything of it. The
JSON is the API's order object, the same keys (``payments`` and ``by_method`` included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from serialpos.cli.context import state
from serialpos.cli.output import local_time, print_json, print_table, say
from serialpos.domain.orders import OrderStatus
from serialpos.domain.shifts import takings

if TYPE_CHECKING:
    from serialpos.services.orders.views import OrderView

app = typer.Typer(help="Sale orders: one order's lines and money.", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    order: str = typer.Argument(..., help="The order's number, as on its receipt."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """An order's status, lines with their serials, and every payment, change and refund,
    with the net per payment method."""
    from serialpos.api import present
    from serialpos.services import orders

    view = orders.get_order(state(ctx).database(), order.strip())
    if json_out:
        print_json(present.order(view))
        return
    _say_order(view)


def _say_order(view: OrderView) -> None:
    customer = view.customer.name if view.customer and view.customer.name else "no customer"
    # A voided order is owed nothing whatever its lines would come to ("due 47.99" on a
    # voided lay-by read as a debt); what it still holds is its payments, listed below.
    due = (
        "voided: nothing is owed"
        if view.status is OrderStatus.VOIDED
        else f"due {view.totals.due:,.2f}"
    )
    say(
        f"order {view.order} at {view.store}: {view.type.value}, {view.status.value}, "
        f"{customer}; total {view.totals.total:,.2f}, paid {view.totals.paid:,.2f}, {due}"
    )
    print_table(
        ("#", "sku", "name", "qty", "total", "serial", "status", "invoice"),
        (
            (
                ln.number,
                ln.sku,
                ln.name,
                ln.quantity,
                f"{ln.total:,.2f}",
                ln.serial or "",
                ln.status.value,
                ln.invoice or "",
            )
            for ln in view.lines
        ),
        title="lines",
        empty="no lines",
    )
    print_table(
        ("at", "kind", "method", "amount", "invoice"),
        (
            (
                local_time(p.at),
                p.kind,
                p.method,
                f"{p.amount:,.2f}",
                p.invoice or "",
            )
            for p in view.payments
        ),
        title="payments",
        empty="nothing paid",
    )
    methods = takings((p.kind, p.method, p.amount) for p in view.payments)
    if methods:
        print_table(
            ("method", "payments", "change", "refunds", "net"),
            (
                (
                    t.method,
                    f"{t.payments:,.2f}",
                    f"{t.change:,.2f}",
                    f"{t.refunds:,.2f}",
                    f"{t.net:,.2f}",
                )
                for t in methods
            ),
            title="by method",
        )
