"""The ledger's hash chain: each event carries a SHA-256 over its content, its place in its
chain and the previous event's hash, so an event rewritten, removed or slipped in afterwards
breaks the chain at that event.

One chain per (store, terminal), not one for the whole database and not one per store:

- a chain is appended to in order, so its head is locked by each writer until commit. One
  chain for the database would put every till of every store in one queue on PostgreSQL; one
  per store would still queue a store's tills behind each other (and behind a long import at
  that store). A terminal does one thing at a time, so its own chain never makes a writer
  wait for another terminal;
- a terminal that works offline (a future journal kept on the till and sent later) builds
  exactly this chain on its own, with the same hashes, and the server checks it as sent,
  instead of re-hashing the terminal's events into a shared chain (which would prove
  nothing about what the terminal recorded).

Pure: no database here. ``db/ledger_chain.py`` keeps the heads; ``services`` checks them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: The "previous hash" of a chain's first event.
GENESIS = "0" * 64

#: The event fields a hash covers, in this order (everything but the row id, which the
#: database assigns after the hash is made).
HASHED_FIELDS = (
    "at",
    "action",
    "user_name",
    "terminal",
    "store_id",
    "product_id",
    "unit_id",
    "serial",
    "from_state",
    "to_state",
    "quantity",
    "document_type",
    "document_id",
    "document_line",
    "reason",
)


_WHOLE_FIELDS = frozenset({"store_id", "product_id", "unit_id", "quantity"})


def _plain(name: str, value: object) -> object:
    """The value as the database gives it back (a line number given as 3 is read as "3"),
    so hashing the event before the insert and after a read agree."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if name in _WHOLE_FIELDS:
        return int(value)  # type: ignore[call-overload]
    return str(value)


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def event_hash(previous: str, seq: int, event: Mapping[str, object]) -> str:
    """The hash of one event at position ``seq`` of its chain, after ``previous``."""
    body = [previous, seq, *(_plain(name, event.get(name)) for name in HASHED_FIELDS)]
    return hashlib.sha256(_dumps(body).encode("utf-8")).hexdigest()


_string = json.encoder.encode_basestring  # what _dumps writes for a str (ensure_ascii off)


def _fragment(name: str, value: object) -> str:
    """``value`` of field ``name`` as :func:`event_hash`'s JSON writes it in its list."""
    plain = _plain(name, value)
    if plain is None:
        return "null"
    if type(plain) is int:
        return int.__repr__(plain)
    return _string(plain)  # type: ignore[arg-type]


class EventHasher:
    """:func:`event_hash` for many events given as tuples in ``keys`` order (the bulk
    import), the same digests: each field's JSON text is made once per distinct value (an
    import's events share their time, action, user, store, document...) and the list is
    joined as the JSON encoder joins it, instead of a dict, 15 conversions and an encode
    per event."""

    #: Distinct values remembered per field before its memory is cleared (a serial column
    #: would only fill it).
    MEMO = 256

    def __init__(self, keys: Iterable[str]) -> None:
        at = {name: i for i, name in enumerate(keys)}
        self._fields = [(name, at.get(name)) for name in HASHED_FIELDS]
        # Keyed by (type, value): 1, True and Decimal("1.0") are equal keys, not equal text.
        self._memos: list[dict[tuple[type, object], str]] = [{} for _ in HASHED_FIELDS]

    def tails(self, rows: list[tuple[object, ...]]) -> list[str]:
        """Each row's hashed text after its place in the chain (``,<fields>]``), built column
        by column: a field with one value in every row (an import's time, user, store,
        document...) is written once and folded into the text around the fields that vary,
        so a row costs one string format, not fifteen lookups and a join."""
        if not rows:
            return []
        columns = list(zip(*rows, strict=True))
        pieces: list[str] = [""]  # constant text, with "{}" where a varying field goes
        varying: list[list[str]] = []
        for name, i in self._fields:
            column: tuple[object, ...] = (None,) * len(rows) if i is None else columns[i]
            if _one_value(column):
                pieces[-1] += "," + _fragment(name, column[0])
                continue
            kinds = set(map(type, column))
            if kinds == {int} and name in _WHOLE_FIELDS:  # ids: written as they are
                varying.append(list(map(int.__repr__, column)))  # type: ignore[arg-type]
                pieces[-1] += ","
                pieces.append("")
                continue
            if kinds == {str} and name not in _WHOLE_FIELDS:  # serials: distinct strings
                varying.append(list(map(_string, column)))  # type: ignore[arg-type]
                pieces[-1] += ","
                pieces.append("")
                continue
            memo: dict[tuple[type, object], str] = {}

            def text(value: object, name: str = name, memo: dict[Any, str] = memo) -> str:
                key = (type(value), value)
                try:
                    return memo[key]
                except KeyError:
                    if len(memo) >= self.MEMO:
                        memo.clear()
                    done = memo[key] = _fragment(name, value)
                    return done
                except TypeError:  # not hashable
                    return _fragment(name, value)

            varying.append(list(map(text, column)))
            pieces[-1] += ","
            pieces.append("")
        pieces[-1] += "]"
        if not varying:
            return [pieces[0]] * len(rows)
        template = "{}".join(p.replace("{", "{{").replace("}", "}}") for p in pieces)
        return list(map(template.format, *varying))

    @staticmethod
    def chained(previous: str, seq: int, tails: Iterable[str]) -> list[str]:
        """The digests of events whose :meth:`tails` follow each other in one chain, the
        first at ``seq`` after ``previous``."""
        out: list[str] = []
        sha256 = hashlib.sha256
        for tail in tails:
            previous = sha256(f'["{previous}",{seq}{tail}'.encode()).hexdigest()
            out.append(previous)
            seq += 1
        return out

    def digest(self, previous: str, seq: int, row: tuple[object, ...]) -> str:
        parts = [_string(previous), int.__repr__(seq)]
        for (name, i), memo in zip(self._fields, self._memos, strict=True):
            value = None if i is None else row[i]
            key = (type(value), value)
            try:
                text = memo[key]
            except (KeyError, TypeError):  # new, or not hashable
                text = _fragment(name, value)
                try:
                    if len(memo) >= self.MEMO:
                        memo.clear()
                    memo[key] = text
                except TypeError:
                    pass
            parts.append(text)
        body = "[" + ",".join(parts) + "]"
        return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _one_value(column: tuple[object, ...]) -> bool:
    """Whether every value of ``column`` is the same, of the same type (1 and True differ)."""
    first = column[0]
    try:
        return column.count(first) == len(column) and len(set(map(type, column))) == 1
    except TypeError:
        return False


@dataclass(frozen=True)
class ChainBreak:
    """Where a chain stops proving anything: the first event (by id) that does not follow."""

    chain: int
    event_id: int | None
    detail: str


def first_break(
    chain: int, events: Iterable[Mapping[str, object]], head: tuple[int, str] | None
) -> ChainBreak | None:
    """Walk one chain's events in ``chain_seq`` order (each a mapping with ``id``,
    ``chain_seq``, ``hash`` and the hashed fields) and return the first break, or None.
    ``head`` is the chain's recorded (last seq, last hash): events removed from the end
    show there."""
    previous, expected = GENESIS, 1
    for event in events:
        seq, found = event["chain_seq"], event["hash"]
        event_id = event["id"]
        assert isinstance(event_id, int)
        if seq != expected:
            what = "is missing" if isinstance(seq, int) and seq > expected else "repeats"
            return ChainBreak(
                chain,
                event_id,
                f"event {event_id}: event {expected} of its chain {what} (this one says {seq})",
            )
        if found != event_hash(previous, expected, event):
            return ChainBreak(
                chain,
                event_id,
                f"event {event_id} does not match its hash (changed after it was recorded)",
            )
        previous, expected = str(found), expected + 1
    if head is not None and (head[0] != expected - 1 or head[1] != previous):
        return ChainBreak(
            chain,
            None,
            f"the chain's last {head[0] - expected + 1} event(s) are missing"
            if head[0] >= expected
            else "the chain's head does not match its last event",
        )
    return None


def chain_hashes(
    previous: str, first_seq: int, events: Iterable[Mapping[str, object]]
) -> Iterator[tuple[int, str]]:
    """(seq, hash) for consecutive new events of one chain."""
    seq = first_seq
    for event in events:
        previous = event_hash(previous, seq, event)
        yield seq, previous
        seq += 1
