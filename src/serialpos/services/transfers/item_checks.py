"""Checks of a whole ``transfer_in`` with ``items`` before its lines are received one by
one, so a refusal says what is wrong with the document rather than with its second line.

Before, a serial listed on two lines was refused as "received on transfer T9 already" (it
never was: the first line had just taken it in, in the same transaction that was then
undone), and a SKU on two quantity lines (2 + 2 with 2 in transit) as "2 to receive but 0
in transit" (the second line, after the first had taken the 2).
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import DuplicateSerial
from serialpos.domain.serials import require_serial
from serialpos.domain.text import clip
from serialpos.services import ledger
from serialpos.services.transfers.views import (
    line_c,
    line_t,
    not_in_transit,
    transfer_c,
    transfer_t,
)


def refuse_listed_twice(steps: list[ledger.Step]) -> None:
    """A serial of one product on two lines (or twice on one) is refused
    (``duplicate_serial``), naming it."""
    seen: set[tuple[str, str]] = set()
    for step in steps:
        for serial in step.serials:
            key = (step.sku, require_serial(serial))
            if key in seen:
                raise DuplicateSerial(
                    f"serial {clip(key[1])} of {step.sku} is listed twice: list each unit once"
                )
            seen.add(key)


def refuse_summed_quantities(db: Database, steps: list[ledger.Step], number: str) -> None:
    """A SKU on several quantity lines is held to what is in transit on the transfer by the
    lines' sum (``not_in_transit``), naming the sum and its lines."""
    lines: dict[str, list[int]] = defaultdict(list)
    for step in steps:
        if not step.serials:
            lines[step.sku].append(step.quantity or 1)
    several = {sku: q for sku, q in lines.items() if len(q) > 1}
    if not several:
        return

    def read(conn: Connection) -> None:
        for sku, quantities in sorted(several.items()):
            on = _on_transfer(conn, number, sku)
            total = sum(quantities)
            if on is not None and total > on[0] - on[1]:
                parts = " + ".join(str(q) for q in quantities)
                want = f"{total} to receive ({parts} on {len(quantities)} lines)"
                raise not_in_transit(sku, want, on[0], on[1], number)

    db.write(read)


def _on_transfer(conn: Connection, number: str, sku: str) -> tuple[int, int] | None:
    """The quantity of ``sku`` shipped on the kept transfer and received on it (None: not
    kept here)."""
    p = repo.product_t.c
    row = conn.execute(
        sa.select(line_c.quantity, line_c.received)
        .select_from(transfer_t)
        .join(line_t, line_c.transfer_id == transfer_c.id)
        .join(repo.product_t, p.id == line_c.product_id)
        .where(transfer_c.number == number, p.sku == sku)
    ).first()
    if row is not None:
        return int(row[0]), int(row[1])
    known = conn.execute(sa.select(transfer_c.id).where(transfer_c.number == number)).first()
    return None if known is None else (0, 0)
