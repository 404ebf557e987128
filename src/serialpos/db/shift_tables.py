"""The till's shifts (issue 14): one row per shift of one terminal, from the opening float to
the cash counted at close. Payments point at the shift they were taken in
(``order_payment.shift_id``), so the X and Z reports are sums, never guesses by time.

"One open shift per terminal" is a partial unique index on (store, terminal) over the rows
not yet closed: two tills that open at once cannot both win. Migration 0021 builds it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from serialpos.db.tables import utcnow


class Shift(SQLModel, table=True):
    __tablename__ = "shift"
    __table_args__ = (
        sa.Index(
            "uq_shift_open_terminal",
            "store_id",
            "terminal",
            unique=True,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        ),
        sa.UniqueConstraint("store_id", "number", name="uq_shift_store_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: The shift's number at its store (1, 2, ...), as the reports print it.
    number: int
    store_id: int = Field(foreign_key="store.id")
    terminal: str = Field(max_length=64)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    opened_by: str = Field(max_length=32)
    opening_float: Decimal = Field(sa_type=sa.Numeric(12, 2))
    closed_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    closed_by: str | None = Field(default=None, max_length=32)
    #: The cash the cashier counted in the drawer at close.
    counted_cash: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    #: The cash the drawer should have held at close (float + cash taken - cash paid out).
    expected_cash: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))


shift_t = Shift.__table__  # type: ignore[attr-defined]


def open_shift_id(conn: Connection, store: str, terminal: str) -> int | None:
    """The open shift of ``terminal`` at the store coded ``store``, if any: where money this
    till pays out now is booked (a refund central booked for it, a deposit's refund)."""
    from serialpos.db.repo import store_t

    s = shift_t.c
    found = conn.execute(
        sa.select(s.id)
        .join(store_t, store_t.c.id == s.store_id)
        .where(store_t.c.code == store, s.terminal == terminal, s.closed_at.is_(None))
    ).scalar()
    return None if found is None else int(found)
