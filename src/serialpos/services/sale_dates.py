"""The date of a sale's documents at central when a store terminal made it (issue 16).

While central applies a till's journal entry (services/entries.py), the till's time of the
act (domain/till_time.py) is set here; the services that date a sale's documents — the
order's ``created_at`` (services/orders/header.py), the invoice's ``issued_at`` and the
payments' ``at`` (services/orders/checkout.py) — take it through :func:`dated` instead of
their own clock, so the sale falls on the day the till made it, in central's reports as in
the till's own. What is central's own keeps central's clock: an order's ``updated_at``, the
ledger events and their feed, the applied outcome. Anywhere else (a counter at central, a
host's line, the till itself) nothing is set and every service dates by its own clock.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from serialpos.db.tables import utcnow
from serialpos.domain import till_time

_till_time: ContextVar[datetime | None] = ContextVar("sale_dates_till_time", default=None)


def dated(now: datetime) -> datetime:
    """The date for a sale's document: the till's time of the act while central applies a
    till's entry that carries one, else ``now`` (the caller's clock)."""
    found = _till_time.get()
    return now if found is None else found


@contextmanager
def by_till(at: datetime | None) -> Iterator[None]:
    """Documents dated inside take ``at`` (None: their own clock)."""
    token = _till_time.set(at)
    try:
        yield
    finally:
        _till_time.reset(token)


def of_entry(data: Mapping[str, Any]) -> tuple[datetime | None, str | None]:
    """The till's time of the act a journal entry carries (``journal.at``) as central dates
    its sale, bounded by central's clock now, and the warning when the till's clock is not
    believed (domain/till_time.py)."""
    journal = data.get("journal")
    given = journal.get("at") if isinstance(journal, Mapping) else None
    return till_time.business_time(given, utcnow())


def warned(warning: str | None, verdict: dict[str, Any]) -> dict[str, Any]:
    """``verdict`` with ``warning`` (a till's clock not believed) among its ``warnings``."""
    if warning is None:
        return verdict
    return {**verdict, "warnings": [*verdict.get("warnings", []), warning]}
