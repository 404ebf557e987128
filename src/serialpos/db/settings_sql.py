"""The chain's and each store's stored settings, read once per transaction.

A counter step asks for settings several times; reading them once per transaction (and letting
a statement that reads them anyway hand them over, :func:`keep_settings`) keeps that to one query
at most. A write to the settings calls :func:`forget_settings` in its transaction."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import tables as t
from serialpos.db.prepared import Prepared
from serialpos.db.txcache import forget, transaction_cache

chain_setting_t = t.ChainSetting.__table__  # type: ignore[attr-defined]
store_setting_t = t.StoreSetting.__table__  # type: ignore[attr-defined]

_chain_c, _store_c = chain_setting_t.c, store_setting_t.c
_CHAIN_VALUES = sa.select(_chain_c.key, _chain_c.value, sa.literal_column("0").label("rank"))
_CHAIN_ONLY = Prepared(_CHAIN_VALUES)
# Chain values first, then the store's own, so the store's win when read in order.
_CHAIN_AND_STORE_VALUES = Prepared(
    sa.union_all(
        _CHAIN_VALUES,
        sa.select(_store_c.key, _store_c.value, sa.literal_column("1").label("rank")).where(
            _store_c.store_id == sa.bindparam("store_id")
        ),
    ).order_by("rank")
)


_SETTINGS_CACHE = "serialpos_settings"


def setting_values(conn: Connection, store: int | None) -> dict[str, str]:
    """Stored setting values: the chain's, overridden by store ``store``'s own (one query,
    read once per transaction: a counter step asks several times; the chain's own come with
    a store's). A write to the settings calls :func:`forget_settings` in its transaction."""
    cache = transaction_cache(conn, _SETTINGS_CACHE)
    found: dict[str, str] | None = cache.get(store)
    if found is None:
        if store is None:
            found = {key: value for key, value, _rank in _CHAIN_ONLY.rows(conn, {})}
        else:
            chain: dict[str, str] = {}
            found = {}
            for key, value, rank in _CHAIN_AND_STORE_VALUES.rows(conn, {"store_id": store}):
                if rank == 0:
                    chain[key] = value
                found[key] = value
            cache.setdefault(None, chain)
        cache[store] = found
    return dict(found)


def settings_pairs(store_id: sa.ColumnElement[int] | None) -> sa.ScalarSelect[Any]:
    """PostgreSQL: the chain's stored settings (``store_id`` None) or store ``store_id``'s,
    as one JSON array of ``[key, value]`` pairs (NULL when there are none), for a statement
    that reads them beside what it reads anyway (:func:`keep_settings`)."""
    c = _chain_c if store_id is None else _store_c
    pairs = sa.select(sa.func.json_agg(sa.func.json_build_array(c.key, c.value)))
    if store_id is not None:
        pairs = pairs.where(_store_c.store_id == store_id)
    return pairs.scalar_subquery()


def keep_settings(
    conn: Connection,
    store: int,
    chain: list[list[str]] | None,
    own: list[list[str]] | None,
) -> None:
    """Settings read by another statement of this transaction (:func:`settings_pairs`): the
    chain's and store ``store``'s, kept as :func:`setting_values` would have read them."""
    cache = transaction_cache(conn, _SETTINGS_CACHE)
    values = {str(key): str(value) for key, value in chain or ()}
    cache.setdefault(None, dict(values))
    values.update({str(key): str(value) for key, value in own or ()})
    cache[store] = values


def forget_settings(conn: Connection) -> None:
    """The settings changed in this transaction: the next read goes to the tables."""
    forget(conn, _SETTINGS_CACHE)
