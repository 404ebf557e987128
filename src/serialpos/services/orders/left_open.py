"""Sales left open at a terminal by a console session that ended without finishing them
(new-user walk, round two).

The Sale screen never leaves an open sale behind on purpose: Escape with an order on screen
parks it, voids it or stays (screens/sale_keys.py). So a sale still **open** (not parked:
parking is on purpose, and the order menu lists parked orders) of type ``sale``, made at this
terminal, found when a console signs in there, is a session that was killed, crashed or lost
its power mid-sale. Its serialized units stay reserved (no other till can sell them) and its
payments taken stay on it until someone finishes it. A lay-by or special order stays open
by design (a deposit taken, fulfilled later): it is not counted.

A point of sale recovers such a transaction at its register rather than leave it unsaid. The
console does it by a notice, not by opening the sale by itself: the person signing in may be
another cashier, or about to serve another customer, and a sale that appears on its own in
the Sale screen would take their next scan. So Home says it on sign-in (and on coming back to
Home, until the sale is finished), naming the sale, what it holds and how to resume it (the
order menu's list of open and parked orders) and then finish it (F9 Pay) or cancel it (F7
Void, which frees its units). This module gives the rule (:func:`left_open`) and the words
(:func:`notice`); the screen only shows them (tui/screens/home.py). Any user of the terminal
is told, not only the one who opened it: whoever stands at the till is the one who can
finish it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.tables import utcnow
from serialpos.domain.orders import LineStatus

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from serialpos.db.engine import Database

#: At most this many are read: the notice names the oldest and counts the rest.
LIMIT = 20


@dataclass(frozen=True)
class LeftOpen:
    """One sale left open: its number, who opened it and when, its open lines, the units
    they hold reserved (a serial recorded on an open line), and what was paid and is due."""

    order: str
    created_by: str
    created_at: datetime
    lines: int
    reserved: int
    paid: Decimal
    due: Decimal


def left_open(db: Database, store: str, terminal: str) -> list[LeftOpen]:
    """The sales left open at ``store`` by ``terminal`` (see the module's rule), oldest first."""
    from serialpos.services.orders.reading import _find, _view

    def work(conn: Connection) -> list[LeftOpen]:
        o = orepo.order_t.c
        numbers = conn.execute(
            sa.select(o.number)
            .where(
                o.store_id == repo.store_id(db, conn, store),
                o.status == "open",
                o.type == "sale",
                o.terminal == terminal,
            )
            .order_by(o.id)
            .limit(LIMIT)
        ).scalars()
        out = []
        for number in list(numbers):
            view = _view(conn, _find(conn, number))
            open_lines = [ln for ln in view.lines if ln.status is LineStatus.OPEN]
            out.append(
                LeftOpen(
                    view.order,
                    view.created_by,
                    view.created_at,
                    len(open_lines),
                    sum(1 for ln in open_lines if ln.serial),
                    view.totals.paid,
                    view.totals.due,
                )
            )
        return out

    return db.read(work)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def notice(found: list[LeftOpen], *, sells: bool = True) -> str:
    """The Home screen's sentence: which sale was left open, what it holds, and how to finish
    or cancel it (``sells``: the user has the Sale flow; else who can); "" for none."""
    if not found:
        return ""
    first = found[0]
    held = _plural(first.lines, "line")
    if first.reserved:
        held += f", {_plural(first.reserved, 'unit')} reserved"
    if first.paid:
        held += f", {first.paid:.2f} paid"
    more = f" (and {_plural(len(found) - 1, 'more sale')})" if len(found) > 1 else ""
    how = (
        "3 Sale, then F6/^T o resumes it; F9 Pay or F7 Void ends it"
        if sells
        else "a cashier or manager resumes it at Sale, to pay or void it"
    )
    when = f"{first.created_at:%H:%M}"
    if first.created_at.date() != utcnow().date():
        when = f"{first.created_at:%Y-%m-%d} {when}"
    # Short enough for four rows of a handheld's message line (38 columns).
    return (
        f"sale {first.order} left open here by {first.created_by} at {when} ({held}){more}: {how}"
    )
