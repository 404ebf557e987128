"""The settings in force at an order's store, read by the same statement as the order.

Every step of a counter sale locks its order and then needs its store's settings: read beside
the order (one statement, on PostgreSQL one round trip) and kept for the transaction
(repo.keep_settings), they cost no statement of their own. This module adds those columns to
a read and takes them off the row again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.prepared import PreparedRow

SETTING_COLUMNS = ("chain_settings", "store_settings")


def settings_pairs(store_id: sa.ColumnElement[int] | None, dialect: str) -> sa.ScalarSelect[Any]:
    """The chain's stored settings (``store_id`` None) or store ``store_id``'s as one JSON
    array of ``[key, value]`` pairs, for a statement that reads them beside what it reads
    anyway: repo.settings_pairs on PostgreSQL (NULL when there are none); on SQLite
    ``json_group_array``, whose text :func:`keep_settings_of` parses."""
    if dialect == "postgresql":
        return repo.settings_pairs(store_id)
    table = repo.chain_setting_t if store_id is None else repo.store_setting_t
    c = table.c
    pairs = sa.select(sa.func.json_group_array(sa.func.json_array(c.key, c.value)))
    if store_id is not None:
        pairs = pairs.where(c.store_id == store_id)
    return pairs.scalar_subquery()


def with_settings(
    store_id: sa.ColumnElement[int], dialect: str = "postgresql"
) -> list[sa.Label[Any]]:
    """The columns an order read or insert adds to bring its store's settings
    (:func:`keep_settings_of` keeps them and takes them off the row)."""
    return [
        settings_pairs(None, dialect).label(SETTING_COLUMNS[0]),
        settings_pairs(store_id, dialect).label(SETTING_COLUMNS[1]),
    ]


def _pairs(value: object) -> list[list[str]] | None:
    """Settings pairs as read: a list (PostgreSQL's json), JSON text (SQLite), or NULL.
    SQLite's text is parsed once per distinct text (``json.loads`` cost a few microseconds,
    four times a counter sale, for the same few settings); the lists are only read."""
    if isinstance(value, str):
        parsed = _PARSED_PAIRS.get(value)
        if parsed is None:
            if len(_PARSED_PAIRS) >= 64:
                _PARSED_PAIRS.clear()
            parsed = _PARSED_PAIRS[value] = json.loads(value)
        return parsed
    return cast("list[list[str]] | None", value)


#: Settings texts as parsed (see :func:`_pairs`); a handful: the chain's and each store's.
_PARSED_PAIRS: dict[str, list[list[str]]] = {}


def keep_settings_of(conn: Connection, found: sa.Row[object]) -> sa.Row[object]:
    """The order row without the :func:`with_settings` columns, which are kept as the
    transaction's settings of its store (repo.keep_settings)."""
    keys: tuple[str, ...]
    values: Sequence[Any]
    if isinstance(found, PreparedRow):  # its class's key tuple, and the row is a tuple
        keys, values = found._keys, found
    else:
        keys, values = tuple(map(str, found._mapping)), tuple(found)
    shape = _WITHOUT_SETTINGS.get(keys)
    if shape is None:
        shape = _WITHOUT_SETTINGS[keys] = _without_settings(keys)
    kept, kept_keys, kept_index, store_at, chain_at, own_at = shape
    repo.keep_settings(
        conn, int(values[store_at]), _pairs(values[chain_at]), _pairs(values[own_at])
    )
    row: sa.Row[object] = cast(Any, PreparedRow(kept_keys, [values[i] for i in kept], kept_index))
    return row


#: Per shape of row read with the settings (its keys, shared by every row of a statement):
#: the positions and keys kept, and where the store and the settings are. Worked out once:
#: a counter step's order read spent more on sorting its 25 columns than on the read.
_WITHOUT_SETTINGS: dict[
    Sequence[str], tuple[tuple[int, ...], tuple[str, ...], dict[str, int], int, int, int]
] = {}


def _without_settings(
    keys: Sequence[str],
) -> tuple[tuple[int, ...], tuple[str, ...], dict[str, int], int, int, int]:
    at = {key: i for i, key in enumerate(keys)}  # a repeated key reads its last column
    kept = tuple(at[k] for k in at if k not in SETTING_COLUMNS)
    kept_keys = tuple(keys[i] for i in kept)
    index = {key: i for i, key in enumerate(kept_keys)}
    return kept, kept_keys, index, at["store_id"], at[SETTING_COLUMNS[0]], at[SETTING_COLUMNS[1]]
