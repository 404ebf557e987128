"""Till shifts: open with a float, the X report while open, close with the cash counted (the Z
report), and the shift check on a sale.

Decisions:

* A shift belongs to one terminal at one store (``Actor.terminal``); one may be open per
  terminal, enforced by a partial unique index, so two sessions opening at once get one
  shift and one clear refusal.
* Money is tied to its shift when it moves (``order_payment.shift_id``, set by
  :func:`shift_for_payment`), so the reports are sums over that column: a payment taken just
  before close and committed after it cannot be counted twice or lost between shifts.
* Sales need an open shift only where the store setting ``require_shift`` is on; off (the
  default), scripts, ``apply`` and the API work without one, and payments taken while a
  shift is open on that terminal are still counted in it.
* Opening and closing are selling work (cashiers do it); reading an old Z report is too.
* A store terminal's shifts are its own (its drawer; they are not journaled). The terminal
  checks ``require_shift`` on its own sales, with its own shifts, offline too; central
  applies a terminal's journal entries (services/entries.py) inside
  :func:`checked_at_terminal` and does not check again: it holds none of that terminal's
  shifts, so the rule can be on chain-wide. The payments of such an entry belong to no shift
  at central; the till's X and Z reports count them.
* A store terminal's sale central did not take (services/not_taken.py) stays in the till's
  takings and expected cash (the drawer holds its money) and is listed apart with its amount
  (domain/shifts.py), as the journal stands when the report is made.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo, settings_sql
from serialpos.db.engine import Database
from serialpos.db.prepared import Prepared
from serialpos.db.shift_tables import shift_t
from serialpos.db.tables import utcnow
from serialpos.domain.errors import DomainError
from serialpos.domain.settings import StoreSettings
from serialpos.domain.shifts import (
    ShiftReport,
    change_beyond_drawer,
    expected_cash,
    parse_cash,
    takings,
)
from serialpos.domain.text import clip, named
from serialpos.domain.users import Permission
from serialpos.services import not_taken
from serialpos.services.context import Actor
from serialpos.services.store_details import store_details_in


class ShiftOpen(DomainError):
    code = "shift_open"


class NoOpenShift(DomainError):
    code = "no_open_shift"


class ShiftRequired(DomainError):
    code = "shift_required"


class UnknownShift(DomainError):
    code = "unknown_shift"


class ChangeBeyondDrawer(DomainError):
    """Change more than the open shift's drawer should hold: given only once confirmed.
    ``words`` names the change, the cash the drawer should hold and the cash short (the
    console asks its question with them)."""

    code = "change_beyond_drawer"

    def __init__(self, words: str) -> None:
        super().__init__(f"{words}: give it only with cash brought to the drawer, once confirmed")
        self.words = words


@dataclass(frozen=True)
class ShiftView:
    store: str
    terminal: str
    number: int
    opened_at: datetime
    opened_by: str
    opening_float: Decimal
    closed_at: datetime | None = None


#: The terminal's open shift at a store; built once (every payment asks).
_OPEN_SHIFT = Prepared(
    sa.select(shift_t).where(
        shift_t.c.store_id == sa.bindparam("store_id"),
        shift_t.c.terminal == sa.bindparam("terminal"),
        shift_t.c.closed_at.is_(None),
    )
)


def _open_row(conn: Connection, store_id: int, terminal: str) -> sa.Row[object] | None:
    found: sa.Row[object] | None = _OPEN_SHIFT.first(
        conn, {"store_id": store_id, "terminal": terminal}
    )
    return found


def _view(store: str, row: sa.Row[object]) -> ShiftView:
    m = row._mapping
    return ShiftView(
        store,
        m["terminal"],
        m["number"],
        m["opened_at"],
        m["opened_by"],
        orepo.money(m["opening_float"]),
        m["closed_at"],
    )


def _where(actor: Actor, store: str) -> str:
    return f"{named('terminal', clip(actor.terminal))} at {clip(store)}"


def open_shift(db: Database, actor: Actor, store: str, opening_float: str) -> ShiftView:
    """Open this terminal's shift with ``opening_float`` in the drawer."""
    actor.require(Permission.SELL)
    amount = parse_cash(str(opening_float), "opening float")

    def work(conn: Connection) -> ShiftView:
        sid = repo.store_id(db, conn, store)
        found = _open_row(conn, sid, actor.terminal)
        if found is not None:
            m = found._mapping
            raise ShiftOpen(
                f"shift {m['number']} is already open on {_where(actor, store)} (opened by "
                f"{m['opened_by']} at {m['opened_at']:%Y-%m-%d %H:%M}); close it first"
            )
        last = conn.execute(
            sa.select(sa.func.max(shift_t.c.number)).where(shift_t.c.store_id == sid)
        ).scalar()
        conn.execute(
            sa.insert(shift_t).values(
                number=int(last or 0) + 1,
                store_id=sid,
                terminal=actor.terminal,
                opened_at=utcnow(),
                opened_by=actor.user,
                opening_float=amount,
            )
        )
        row = _open_row(conn, sid, actor.terminal)
        assert row is not None
        return _view(store, row)

    # Two tills opening at once may both take the next number, or one till twice: the loser's
    # insert breaks a unique index. Trying again sees the winner's row: a new number, or
    # "already open" naming the shift that won.
    for _attempt in range(8):  # each round one racer wins: eight tills at once all get one
        try:
            return db.write(work)
        except sa.exc.IntegrityError:
            continue
    raise ShiftOpen(f"shifts were opened at the same moment on {clip(store)}; try again")


def current_shift(db: Database, actor: Actor, store: str) -> ShiftView | None:
    """This terminal's open shift, or None."""

    def work(conn: Connection) -> ShiftView | None:
        row = _open_row(conn, repo.store_id(db, conn, store), actor.terminal)
        return None if row is None else _view(store, row)

    return db.read(work)


def _moves(conn: Connection, shift_id: int) -> list[tuple[str, str, Decimal]]:
    p = orepo.payment_t.c
    return [
        (r.kind, r.method, orepo.money(r.amount))
        for r in conn.execute(
            sa.select(p.kind, p.method, p.amount).where(p.shift_id == shift_id).order_by(p.id)
        )
    ]


def check_change_in_drawer(
    conn: Connection, store_id: int, terminal: str, change: Decimal, cash_in: Decimal
) -> None:
    """Raise :class:`ChangeBeyondDrawer` when ``change`` is more than ``terminal``'s open
    shift expects its drawer to hold with ``cash_in`` (the cash tendered with it), naming
    the cash short (domain/shifts.py ``change_beyond_drawer``). A terminal with no open
    shift has no drawer figures: nothing is checked."""
    if change <= 0:
        return
    row = _open_row(conn, store_id, terminal)
    if row is None:
        return
    m = row._mapping
    drawer = expected_cash(orepo.money(m["opening_float"]), takings(_moves(conn, m["id"])))
    words = change_beyond_drawer(change, drawer + cash_in)
    if words is not None:
        raise ChangeBeyondDrawer(words)


def _report(
    db: Database, conn: Connection, actor: Actor, store: str, row: sa.Row[object], kind: str
) -> ShiftReport:
    m = row._mapping
    by_method = takings(_moves(conn, m["id"]))
    name = conn.execute(
        sa.select(repo.store_t.c.name).where(repo.store_t.c.id == m["store_id"])
    ).scalar_one()
    counted = m["counted_cash"]
    return ShiftReport(
        kind=kind,
        store_code=store,
        store_name=name,
        terminal=m["terminal"],
        number=m["number"],
        opened_at=m["opened_at"],
        opened_by=m["opened_by"],
        opening_float=orepo.money(m["opening_float"]),
        takings=by_method,
        expected_cash=expected_cash(orepo.money(m["opening_float"]), by_method),
        made_at=utcnow(),
        made_by=actor.user,
        store_address=store_details_in(db, conn, store).address,
        closed_at=m["closed_at"],
        closed_by=m["closed_by"],
        counted_cash=None if counted is None else orepo.money(counted),
        not_taken=not_taken.in_shift(conn, int(m["id"])),
    )


def x_report(db: Database, actor: Actor, store: str) -> ShiftReport:
    """The open shift's takings so far, by method; the shift stays open."""
    actor.require(Permission.SELL)

    def work(conn: Connection) -> ShiftReport:
        row = _open_row(conn, repo.store_id(db, conn, store), actor.terminal)
        if row is None:
            raise NoOpenShift(f"no shift is open on {_where(actor, store)}")
        return _report(db, conn, actor, store, row, "X")

    return db.read(work)


def close_shift(db: Database, actor: Actor, store: str, counted_cash: str) -> ShiftReport:
    """Close this terminal's shift with the cash counted in the drawer: the Z report, with
    the expected cash and the difference."""
    actor.require(Permission.SELL)
    counted = parse_cash(str(counted_cash), "counted cash")

    def work(conn: Connection) -> ShiftReport:
        row = _open_row(conn, repo.store_id(db, conn, store), actor.terminal)
        if row is None:
            raise NoOpenShift(f"no shift is open on {_where(actor, store)}; nothing to close")
        before = _report(db, conn, actor, store, row, "Z")
        closed = conn.execute(
            sa.update(shift_t)
            .where(shift_t.c.id == row._mapping["id"], shift_t.c.closed_at.is_(None))
            .values(
                closed_at=utcnow(),
                closed_by=actor.user,
                counted_cash=counted,
                expected_cash=before.expected_cash,
            )
        )
        if closed.rowcount != 1:
            raise NoOpenShift(f"the shift on {_where(actor, store)} was closed meanwhile")
        after = conn.execute(sa.select(shift_t).where(shift_t.c.id == row._mapping["id"])).one()
        return _report(db, conn, actor, store, after, "Z")

    return db.write(work)


def z_report(db: Database, actor: Actor, store: str, number: int | None = None) -> ShiftReport:
    """A closed shift's Z report again: shift ``number`` at ``store``, or the last closed on
    this terminal."""
    actor.require(Permission.SELL)

    def work(conn: Connection) -> ShiftReport:
        sid = repo.store_id(db, conn, store)
        c = shift_t.c
        query = sa.select(shift_t).where(c.store_id == sid, c.closed_at.is_not(None))
        if number is None:
            query = query.where(c.terminal == actor.terminal).order_by(c.closed_at.desc())
        else:
            query = query.where(c.number == number)
        row = conn.execute(query.limit(1)).first()
        if row is None:
            raise UnknownShift(
                f"no closed shift {number} at {clip(store)}"
                if number is not None
                else f"no shift has been closed on {_where(actor, store)} yet"
            )
        return _report(db, conn, actor, store, row, "Z")

    return db.read(work)


def shift_for_payment(conn: Connection, store_id: int, terminal: str) -> int | None:
    """The shift money moving now at ``terminal`` belongs to: its open shift, or None. Where
    the store requires shifts, no open shift refuses the sale (:class:`ShiftRequired`)."""
    row = _open_row(conn, store_id, terminal)
    if row is not None:
        return int(row._mapping["id"])
    check_shift_not_required(conn, store_id, terminal)
    return None


#: Set while central applies a store terminal's journal entry: the till checked the rule.
_at_terminal: ContextVar[bool] = ContextVar("shift_checked_at_terminal", default=False)


@contextmanager
def checked_at_terminal() -> Iterator[None]:
    """Sales inside were checked against ``require_shift`` by the store terminal that made
    them, with its own shifts (module docstring); the rule is not checked again here."""
    token = _at_terminal.set(True)
    try:
        yield
    finally:
        _at_terminal.reset(token)


def applying_terminal_entry() -> bool:
    """Whether central is applying a store terminal's journal entry now: what the till did
    (its tenders, its change) is recorded as it happened, not refused afresh."""
    return _at_terminal.get()


def check_shift_not_required(conn: Connection, store_id: int, terminal: str) -> None:
    """Refuse a sale at a store with ``require_shift`` on when ``terminal`` has no open
    shift; nothing else is checked (nor inside :func:`checked_at_terminal`)."""
    if _at_terminal.get():
        return
    settings = StoreSettings.from_stored(settings_sql.setting_values(conn, store_id))
    if settings.require_shift and _open_row(conn, store_id, terminal) is None:
        code = repo.store_codes(conn).get(store_id, str(store_id))
        raise ShiftRequired(
            f"{code} sells only in an open shift and terminal {clip(terminal)} has none: "
            "open one first (serialpos shift open --float AMOUNT, or Shift on the home menu)"
        )


def check_refund_drawer(db: Database, store: str, terminal: str) -> None:
    """Refuse a refund paid out of ``terminal``'s drawer (a conflict resolved by ``refund``
    at this till: terminal/resolved_here.py) where ``store`` sells only in an open shift and
    the till has none, with the words that ask to open one, as a refund at its counter is
    refused then; where the store does not require shifts the refund is taken without one,
    as a counter's is."""
    db.read(lambda conn: check_shift_not_required(conn, repo.store_id(db, conn, store), terminal))
