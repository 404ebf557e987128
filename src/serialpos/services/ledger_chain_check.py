"""``db check``'s tamper evidence: every ledger hash chain re-computed from its events, and
the first event of each chain that does not follow named (see domain/ledger_chain.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.ledger_chain import chain_t
from serialpos.domain.ledger_chain import HASHED_FIELDS, ChainBreak, first_break

RULE = "ledger_chain"


def chain_breaks(conn: Connection) -> list[ChainBreak]:
    """The first break of every chain (and events outside any chain), by event id."""
    ev = repo.event_t.c
    breaks: list[ChainBreak] = []
    unchained = conn.execute(
        sa.select(sa.func.min(ev.id), sa.func.count()).where(
            sa.or_(ev.chain_id.is_(None), ev.hash.is_(None))
        )
    ).one()
    if unchained[1]:
        breaks.append(
            ChainBreak(
                0,
                int(unchained[0]),
                f"event {unchained[0]} has no hash ({unchained[1]} event(s) "
                "outside the hash chain: inserted around serialpos)",
            )
        )
    heads = {
        int(cid): (int(seq), str(digest))
        for cid, seq, digest in conn.execute(sa.select(chain_t.c.id, chain_t.c.seq, chain_t.c.hash))
    }
    columns = [ev.id, ev.chain_id, ev.chain_seq, ev.hash, *(ev[n] for n in HASHED_FIELDS)]
    query = (
        sa.select(*columns)
        .where(ev.chain_id.is_not(None))
        .order_by(ev.chain_id, ev.chain_seq, ev.id)
    )
    rows: Iterator[Mapping[str, object]] = (
        dict(row) for row in conn.execute(query.execution_options(yield_per=10_000)).mappings()
    )
    seen: set[int] = set()
    for chain_id, events in itertools.groupby(rows, key=lambda r: r["chain_id"]):
        assert isinstance(chain_id, int)
        seen.add(chain_id)
        found = first_break(chain_id, events, heads.get(chain_id))
        if found is not None:
            breaks.append(found)
    for chain_id, (seq, _digest) in heads.items():
        if chain_id not in seen and seq:
            breaks.append(
                ChainBreak(chain_id, None, f"all {seq} event(s) of the chain are missing")
            )
    return sorted(breaks, key=lambda b: (b.event_id is None, b.event_id or 0, b.chain))


def chain_place(conn: Connection, chain_id: int) -> tuple[str, str]:
    """(store code, terminal) of a chain, for a finding."""
    row = conn.execute(
        sa.select(repo.store_t.c.code, chain_t.c.terminal)
        .join(repo.store_t, repo.store_t.c.id == chain_t.c.store_id)
        .where(chain_t.c.id == chain_id)
    ).first()
    return ("", "") if row is None else (str(row[0]), str(row[1]))
