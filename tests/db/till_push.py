"""A store terminal's journal entries pushed to central in process, as the sync route does
(services/entry_lines.py: runs of plain sales, then one by one), for the tests of central's
side of a push."""

from __future__ import annotations

import json
from typing import Any

from serialpos.db.engine import Database
from serialpos.services import entry_lines
from serialpos.services.context import Actor


def entry(key: str, terminal: str, seq: int, **line: Any) -> bytes:
    """One journal entry as a till sends it: its id, the line, and its journal origin."""
    journal = {"terminal": terminal, "seq": seq, "user": "mia"}
    return json.dumps({"id": key, **line, "journal": journal}).encode()


def push(db: Database, token: Actor, lines: list[bytes]) -> list[dict[str, Any]]:
    """The verdicts of ``lines`` pushed with the till's ``token``, in order."""
    done: list[dict[str, Any]] = []
    for first in entry_lines.runs(lines, 1):
        run: entry_lines.Run | None = first
        while run is not None:
            answered, run = entry_lines.apply_run(db, token, run)
            done += answered
    return done
