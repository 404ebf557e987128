"""``db check`` rule ``asn_listed_unsaid``: an ASN received as matching (no differences
recorded) while a serial it listed is still ``expected``.

A product on two ASN lines, one listing serials and one not, completed by its count alone:
another serial in place of a listed one that never came received the ASN as matching, the
listed unit left ``expected`` with nothing said (domain/checklist.py ``ChecklistLine
.complete`` now says it). A receipt with differences records them, and a listed unit not
received then stays ``expected`` as said; so only an ASN with none recorded is reported.
Not checked on a store terminal: its copy of a unit may lag central's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal, repo
from serialpos.db.asn_tables import asn_t
from serialpos.domain.states import Action, UnitState
from serialpos.services.asn.views import DOCUMENT_TYPE


def listed_unsaid(
    conn: Connection, stores: dict[int, str], finding: Callable[..., Any]
) -> list[Any]:
    """The findings (made by ``finding(rule, store, sku, detail)``) of the rule."""
    if journal.get_state(conn, "central_terminal") is not None:
        return []
    a, ev, u, p = asn_t.c, repo.event_t.c, repo.unit_t.c, repo.product_t.c
    q = (
        sa.select(a.asn, a.store_id, p.sku, u.serial)
        .select_from(asn_t)
        .join(
            repo.event_t,
            sa.and_(
                ev.document_type == DOCUMENT_TYPE,
                ev.document_id == a.asn,
                ev.action == Action.EXPECT.value,
            ),
        )
        .join(repo.unit_t, u.id == ev.unit_id)
        .join(repo.product_t, p.id == u.product_id)
        .where(
            a.status == "received",
            a.discrepancies.is_(None),
            u.state == UnitState.EXPECTED.value,
        )
        .order_by(a.asn, p.sku, u.serial)
    )
    return [
        finding(
            "asn_listed_unsaid",
            stores.get(store_id, "?"),
            sku,
            f"ASN {asn} was received as matching but lists {serial}, still expected: "
            "a unit not received, never said",
        )
        for asn, store_id, sku, serial in conn.execute(q)
    ]
