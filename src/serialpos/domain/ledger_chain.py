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
from collections.abc import Iterable, Iterator, Mapping, Sequence
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


#: Each hashed field and whether it is a whole number (see :func:`_plain`).
_FIELD_KINDS = tuple((name, name in _WHOLE_FIELDS) for name in HASHED_FIELDS)


def event_hash(previous: str, seq: int, event: Mapping[str, object]) -> str:
    """The hash of one event at position ``seq`` of its chain, after ``previous``: the
    SHA-256 of the JSON list ``[previous, seq, <the hashed fields, plain>]``.

    The list's text is written here field by field, exactly as the JSON encoder writes it
    (``_string`` is the encoder's own string escaping, ``int.__repr__`` its whole numbers;
    tests/unit/test_asn_bulk_paths.py checks the two agree for every field type): every
    state change hashes an event, and building a list for the encoder to walk cost about
    twice this. A value already as :func:`_plain` gives it (None, an int id, a plain str) is
    taken as it is; anything else is made plain first."""
    if type(previous) is not str or type(seq) is not int:
        return _encoded_hash(previous, seq, event)
    parts = [_string(previous), int.__repr__(seq)]
    append, get = parts.append, event.get
    for name, whole in _FIELD_KINDS:
        value: Any = get(name)  # its type is what the branches below look at
        kind = type(value)
        if kind is str and not whole:
            append(_string(value))
        elif value is None:
            append("null")
        elif kind is int and whole:
            append(int.__repr__(value))
        elif kind is datetime and value.tzinfo is None:
            # ISO digits and separators only: nothing for the encoder to escape.
            append(f'"{value.isoformat(timespec="microseconds")}"')
        else:
            append(_fragment(name, value))
    return hashlib.sha256(f"[{','.join(parts)}]".encode()).hexdigest()


def _encoded_hash(previous: object, seq: object, event: Mapping[str, object]) -> str:
    """:func:`event_hash` through the JSON encoder, for a ``previous`` or ``seq`` of another
    type than a chain keeps (never on a write path; kept so such a call hashes as before)."""
    body: list[object] = [previous, seq]
    body += (_plain(name, event.get(name)) for name in HASHED_FIELDS)
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


#: Distinct values of a field remembered by :func:`column_tails` before its memory is cleared
#: (a column of distinct values would only fill it).
TAIL_MEMO = 256


def column_tails(
    shared: Mapping[str, object], columns: Mapping[str, Sequence[object]], count: int
) -> list[str]:
    """The hashed text after its place in the chain (``,<fields>]``) of each of ``count``
    events given by column: ``shared`` the fields every event has the same (a field in
    neither is None), ``columns`` one value per event. Built column by column: the shared
    fields are written once and folded into the text around the varying ones, so an event
    costs one string format, not fifteen lookups and a join; :func:`chain_digests`
    hashes the texts into the chain (the same digests as :func:`event_hash`)."""
    pieces: list[str] = [""]  # constant text, with "{}" where a varying field goes
    varying: list[list[str]] = []
    for name in HASHED_FIELDS:
        column = columns.get(name)
        if column is None:
            pieces[-1] += "," + _fragment(name, shared.get(name))
            continue
        if len(column) != count:
            raise ValueError(f"{name}: {len(column)} values for {count} events")
        kinds = set(map(type, column))
        if len(kinds) == 1 and column[-1] == column[0] and column.count(column[0]) == count:
            pieces[-1] += "," + _fragment(name, column[0])  # one value (an import's product)
            continue
        if kinds == {int} and name in _WHOLE_FIELDS:  # ids: written as they are
            varying.append(list(map(int.__repr__, column)))  # type: ignore[arg-type]
        elif kinds == {str} and name not in _WHOLE_FIELDS:  # serials: distinct strings
            varying.append(list(map(_string, column)))  # type: ignore[arg-type]
        else:
            memo: dict[tuple[type, object], str] = {}

            def text(value: object, name: str = name, memo: dict[Any, str] = memo) -> str:
                key = (type(value), value)
                try:
                    return memo[key]
                except KeyError:
                    if len(memo) >= TAIL_MEMO:
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
        return [pieces[0]] * count
    template = "{}".join(p.replace("{", "{{").replace("}", "}}") for p in pieces)
    return list(map(template.format, *varying))


def chain_digests(previous: str, seq: int, tails: Iterable[str]) -> list[str]:
    """The digests of events whose :func:`column_tails` follow each other in one chain, the
    first at ``seq`` after ``previous``: one tight loop of a format and a SHA-256 each."""
    out: list[str] = []
    sha256 = hashlib.sha256
    for tail in tails:
        previous = sha256(f'["{previous}",{seq}{tail}'.encode()).hexdigest()
        out.append(previous)
        seq += 1
    return out


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
