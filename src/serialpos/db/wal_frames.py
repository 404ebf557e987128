"""The pages a SQLite commit writes, read from the file itself: one helper for the counter
bench's `WAL frames per step` rows and the tests that bound them (tests/db/test_sale_frames.py).

In WAL mode every page a transaction changed is appended to the ``-wal`` file as one frame (a
24-byte header naming the page, then the page) when it commits, so the frames after an
emptied WAL are the pages that commit wrote, and fsynced. ``dbstat`` names the table or index
each page belongs to. The floor (one UPDATE of a unit, one INSERT of an event) writes 2.
"""

from __future__ import annotations

import sqlite3
import struct
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: A WAL file's header, and each frame's header before its page.
WAL_HEADER, FRAME_HEADER = 32, 24


def frames_written(path: Path, step: Callable[[], Any]) -> Counter[str]:
    """What ``step``'s commits wrote to the SQLite file at ``path``: frames by the table or
    index owning each page (``""`` for a page no b-tree owns: the free list, the header page
    as the file grows). The WAL is checkpointed and emptied first, so nothing else may hold
    a read snapshot on the file while this runs (the app's connections keep none between
    transactions)."""
    raw = sqlite3.connect(path)
    try:
        busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise RuntimeError(f"{path}: the WAL could not be emptied (a reader holds it)")
        step()
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
        wal = Path(f"{path}-wal").read_bytes()
        pages = [
            struct.unpack(">I", wal[at : at + 4])[0]
            for at in range(WAL_HEADER, len(wal) - FRAME_HEADER, FRAME_HEADER + page_size)
        ]
        owners = dict(raw.execute("SELECT pageno, name FROM dbstat"))
    finally:
        raw.close()
    return Counter(owners.get(page, "") for page in pages)
