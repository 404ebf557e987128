"""A serial's card: which product, what state, which store, its warranty, its timeline in words
and its whole ledger history; and the list of units a serial prefix matches.

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
    from serialpos.services.serial_search import SearchMatch

EVENT_COLUMNS = ("When", "Action", "Store", "From → To", "User", "Document", "Reason")
MATCH_COLUMNS = ("Serial", "SKU", "State", "Store", "Sold", "Invoice", "Customer", "Product")


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
        if card.sale is not None and card.sale.central_words:
            # first under the state: a sale here central did not take must show on a
            # handheld's few rows too, never silent (issue 16)
            text.append(f"\n  {card.sale.central_words}", style="bold")
        for words in card.conflicts:  # central's open conflicts of the unit
            text.append(f"\n  {visible(words)}", style="bold")
        if card.warranty is not None:  # before the sale: it must show on a handheld too
            text.append(f"\n  {card.warranty.words}")
        if card.sale is not None:
            text.append(f"\n  {sale_words(card.sale)}")
        if card.components:
            parts = ", ".join(f"{qty}× {visible(sku)}" for sku, _name, qty in card.components)
            text.append(f"\n  {card.package or 'package'} package of {parts}")
    return text


def sale_words(sale: SaleLink) -> str:
    """'sold on order S01-000003 line 2, invoice INV-…, in package BN-DRILLKIT …'."""
    verb = {"fulfilled": "sold", "returned": "returned from", "open": "on open"}.get(
        sale.status, sale.status
    )
    words = f"{verb} order {visible(sale.order)} line {sale.line}"
    if sale.invoice:
        words += f", invoice {visible(sale.invoice)}"
    if sale.package_sku:
        words += f", in package {visible(sale.package_sku)} {visible(sale.package_name or '')}"
    return words.rstrip() + (f", customer {visible(sale.customer)}" if sale.customer else "")


def timeline_text(cards: tuple[UnitCard, ...], width: int = 80) -> Text:
    """Each unit's timeline, oldest first. Wide: when and what happened on one line, who and
    which document on the next. Narrow (a 40-column handheld): when and who, then what, then
    the document, each on its own line, so that nothing wraps mid-phrase."""
    text = Text()
    wide = width >= 60
    for number, card in enumerate(cards, start=1):
        if len(cards) > 1:
            text.append(
                ("\n" if number > 1 else "") + f"#{number} {visible(card.sku)}\n", style="bold"
            )
        for entry in card.timeline:
            text.append(when(entry.at), style="bold")
            what = visible(entry.what)
            details = [entry.document, entry.reason or ""]
            if wide:
                text.append(f" {what}\n")
                details.insert(0, f"by {entry.who}")
            else:
                text.append(f" · {visible(entry.who)}\n  {what}\n")
            shown = " · ".join(d for d in details if d)
            if shown:
                text.append("  " + visible(shown) + "\n")
        if not card.timeline:
            text.append("no events recorded\n")
    text.rstrip()
    return text


def match_row(match: SearchMatch) -> list[Text]:
    """One unit a prefix matched: where it is now and its latest order, if any."""
    if match.sold_at is not None:
        sold = when(match.sold_at)[:10] + (" returned" if match.line_status == "returned" else "")
    elif match.order and match.line_status == "open":
        sold = f"on order {match.order}"
    else:
        sold = ""
    return [
        plain(match.serial),
        plain(match.sku),
        plain(state_words(match.state)),
        plain(match.store),
        plain(sold),
        plain(match.invoice),
        plain(match.customer),
        plain(match.product_name),
    ]
