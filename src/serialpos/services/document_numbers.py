"""Numbers of the counter's documents (orders, invoices, refund notes), unique across a chain.

Each database numbers its own documents per store (``S01-000007``, ``INV-S01-000012``). A
store terminal of a chain numbers its own, so without more its ``S01-000007`` would be
another order than central's, and ``order_void S01-000007`` would mean two things. So a
terminal's numbers carry its short code (``S01-T7-000007``, ``INV-S01-T7-000012``) and
never collide with central's or another terminal's; its journal entry carries the numbers
it gave (``numbers``: ``{"order": …, "invoice": …, "refund": …}``) and central keeps them
(:func:`keep`), so an order has one number at both ends and later lines naming it by number
(void, return, fulfil, set serial) mean the same order everywhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy.engine import Connection

from serialpos.db import document_sql
from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.services import journal_sink

#: Series a journal entry may carry numbers for, and each one's prefix.
PREFIXES = {"order": "", "invoice": "INV-", "refund": "RF-"}
_TAG_OK = re.compile(r"[A-Za-z0-9]{1,10}")
_NUMBER = re.compile(r"(?P<store>.+)-(?P<tag>[A-Z0-9]{1,10})-(?P<value>[0-9]{6,})")

#: The numbers a journal entry carries, while central applies it: each used once.
_given: ContextVar[dict[str, str] | None] = ContextVar("numbers_given", default=None)
#: The numbers given while a terminal applies one line (journaled with it).
_minted: ContextVar[dict[str, str] | None] = ContextVar("numbers_minted", default=None)


def terminal_tag(terminal: str, store: str) -> str:
    """A terminal's short code in document numbers: its id without the store's prefix
    (``S01-1a2b3c4d`` → ``1A2B3C4D``, ``T7`` → ``T7``), or, for a long or odd id, 8 hex
    digits of its hash (ids are unique, so tags are too, for all practical purposes)."""
    short = terminal.removeprefix(f"{store}-")
    if _TAG_OK.fullmatch(short):
        return short.upper()
    return hashlib.sha256(terminal.encode()).hexdigest()[:8].upper()


def _format(series: str, store: str, value: int, terminal: str | None) -> str:
    tag = f"{terminal_tag(terminal, store)}-" if terminal else ""
    return f"{PREFIXES[series]}{store}-{tag}{value:06d}"


def mint(db: Database, conn: Connection, series: str, store: str, store_id: int) -> str:
    """The next number of ``series`` (order, invoice, refund) at ``store``, in ``conn``'s
    transaction: the one the journal entry being applied carries, else a new one (with the
    terminal's code on a store terminal)."""
    given = _given.get()
    number = given.pop(series, None) if given is not None else None
    if number is not None:
        _check_free(conn, series, number)
    else:
        value = orepo.next_number(conn, store_id, series)
        number = _format(series, store, value, journal_sink.terminal_of(db))
    made = _minted.get()
    if made is not None:
        made[series] = number
    return number


def number_prefix(db: Database, series: str, store: str) -> str | None:
    """What goes before the counter's value in the next new number of ``series`` at
    ``store`` (:func:`mint`'s format: the value follows, zero-padded to at least six
    digits), for a statement that takes the value and writes the number itself
    (db/tender_sql.py); None when the journal entry being applied carries this series'
    number: then :func:`mint` it. Report the number made with :func:`made_in_sql`."""
    given = _given.get()
    if given is not None and series in given:
        return None
    return _format(series, store, 0, journal_sink.terminal_of(db)).removesuffix("000000")


def made_in_sql(series: str, number: str) -> None:
    """A number a statement made from :func:`number_prefix`: given, as :func:`mint` tells."""
    made = _minted.get()
    if made is not None:
        made[series] = number


def _check_free(conn: Connection, series: str, number: str) -> None:
    if document_sql.counter_number_taken(conn, series, number):
        raise BadRequest(
            f"{series} number {number} is already taken at central: was the terminal set "
            "up again with the same id? Its documents need a new terminal id",
            code="number_taken",
        )


def check_given(value: object, terminal: str, store: str | None) -> dict[str, str]:
    """``numbers`` of a journal entry from ``terminal``: each a number of a known series
    carrying that terminal's code (a terminal never takes central's or another's)."""
    if not isinstance(value, dict):
        raise BadRequest("'numbers' must be an object of document numbers")
    out: dict[str, str] = {}
    for series, number in value.items():
        if series not in PREFIXES:
            raise BadRequest(f"'numbers' names an unknown series '{series}'")
        if not isinstance(number, str) or not 1 <= len(number) <= 40:
            raise BadRequest(f"'numbers.{series}' must be a document number (text)")
        found = _NUMBER.fullmatch(number.removeprefix(PREFIXES[series]))
        if found is None or (store is not None and found["store"] != store):
            raise BadRequest(f"'numbers.{series}' {number} is not a store terminal's number")
        if found["tag"] != terminal_tag(terminal, found["store"]):
            raise BadRequest(
                f"'numbers.{series}' {number} does not carry terminal {terminal}'s code"
            )
        out[series] = number
    return out


@contextmanager
def keep(numbers: Mapping[str, str]) -> Iterator[None]:
    """Documents made inside take the numbers a journal entry carries (at central)."""
    token = _given.set(dict(numbers))
    try:
        yield
    finally:
        _given.reset(token)


@contextmanager
def minted() -> Iterator[dict[str, str]]:
    """The numbers given inside, by series (a terminal journals them with the line)."""
    made: dict[str, str] = {}
    token = _minted.set(made)
    try:
        yield made
    finally:
        _minted.reset(token)
