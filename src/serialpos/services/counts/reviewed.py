"""An approval posts the count its approver reviewed: not scans taken since.

A manager reviews a count (the reconciliation: so many written off, so many added), is asked
to confirm those numbers and approves. Meanwhile a worker on another terminal may still be
scanning into the same count: a serial typed wrong that the ledger does not know, or a
quantity typed one digit too long. Approval reads the count again when it posts, so it
posted those scans too, a new unit under the mistyped serial or hundreds of cables, under a
confirmation that had said "adds 0". The reconciliation says the newest scan it read
(``last_scan``); the console's approval passes it, and a count with a newer scan is refused,
naming what came in, and nothing is posted: the approver looks at it again.

What the ledger moved since the review (a missing unit sold, a unit received) is not a
refusal: approval judges each unit at the time the count saw it (domain/count_reconciliation).
Scans are only ever added (a miscount is taken back by a negative quantity, a new scan), and
a scan takes the count's row in share mode while approval holds it for update, so the newest
scan's id says whether the count is as reviewed.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.domain.counts import CountChanged
from serialpos.domain.text import clip
from serialpos.services.counts.views import CountRow, batch_c, batch_t, scan_c

#: How many of the scans since the review the refusal names.
NAMED = 3


def last_scan(conn: Connection, count_id: int) -> int:
    """The id of the count's newest scan (0: none yet)."""
    found = conn.execute(
        sa.select(sa.func.max(scan_c.id)).where(scan_c.count_id == count_id)
    ).scalar()
    return int(found or 0)


def refuse_unreviewed(conn: Connection, count: CountRow, reviewed: int) -> None:
    """Refuse (:class:`CountChanged`) when ``count`` has scans newer than ``reviewed``, the
    newest scan of the reconciliation its approver confirmed."""
    p = repo.product_t.c
    newer = sa.and_(scan_c.count_id == count.id, scan_c.id > reviewed)
    how_many = int(conn.execute(sa.select(sa.func.count()).where(newer)).scalar_one())
    if not how_many:
        return
    named = [
        f"batch {number}: {sku} {serial}"
        if serial is not None
        else f"batch {number}: {sku} {int(quantity):+d}"
        for number, sku, serial, quantity in conn.execute(
            sa.select(batch_c.number, p.sku, scan_c.serial, scan_c.quantity)
            .join(batch_t, batch_c.id == scan_c.batch_id)
            .join(repo.product_t, p.id == scan_c.product_id)
            .where(newer)
            .order_by(scan_c.id)
            .limit(NAMED)
        )
    ]
    more = f" and {how_many - NAMED} more" if how_many > NAMED else ""
    scans = "1 scan" if how_many == 1 else f"{how_many} scans"
    raise CountChanged(
        f"count {count.number} was counted further after you reviewed it: {scans} "
        f"({clip('; '.join(named), 160)}{more}). Nothing posted: review it again, then approve"
    )
