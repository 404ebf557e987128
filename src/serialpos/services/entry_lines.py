"""Lines of ``POST /v1/apply`` grouped for applying: a run of a store terminal's journal
entries that arrived together is applied in batches (services/entries.py), any other line
alone, exactly as services/apply.py ``apply_line`` does.

A terminal catching up after a day offline sends thousands of entries; one transaction and
one worker-thread hop per entry made central spend most of its time committing. Grouping
changes nothing a client sees: one verdict per line, in input order, each entry whole or
not at all, the same answers as one by one.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.services import entries
from serialpos.services.apply import dispatch as apply_service
from serialpos.services.context import Actor
from serialpos.services.tokens import Bearer

Result = dict[str, Any]


@dataclass(frozen=True)
class Run:
    """Consecutive input lines from line number ``first``: either one line of any kind
    (``entries`` None), or journal entries, each already decoded."""

    first: int
    raws: list[bytes | None]
    entries: list[dict[str, Any]] | None = None

    @property
    def last(self) -> int:
        return self.first + len(self.raws) - 1


def _entry(raw: bytes | None, line_no: int) -> dict[str, Any] | None:
    """The decoded line when it is a journal entry (an ``id`` and a ``journal``)."""
    if raw is None or b'"journal"' not in raw:
        return None
    if line_no == 1:
        # The first line may start with a BOM (as apply_line allows). An online sale is a
        # push of one entry: it must take the batched, set-based way too.
        raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        data = apply_service.parse(raw)
    except DomainError:
        return None
    if data.get("id") is None or data.get("journal") is None:
        return None
    return data


def runs(group: list[bytes | None], first: int) -> Iterator[Run]:
    """``group``'s lines, numbered from ``first``, as runs to apply in order."""
    raws: list[bytes | None] = []
    decoded: list[dict[str, Any]] = []
    start = first
    for n, raw in enumerate(group, start=first):
        data = _entry(raw, n)
        if data is not None:
            if not raws:
                start = n
            raws.append(raw)
            decoded.append(data)
            continue
        if raws:
            yield Run(start, raws, decoded)
            raws, decoded = [], []
        yield Run(n, [raw])
    if raws:
        yield Run(start, raws, decoded)


def apply_run(db: Database, who: Actor | Bearer, run: Run) -> tuple[list[Result], Run | None]:
    """The verdicts of the start of ``run``, in order (none for a blank line), and what is
    left of it for the next call: a run of entries is answered a transaction at a time, so
    verdicts go out (and a client gone is noticed) every fraction of a second. ``who``: the
    actor, or the request's bearer token, checked (once per request) inside the first
    transaction of entries, or alone before any other line."""
    if run.entries is None:
        actor = who.actor() if isinstance(who, Bearer) else who
        result = apply_service.apply_line(db, actor, run.raws[0], run.first)
        return ([] if result is None else [result]), None
    verdicts = entries.apply_entries(db, who, run.entries, apply_service.apply_object)
    paired = zip(run.entries, verdicts, strict=False)
    answered = [
        {"ok": verdict.pop("ok"), "line": n, "id": data["id"], **verdict}
        for n, (data, verdict) in enumerate(paired, start=run.first)
    ]
    k = len(answered)
    rest = None if k == len(run.raws) else Run(run.first + k, run.raws[k:], run.entries[k:])
    return answered, rest
