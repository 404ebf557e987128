"""Appending to the ledger's hash chains: every place that inserts ledger events calls
:func:`stamp` (or :func:`stamp_columns` for the bulk ASN import) in the same transaction.

A chain's head row (``ledger_chain``) moves forward with each batch of events in ONE
statement: an update conditional on the head as last seen (``WHERE id AND seq AND hash``).
The head as this process last left it is remembered per engine, so a terminal's next move
hashes from it without reading the row first; the conditional update both checks that guess
and moves the head (and, on PostgreSQL, locks the row until commit, as the read did). A
chain this process has not moved yet is read first, with an upsert that also locks it. When
the update changes nothing (another process moved the chain since; a transaction of ours,
or a savepoint inside one such as a refused ``apply`` line, rolled back after moving it) the
head is read with that upsert, the events are hashed again from it, and the update runs
once more. Within a transaction the head is kept on the connection, so a sale of several
units reads it at most once. The guess decides only how many statements a move takes, never
what is written: the update matches the row exactly or changes nothing.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from serialpos.db import tables as t
from serialpos.db.prepared import Prepared
from serialpos.db.txcache import transaction_cache, undone_by_savepoint
from serialpos.domain.ledger_chain import GENESIS, chain_digests, column_tails, event_hash

chain_t: sa.Table = t.LedgerChain.__table__  # type: ignore[attr-defined]
chain_c = chain_t.c
#: A savepoint rolled back may have moved a head this transaction cached (an entry whose
#: first unit moved before its second was refused): the heads are then read again, or the
#: next event would skip a number the database never kept (db/txcache.py).
_CACHE = undone_by_savepoint("serialpos_ledger_chain")


def _lock_head(dialect: Any) -> sa.Executable:
    insert = dialect.insert(chain_t).values(
        store_id=sa.bindparam("store_id"), terminal=sa.bindparam("terminal"), seq=0, hash=GENESIS
    )
    locked: sa.Executable = insert.on_conflict_do_update(
        index_elements=[chain_c.store_id, chain_c.terminal],
        set_={"seq": chain_c.seq},
    ).returning(chain_c.id, chain_c.seq, chain_c.hash)
    return locked


#: Run prepared (db/prepared.py): a head is read on each chain's first events in a process
#: (every terminal's first push to a serve worker) and after a savepoint undid a move.
_LOCK_HEAD = {
    "sqlite": Prepared(_lock_head(sqlite)),
    "postgresql": Prepared(_lock_head(postgresql)),
}
#: Run as prepared driver SQL (db/prepared.py): it is one of a ledger move's few statements.
MOVE_HEAD = Prepared(
    sa.update(chain_t)
    .where(
        chain_c.id == sa.bindparam("chain"),
        chain_c.seq == sa.bindparam("old_seq"),
        chain_c.hash == sa.bindparam("old_hash"),
    )
    .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
)

#: :data:`MOVE_HEAD` with the chain's id returned: the gate of a statement that inserts the
#: events it chains only if the head moved (array_insert.insert_columns_after).
MOVE_HEAD_GATE: sa.Update = cast(sa.Update, MOVE_HEAD.statement).returning(chain_c.id)

#: Heads as this process last moved them, per engine: {(store id, terminal): (id, seq, hash)}.
_LAST_SEEN: weakref.WeakKeyDictionary[Engine, dict[tuple[int, str], tuple[int, int, str]]] = (
    weakref.WeakKeyDictionary()
)


class _Head:
    """A chain head as this transaction last read or moved it (or the process's guess)."""

    __slots__ = ("hash", "id", "seq")

    def __init__(self, chain_id: int, seq: int, digest: str) -> None:
        self.id, self.seq, self.hash = chain_id, seq, digest


def _last_seen(conn: Connection) -> dict[tuple[int, str], tuple[int, int, str]]:
    engine = conn.engine
    found = _LAST_SEEN.get(engine)
    if found is None:
        found = _LAST_SEEN[engine] = {}
    return found


def _head(conn: Connection, key: tuple[int, str]) -> _Head:
    heads: dict[tuple[int, str], _Head] = transaction_cache(conn, _CACHE)
    head = heads.get(key)
    if head is None:
        seen = _last_seen(conn).get(key)
        head = heads[key] = _Head(*seen) if seen is not None else _read_head(conn, key)
    return head


def _read_head(conn: Connection, key: tuple[int, str]) -> _Head:
    [row] = _LOCK_HEAD[conn.dialect.name].rows(conn, {"store_id": key[0], "terminal": key[1]})
    return _Head(int(row[0]), int(row[1]), str(row[2]))


def _append(
    conn: Connection,
    keys: list[tuple[int, str]],
    digests: Callable[[list[int] | None, str, int], list[str]],
) -> tuple[list[int], list[int], list[str]]:
    """The chain id, seq and hash of each new event in order (``keys``: its chain's store id
    and terminal; ``digests(positions, previous hash, first seq)``: the hashes of the events
    at those positions, one chain's run, None for all of them), with the heads moved. A
    chain's hashes depend on its own head only, so each chain is settled on its own: hashed
    from the head, moved conditionally, and hashed again from the row if the guess was
    stale."""
    n = len(keys)
    ids, seqs, hashes = [0] * n, [0] * n, [""] * n
    by_chain: dict[tuple[int, str], list[int] | None]
    if keys.count(keys[0]) == n:  # one chain (a sale, an import): one run
        by_chain = {keys[0]: None}
    else:
        by_chain = {}
        for i, key in enumerate(keys):
            by_chain.setdefault(key, []).append(i)  # type: ignore[union-attr]
    seen = _last_seen(conn)
    for key, positions in by_chain.items():
        head = _head(conn, key)
        size = n if positions is None else len(positions)
        for attempt in range(3):
            chained = digests(positions, head.hash, head.seq + 1)
            seq, last = head.seq + size, chained[-1]
            moved = MOVE_HEAD.run(
                conn,
                {
                    "chain": head.id,
                    "old_seq": head.seq,
                    "old_hash": head.hash,
                    "new_seq": seq,
                    "new_hash": last,
                },
            )
            if moved.rowcount == 1:
                if positions is None:
                    ids, seqs, hashes = [head.id] * n, list(range(head.seq + 1, seq + 1)), chained
                else:
                    for offset, (i, digest) in enumerate(zip(positions, chained, strict=True)):
                        ids[i], seqs[i], hashes[i] = head.id, head.seq + 1 + offset, digest
                head.seq, head.hash = seq, last
                seen[key] = (head.id, seq, last)
                break
            if attempt == 2:
                raise RuntimeError(f"ledger chain {head.id} did not move from the head read")
            # Not the head hashed from: another process moved it since, a transaction of
            # ours rolled back, or (inside one transaction) a savepoint that moved it was
            # rolled back (an apply line refused). Read and lock it, and hash again from it.
            seen.pop(key, None)
            head = transaction_cache(conn, _CACHE)[key] = _read_head(conn, key)
    return ids, seqs, hashes


@dataclass(frozen=True)
class HeadMove:
    """The move of a chain's head one event on, from the head as last known (the guess a
    combined statement checks and makes, db/unit_write.py)."""

    key: tuple[int, str]
    chain: int
    old_seq: int
    old_hash: str
    new_seq: int
    new_hash: str

    def params(self) -> dict[str, object]:
        """The bind values of :data:`MOVE_HEAD`."""
        return {
            "chain": self.chain,
            "old_seq": self.old_seq,
            "old_hash": self.old_hash,
            "new_seq": self.new_seq,
            "new_hash": self.new_hash,
        }


def stamp_on_guess(conn: Connection, event: dict[str, Any]) -> HeadMove:
    """Stamp one event (``chain_id``, ``chain_seq``, ``hash``) from its chain's head as this
    transaction or process last knew it (read and locked when it knows none), without moving
    the head: the caller moves it with :data:`MOVE_HEAD`'s condition inside a statement of
    its own, then reports with :func:`settle_guess`."""
    key = (int(event["store_id"]), str(event["terminal"]))
    head = _head(conn, key)
    seq = head.seq + 1
    digest = event_hash(head.hash, seq, event)
    event["chain_id"], event["chain_seq"], event["hash"] = head.id, seq, digest
    return HeadMove(key, head.id, head.seq, head.hash, seq, digest)


def stamp_columns_on_guess(
    conn: Connection, shared: Mapping[str, Any], columns: Mapping[str, Sequence[Any]]
) -> tuple[dict[str, list[Any]], HeadMove] | None:
    """:func:`stamp_on_guess` for events given by column (a push's sales), all of one chain:
    their ``chain_id``, ``chain_seq`` and ``hash`` columns hashed from the head as this
    transaction or process last knew it, and the head's move, which the caller makes with
    :data:`MOVE_HEAD`'s condition in the statement that inserts them
    (array_insert.insert_columns_after) and reports with :func:`settle_guess`. None when the
    events are of several chains or none: :func:`stamp_columns` then."""
    count = len(next(iter(columns.values()), ()))
    if not count:
        return None
    stores = columns["store_id"] if "store_id" in columns else [shared["store_id"]] * count
    terminals = columns["terminal"] if "terminal" in columns else [shared["terminal"]] * count
    if stores.count(stores[0]) != count or terminals.count(terminals[0]) != count:
        return None
    key = (int(stores[0]), str(terminals[0]))
    head = _head(conn, key)
    hashes = chain_digests(head.hash, head.seq + 1, column_tails(shared, columns, count))
    stamped: dict[str, list[Any]] = {
        "chain_id": [head.id] * count,
        "chain_seq": list(range(head.seq + 1, head.seq + count + 1)),
        "hash": hashes,
    }
    return stamped, HeadMove(key, head.id, head.seq, head.hash, head.seq + count, hashes[-1])


def settle_guess(conn: Connection, move: HeadMove, moved: bool) -> None:
    """What became of a :func:`stamp_on_guess` move: made (the head is now its new one), or
    not (the guess was stale: the next stamp reads and locks the head first)."""
    heads: dict[tuple[int, str], _Head] = transaction_cache(conn, _CACHE)
    if moved:
        heads[move.key] = _Head(move.chain, move.new_seq, move.new_hash)
        _last_seen(conn)[move.key] = (move.chain, move.new_seq, move.new_hash)
        return
    heads.pop(move.key, None)
    _last_seen(conn).pop(move.key, None)


def stamp(conn: Connection, events: Iterable[dict[str, Any]]) -> None:
    """Give each new event (a dict of column values) its ``chain_id``, ``chain_seq`` and
    ``hash``, in order, and move the chain heads. Call right before inserting them."""
    batch = list(events)
    if not batch:
        return

    def digests(positions: list[int] | None, previous: str, seq: int) -> list[str]:
        out = []
        for offset, i in enumerate(range(len(batch)) if positions is None else positions):
            previous = event_hash(previous, seq + offset, batch[i])
            out.append(previous)
        return out

    keys = [(int(e["store_id"]), str(e["terminal"])) for e in batch]
    stamped = zip(batch, *_append(conn, keys, digests), strict=True)
    for event, chain_id, seq, digest in stamped:
        event["chain_id"], event["chain_seq"], event["hash"] = chain_id, seq, digest


def stamp_columns(
    conn: Connection, shared: Mapping[str, Any], columns: Mapping[str, Sequence[Any]]
) -> dict[str, list[Any]]:
    """:func:`stamp` for events given by column (the bulk import): ``shared`` the values
    every event has, ``columns`` one value per event. Returns the ``chain_id``,
    ``chain_seq`` and ``hash`` columns. Each event's text after its place in the chain is
    built once, column-wise (``column_tails``), so a stale head costs only the chaining
    again."""
    count = len(next(iter(columns.values()), ()))
    if not count:
        return {"chain_id": [], "chain_seq": [], "hash": []}
    tails = column_tails(shared, columns, count)

    def per_event(name: str) -> Sequence[Any]:
        return columns[name] if name in columns else [shared[name]] * count

    if "store_id" in shared and "terminal" in shared:  # one chain
        keys = [(int(shared["store_id"]), str(shared["terminal"]))] * count
    else:
        stores, terminals = per_event("store_id"), per_event("terminal")
        keys = list(zip(map(int, stores), map(str, terminals), strict=True))

    def digests(positions: list[int] | None, previous: str, seq: int) -> list[str]:
        run = tails if positions is None else [tails[i] for i in positions]
        return chain_digests(previous, seq, run)

    ids, seqs, hashes = _append(conn, keys, digests)
    return {"chain_id": ids, "chain_seq": seqs, "hash": hashes}
