"""A serial's card: which product, what state, which store, and its whole history.

Every value comes from the database and is shown as plain text (``rich.text.Text`` with
control characters made visible): a product called ``[red]x[/red]`` is shown with its brackets.
DataTable would read markup in plain ``str`` cells, so every cell is a ``Text``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text

from serialpos.domain.text import visible

if TYPE_CHECKING:
    from serialpos.domain.events import LedgerEvent
    from serialpos.services.lookup import SaleLink, UnitCard

EVENT_COLUMNS = ("When", "Action", "Store", "From → To", "User", "Document", "Reason")


def plain(value: object) -> Text:
    """Data as literal text: no markup, no raw control characters."""
    return Text("" if value is None else visible(str(value)))


def state_words(state: str | None) -> str:
    return "—" if state is None else state.replace("_", " ")


def when(at: datetime) -> str:
    """Events are stored in UTC; the store reads its own clock."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone().strftime("%Y-%m-%d %H:%M")


def document(event: LedgerEvent) -> str:
    if not event.document_type and not event.document_id:
        return ""
    text = " ".join(p for p in (event.document_type, event.document_id) if p)
    return f"{text} line {event.document_line}" if event.document_line else text


def event_row(event: LedgerEvent, unit: str | None = None) -> list[Text]:
    cells = [
        plain(when(event.at)),
        plain(event.action.replace("_", " ")),
        plain(event.store),
        plain(f"{state_words(event.from_state)} → {state_words(event.to_state)}"),
        plain(event.user),
        plain(document(event)),
        plain(event.reason),
    ]
    return ([plain(unit)] if unit is not None else []) + cells


def summary(cards: tuple[UnitCard, ...]) -> Text:
    """One line per unit: state in capitals (a word, not a colour), store, product. The
    serial itself is the same for all, and said on the message line."""
    text = Text()
    for number, card in enumerate(cards, start=1):
        if number > 1:
            text.append("\n")
        if len(cards) > 1:
            text.append(f"#{number} ", style="bold")
        text.append(visible(card.state.replace("_", " ").upper()), style="bold")
        text.append(f" at {visible(card.store)} · {visible(card.sku)} {visible(card.product_name)}")
        if card.sale is not None:
            text.append(f"\n  {sale_words(card.sale)}")
        if card.components:
            parts = ", ".join(f"{qty}× {visible(sku)}" for sku, _name, qty in card.components)
            text.append(f"\n  {card.package or 'package'} package of {parts}")
    return text


def sale_words(sale: SaleLink) -> str:
    """'sold on order S01-000003 line 2, invoice INV-…, in package BN-DRILLKIT …'."""
    verb = {"fulfilled": "sold", "returned": "returned from", "open": "on open"}.get(
        sale.status, sale.status)
    words = f"{verb} order {visible(sale.order)} line {sale.line}"
    if sale.invoice:
        words += f", invoice {visible(sale.invoice)}"
    if sale.package_sku:
        words += f", in package {visible(sale.package_sku)} {visible(sale.package_name or '')}"
    return words.rstrip()
