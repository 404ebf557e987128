"""Appending to the ledger's hash chains: every place that inserts ledger events calls
:func:`stamp` (or :func:`stamp_rows` for the bulk ASN import) in the same transaction.

A chain's head row (``ledger_chain``) is read once per transaction with an upsert that also
locks it (PostgreSQL: until commit; SQLite holds the write lock already), then moved forward
with each batch of events. The head is cached on the connection for the rest of the
transaction, so a sale of several units reads it once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db import tables as t
from serialpos.db.prepared import Prepared
from serialpos.domain.ledger_chain import GENESIS, EventHasher, event_hash

chain_t: sa.Table = t.LedgerChain.__table__  # type: ignore[attr-defined]
chain_c = chain_t.c
_CACHE = "serialpos_ledger_chain"


def _lock_head(dialect: Any) -> sa.Executable:
    insert = dialect.insert(chain_t).values(
        store_id=sa.bindparam("store_id"), terminal=sa.bindparam("terminal"), seq=0, hash=GENESIS
    )
    locked: sa.Executable = insert.on_conflict_do_update(
        index_elements=[chain_c.store_id, chain_c.terminal],
        set_={"seq": chain_c.seq},
    ).returning(chain_c.id, chain_c.seq, chain_c.hash)
    return locked


_LOCK_HEAD = {"sqlite": _lock_head(sqlite), "postgresql": _lock_head(postgresql)}
#: Run as prepared driver SQL (db/prepared.py): it is one of a ledger move's few statements.
_MOVE_HEAD = Prepared(
    sa.update(chain_t)
    .where(chain_c.id == sa.bindparam("chain"))
    .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
)


def _heads(conn: Connection) -> dict[tuple[int, str], list[Any]]:
    """This transaction's heads: {(store id, terminal): [chain id, seq, hash]}."""
    transaction = conn.get_transaction()
    cached = conn.info.get(_CACHE)
    if cached is None or cached[0] is not transaction:
        cached = (transaction, {})
        conn.info[_CACHE] = cached
    heads: dict[tuple[int, str], list[Any]] = cached[1]
    return heads


def _head(conn: Connection, store_id: int, terminal: str) -> list[Any]:
    heads = _heads(conn)
    head = heads.get((store_id, terminal))
    if head is None:
        row = conn.execute(
            _LOCK_HEAD[conn.dialect.name], {"store_id": store_id, "terminal": terminal}
        ).one()
        head = heads[store_id, terminal] = [int(row[0]), int(row[1]), str(row[2])]
    return head


def stamp(conn: Connection, events: Iterable[dict[str, Any]]) -> None:
    """Give each new event (a dict of column values) its ``chain_id``, ``chain_seq`` and
    ``hash``, in order, and move the chain heads. Call right before inserting them."""
    moved: dict[int, list[Any]] = {}
    for event in events:
        head = _head(conn, int(event["store_id"]), str(event["terminal"]))
        seq = head[1] + 1
        digest = event_hash(head[2], seq, event)
        event["chain_id"], event["chain_seq"], event["hash"] = head[0], seq, digest
        head[1], head[2] = seq, digest
        moved[head[0]] = head
    for chain_id, head in moved.items():
        _MOVE_HEAD.run(conn, {"chain": chain_id, "new_seq": head[1], "new_hash": head[2]})


def stamp_rows(
    conn: Connection, keys: list[str], rows: list[tuple[Any, ...]]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """:func:`stamp` for rows given as tuples in ``keys`` order (the bulk import): returns
    the keys and rows with ``chain_id``, ``chain_seq`` and ``hash`` added."""
    if not rows:
        return keys, rows
    store_at, terminal_at = keys.index("store_id"), keys.index("terminal")
    hasher = EventHasher(keys)
    tails = hasher.tails(rows)
    chains = list(zip([r[store_at] for r in rows], [r[terminal_at] for r in rows], strict=True))
    # Rows by chain, in order (an import's rows are all one chain: one run of hashes).
    runs: dict[tuple[int, str], list[int]]
    if chains.count(chains[0]) == len(chains):
        runs = {chains[0]: list(range(len(rows)))}
    else:
        runs = {}
        for n, chain in enumerate(chains):
            runs.setdefault(chain, []).append(n)
    stamps: list[tuple[int, int, str]] = [(0, 0, "")] * len(rows)
    for (store_id, terminal), where in runs.items():
        head = _head(conn, int(store_id), str(terminal))
        first = head[1] + 1
        chained = hasher.chained(head[2], first, [tails[n] for n in where])
        for offset, (n, digest) in enumerate(zip(where, chained, strict=True)):
            stamps[n] = (head[0], first + offset, digest)
        head[1], head[2] = first + len(where) - 1, chained[-1]
        _MOVE_HEAD.run(conn, {"chain": head[0], "new_seq": head[1], "new_hash": head[2]})
    out = [(*row, *stamp) for row, stamp in zip(rows, stamps, strict=True)]
    return [*keys, "chain_id", "chain_seq", "hash"], out
