"""A note of ``db check`` on a store terminal: another till's entry whose quantities it
counted twice. Central restored from an older backup and that till's ``terminal resend``
make the entry's events anew; a till that pulled the first ones and (before migration 0032,
or with its memory of them pruned) the new ones too has its stock one sale off central's,
with its ledger off as well, so ``quantity_matches_events`` cannot see it. Two quantity
events of one entry's document and line, same till, action, product and quantity, are
what that leaves (terminal/feed_memory.py ``echo``). A note, not a violation: the till
cannot tell it from two such entries of its own data; central's stock tells."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal, repo
from serialpos.services.document_numbers import terminal_tag

RULE = "pulled_twice"


def pulled_twice(conn: Connection, stores: dict[int, str], note: Callable[..., Any]) -> list[Any]:
    """The notes (made by ``note(rule, store, sku, detail, violation=False)``) of quantities
    another till's entry moved here more than once; none on central."""
    own = journal.get_state(conn, "central_terminal")
    if own is None:
        return []
    ev, p = repo.event_t.c, repo.product_t.c
    q = (
        sa.select(
            ev.store_id,
            p.sku,
            ev.terminal,
            ev.action,
            ev.quantity,
            ev.document_id,
            ev.document_line,
            sa.func.count(),
        )
        .join(repo.product_t, p.id == ev.product_id)
        .where(ev.quantity != 0, ev.document_id.is_not(None), ev.terminal != own)
        .where(sa.or_(ev.serial.is_(None), ev.to_state.is_(None)))
        .group_by(
            ev.store_id,
            p.sku,
            ev.terminal,
            ev.action,
            ev.quantity,
            ev.document_type,
            ev.document_id,
            ev.document_line,
        )
        .having(sa.func.count() > 1)
        .order_by(ev.store_id, p.sku, ev.document_id)
    )
    out = []
    for sid, sku, terminal, action, quantity, document, line, n in conn.execute(q):
        store = stores.get(sid, "?")
        if f"-{terminal_tag(terminal, store)}-" not in document:
            continue  # not a document that till numbered: no one entry's
        out.append(
            note(
                RULE,
                store,
                sku,
                f"{action} {quantity:+d} of {document} line {line} by {terminal} is counted "
                f"{n} times here: central restored and that till's entry sent again? Compare "
                "this store's stock with central's",
                violation=False,
            )
        )
    return out
