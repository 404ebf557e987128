"""The writes of one unit's move: the conditional claim on the unit, the chain head moved on,
the event inserted, the stock level moved. On SQLite they are four statements (each cheap:
no round trip). On PostgreSQL each statement is a round trip to the server, so they are one
statement: data-modifying CTEs, each write conditional on the one before it (the head moves
only if the claim matched, the event and the stock only if the head moved).

What stays exactly as in four statements: the claim matches only the version (and holding
order line) read, so a unit another terminal moved since is not touched and nothing else is
written (the caller re-reads and decides again); the head moves only from the head its event
was hashed from (db/ledger_chain.py keeps the guess), so the chain never takes a wrong hash.
When the guess was stale the claim stands and the event is stamped again from the head read
and locked, as :func:`ledger_writes.add_events` does on its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from serialpos.db import ledger_chain, ledger_writes, repo, unit_sql
from serialpos.db.prepared import Prepared
from serialpos.domain.limits import check_stock_level

_unit_c, _event_t, _stock_t = repo.unit_t.c, repo.event_t, repo.stock_t
_EVENT_KEYS = ledger_writes.EVENT_KEYS
#: Each event column's bind name in the combined statement, made once (not per move).
_EVENT_BINDS = tuple((f"ev_{k}", k) for k in _EVENT_KEYS)


def _combined(with_stock: bool) -> Prepared:
    """PostgreSQL: claim, head, event (and stock) in one statement; answers how many rows
    the claim, the head move and the stock move changed (0 or 1 each)."""
    claimed = unit_sql.CLAIM.returning(_unit_c.id).cte("claimed")
    move = ledger_chain.MOVE_HEAD.statement
    assert isinstance(move, sa.Update)
    head = (
        move.where(sa.exists(sa.select(claimed.c.id)))
        .returning(ledger_chain.chain_c.id)
        .cte("head_moved")
    )
    values = [sa.bindparam(f"ev_{k}", type_=_event_t.c[k].type) for k in _EVENT_KEYS]
    event = (
        sa.insert(_event_t)
        .from_select(_EVENT_KEYS, sa.select(*values).select_from(head))
        .returning(_event_t.c.id)
        .cte("event_made")
    )
    counts: list[sa.ColumnElement[int]] = [
        sa.select(sa.func.count()).select_from(claimed).scalar_subquery(),
        sa.select(sa.func.count()).select_from(head).scalar_subquery(),
    ]
    if with_stock:
        row = sa.select(
            sa.bindparam("stock_product", type_=sa.Integer()),
            sa.bindparam("stock_store", type_=sa.Integer()),
            sa.bindparam("delta", type_=sa.Integer()),
        ).select_from(head)
        made = postgresql.insert(_stock_t).from_select(["product_id", "store_id", "quantity"], row)
        stock = ledger_writes.add_to_level(made).returning(_stock_t.c.quantity).cte("stock_moved")
        counts.append(sa.select(sa.func.count()).select_from(stock).scalar_subquery())
    else:
        counts.append(sa.literal(0, sa.Integer()))
    return Prepared(sa.select(*counts).add_cte(event))


_WITH_STOCK, _WITHOUT_STOCK = _combined(True), _combined(False)


def claim_and_record(
    conn: Connection,
    unit: repo.UnitRow,
    claim: dict[str, object],
    event: dict[str, object],
    delta: int,
) -> bool:
    """Claim ``unit`` (``claim``: :func:`unit_sql.claim_unit`'s ``to_state``, ``to_store``,
    ``now`` and ``hold``), then record ``event`` in its chain and move the stock of the
    event's product at its store by ``delta``. False when the claim lost the race: then
    nothing was written."""
    if conn.dialect.name != "postgresql":
        if not unit_sql.claim_unit(conn, unit, **claim):  # type: ignore[arg-type]
            return False
        # The head moved on the guess, as on PostgreSQL but in statements of their own (no
        # round trips to save here): the one event needs none of add_events' batching.
        move = ledger_chain.stamp_on_guess(conn, event)
        moved = ledger_chain.MOVE_HEAD.run(conn, move.params()).rowcount == 1
        ledger_chain.settle_guess(conn, move, moved)
        if moved:
            ledger_writes.insert_event(conn, event)
        else:  # a stale guess: stamped again from the head read and locked
            ledger_writes.add_events(conn, [event])
        ledger_writes.bump_stock(
            conn, int(str(event["product_id"])), int(str(event["store_id"])), delta
        )
        return True
    if delta:
        check_stock_level(delta, "quantity change")
    move = ledger_chain.stamp_on_guess(conn, event)
    params: dict[str, object] = {
        **unit_sql.claim_params(unit, **claim),  # type: ignore[arg-type]
        **move.params(),
        **{bind: event[k] for bind, k in _EVENT_BINDS},
        "stock_product": event["product_id"],
        "stock_store": event["store_id"],
        "delta": delta,
    }
    claimed, moved, stocked = (_WITH_STOCK if delta else _WITHOUT_STOCK).rows(conn, params)[0]
    if not claimed:
        return False  # nothing written; the head's guess is still as good as it was
    ledger_chain.settle_guess(conn, move, bool(moved))
    if not moved:  # a stale guess: stamp from the head read and locked, as add_events does
        ledger_writes.add_events(conn, [event])
        ledger_writes.bump_stock(
            conn, int(str(event["product_id"])), int(str(event["store_id"])), delta
        )
    elif delta and not stocked:
        ledger_writes.refuse_stock(
            conn, int(str(event["product_id"])), int(str(event["store_id"])), delta
        )
    return True
