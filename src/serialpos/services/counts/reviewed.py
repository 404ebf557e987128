"""An approval posts the count its approver reviewed: not scans taken since.

A manager reviews a count (the reconciliation: so many written off, so many added), is asked
to confirm those numbers and approves. Meanwhile a worker on another terminal may still be
scanning into the same count: a serial typed wrong that the ledger does not know, or a
quantity typed one digit too long. Approval reads the count again when it posts, so it
posted those scans too, a new unit under the mistyped serial or hundreds of cables, under a
confirmation that had said "adds 0". The reconciliation says how many scans it read
(``scans_read``); the console's approval passes it, and a count with more scans is refused,
naming what came in, and nothing is posted: the approver looks at it again.

What the ledger moved since the review (a missing unit sold, a unit received) is not a
refusal: approval judges each unit at the time the count saw it (domain/count_reconciliation).
Scans are only ever added (a miscount is taken back by a negative quantity, a new scan), and
a scan takes the count's row in share mode while approval holds it for update, so the number
of scans says whether the count is as reviewed. Not the newest scan's id: on PostgreSQL an
id is drawn when the row is inserted, so a scan still in its transaction while a later one
commits and the review reads has an id below the review's newest, and commits after it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.domain.counts import CountChanged
from serialpos.domain.text import clip
from serialpos.services.counts.views import CountRow, batch_c, batch_t, scan_c, scan_t

#: How many of the scans since the review the refusal names.
NAMED = 3


def scans_read(conn: Connection, count_id: int) -> int:
    """How many scans the count holds."""
    return int(
        conn.execute(
            sa.select(sa.func.count()).select_from(scan_t).where(scan_c.count_id == count_id)
        ).scalar_one()
    )


def refuse_unreviewed(conn: Connection, count: CountRow, reviewed: int) -> None:
    """Refuse (:class:`CountChanged`) when ``count`` holds more scans than ``reviewed``, the
    number the reconciliation its approver confirmed read. The refusal names the first of
    the scans after those."""
    p = repo.product_t.c
    how_many = scans_read(conn, count.id) - reviewed
    if how_many <= 0:
        return
    named = [
        f"batch {number}: {sku} {serial}"
        if serial is not None
        else f"batch {number}: {sku} {int(quantity):+d}"
        for number, sku, serial, quantity in conn.execute(
            sa.select(batch_c.number, p.sku, scan_c.serial, scan_c.quantity)
            .join(batch_t, batch_c.id == scan_c.batch_id)
            .join(repo.product_t, p.id == scan_c.product_id)
            .where(scan_c.count_id == count.id)
            .order_by(scan_c.id)
            .offset(reviewed)  # the scans after the ones reviewed, in the order made
            .limit(NAMED)
        )
    ]
    more = f" and {how_many - NAMED} more" if how_many > NAMED else ""
    scans = "1 scan" if how_many == 1 else f"{how_many} scans"
    raise CountChanged(
        f"count {count.number} was counted further after you reviewed it: {scans} "
        f"({clip('; '.join(named), 160)}{more}). Nothing posted: review it again, then approve"
    )
