"""db/pg_arrays.py: the flat-list way of dumping an array sends the very bytes psycopg's own
binary dumper sends, for every element type central sends in arrays, nulls included; nested
and empty lists take psycopg's way. And PostgreSQL reads them back as sent."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from psycopg.adapt import AdaptersMap, PyFormat, Transformer
from psycopg.types.array import ListBinaryDumper

from pg_server import PG_URL, require_postgres
from serialpos.db.pg_arrays import FlatListBinaryDumper


class _Context:
    """An adaptation context with its own adapters and no connection."""

    def __init__(self, dumper: type) -> None:
        self.adapters = AdaptersMap(psycopg.adapters)
        self.adapters.register_dumper(list, dumper)
        self.connection = None


def _dumped(dumper: type, values: list[Any]) -> tuple[bytes, int] | None:
    tx = Transformer(_Context(dumper))
    found = tx.get_dumper(values, PyFormat.BINARY)
    out = found.dump(values)
    return None if out is None else (bytes(out), found.oid)


def _elements(kind: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.none() | kind, max_size=30)


@pytest.mark.parametrize(
    "kind",
    [
        st.text(alphabet=st.characters(blacklist_characters="\x00", codec="utf-8")),
        st.integers(-(2**31), 2**31 - 1),
        st.integers(-(2**63), 2**63 - 1),
        st.decimals(allow_nan=False, allow_infinity=False, places=2),
        st.booleans(),
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    ],
)
def test_the_bytes_are_psycopgs(kind: st.SearchStrategy[Any]) -> None:
    @given(_elements(kind))
    def same(values: list[Any]) -> None:
        assert _dumped(FlatListBinaryDumper, values) == _dumped(ListBinaryDumper, values)

    same()


def test_nested_and_empty_lists_take_psycopgs_way() -> None:
    for values in ([], [[1, 2], [3, None]], [None, None], [["a"], ["b"]]):
        assert _dumped(FlatListBinaryDumper, values) == _dumped(ListBinaryDumper, values)


@pytest.mark.postgres
def test_postgresql_reads_them_back_as_sent() -> None:
    require_postgres()
    sent = [["S1-000001", None, "Ä-2"], [1, None, 2**40], [Decimal("1.50"), None], [True, None]]
    with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.adapters.register_dumper(list, FlatListBinaryDumper)
        for values in sent:
            back = conn.execute("SELECT %b", [values]).fetchone()
            assert back is not None and back[0] == values
