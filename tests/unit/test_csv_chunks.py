"""``exports.csv_chunks``: the CSV the HTTP API streams is the CSV ``stream_csv`` writes
(formulas guarded), cut into pieces of about the size asked."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

from serialpos.services import exports

ROWS = [("INV-1", datetime(2026, 1, 2, 3, 4, 5), Decimal("9.50"), "=HYPERLINK(1)", None)] * 500


def test_chunks_join_to_what_stream_csv_writes() -> None:
    whole = io.StringIO()
    exports.stream_csv(whole, ["a", "b", "c", "d", "e"], ROWS)
    chunks = list(exports.csv_chunks(["a", "b", "c", "d", "e"], ROWS, size=1000))
    assert "".join(chunks) == whole.getvalue()
    assert len(chunks) > 10 and all(len(c) < 1100 for c in chunks)
    assert "'=HYPERLINK(1)" in chunks[1]
