"""Sales a store terminal made that central did not take (issue 16).

A till sells offline; at the next sync central may not take the sale: another till sold the
unit first (the entry is settled ``conflict``) or the entry could not be applied at all
(``refused``). The till keeps its order and invoice, but central has no such sale. One rule
says which documents those are: **a document is not taken when the latest journal entry
naming it** (its number as a JSON string in the entry's line, as db/journal.py
``last_naming`` matches it) **is settled as a conflict or refused**. At central the journal
is empty: nothing is ever not taken there. Where the rule is used:

* the serial card marks such a sale ``NOT TAKEN`` and gives no warranty from it
  (services/lookup.py, :func:`verdict_of`);
* a return, or the return half of an exchange, of such a sale is refused before anything
  moves (:func:`require_taken`): it would pay a refund for a sale central never had and put
  a unit in stock here that central has sold to someone else (central refuses the return,
  ``unknown_order``, and the till and central then disagree for good);
* the sales reports (services/reports.py) leave those invoices and refund notes out and
  name them (:func:`documents`, :func:`note`), so the till's totals are central's;
* the X and Z reports keep their money in the drawer figures (it was taken) and list them
  apart (:func:`in_shift`, :func:`shift_note`).

For the reports it is worked out for every document at once: the entries central did not
take (one read; none on central, whose journal is empty, so a report there pays one empty
index read), the documents they name, and the later entries naming any of those (one scan)
— never one look-up per invoice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal
from serialpos.db import order_repo as orepo
from serialpos.domain.errors import DomainError
from serialpos.domain.shifts import NotTakenSale
from serialpos.domain.text import clip

invoice_c = orepo.invoice_t.c
#: The kind of a refund note (db/order_tables.py ``INVOICE_KINDS``).
REFUND = "Refund"


class NotTaken(DomainError):
    code = "not_taken"


#: A JSON string in an entry's line, as ``last_naming`` finds a number: between quotes.
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
#: Numbers per ``IN (...)`` (SQLite's bound parameters are limited).
_CHUNK = 500
#: Numbers a note names before "and N more".
NAMED = 5


def documents(conn: Connection) -> tuple[str, ...]:
    """The invoice and refund-note numbers of this database that central did not take,
    sorted; empty on central and on a till whose entries central all took."""
    bad: list[tuple[int, str]] = []
    for seq, line, answer in journal.not_taken_lines(conn):
        if not recorded(answer):
            bad.append((seq, line))
        elif (cancelled := refunded_invoice(line, answer)) is not None:
            bad.append((seq, json.dumps(cancelled)))  # its invoice only: the order is taken
    if not bad:
        return ()
    named: dict[str, int] = {}  # a quoted text -> the latest entry not taken that holds it
    for seq, line in bad:
        for text in _QUOTED.findall(line):
            named[text] = seq
    texts = sorted(named)
    found: set[str] = set()
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start : start + _CHUNK]
        found.update(
            conn.execute(sa.select(invoice_c.number).where(invoice_c.number.in_(chunk))).scalars()
        )
    if not found:
        return ()
    numbers = sorted(found)
    later = journal.taken_naming_any(conn, numbers, min(named[n] for n in numbers))
    taken = {n for seq, line in later for n in numbers if seq > named[n] and _names(line, n)}
    return tuple(n for n in numbers if n not in taken)


def recorded(answer: str | None) -> bool:
    """Whether an entry's conflict was resolved by ``record_sale`` (services/conflict_sale.py):
    central holds the sale now, with its money, so it counts as taken here too. The till
    learns it from central's conflicts list (terminal/central_conflicts.py ``remember``: at
    every sync while it has conflicts central has not resolved, and when one is resolved at
    the till)."""
    conflict = json.loads(answer or "{}").get("conflict") or {}
    resolution = conflict.get("resolution") or {}
    # ``refund`` recorded it too (voided and refunded: services/conflict_refund.py).
    return isinstance(resolution, dict) and resolution.get("action") in ("record_sale", "refund")


def refunded_invoice(line: str, answer: str | None) -> str | None:
    """The invoice this till issued for its fulfilment of an order central had fulfilled
    meanwhile, once a manager resolved it by ``refund`` (services/conflict_closed_fulfil.py):
    the till's money was refunded and central's invoice is the sale (the till takes it with
    central's rows), so the till's own invoice is no sale, here as at central; None for any
    other entry."""
    conflict = json.loads(answer or "{}").get("conflict") or {}
    resolution = conflict.get("resolution") or {}
    if conflict.get("error") != "order_closed" or not isinstance(resolution, dict):
        return None
    if resolution.get("action") != "refund":
        return None
    data = json.loads(line)
    numbers = data.get("numbers") if isinstance(data, dict) else None
    if data.get("op") != "order_fulfil" or not isinstance(numbers, dict):
        return None
    invoice = numbers.get("invoice")
    return invoice if isinstance(invoice, str) else None


def _names(line: str, number: str) -> bool:
    """Whether ``line`` names ``number`` as SQLite's ``LIKE '%"number"%'`` finds it (ASCII
    letters in either case)."""
    return f'"{number}"'.lower() in line.lower()


def excluded(numbers: Sequence[str]) -> list[sa.ColumnElement[bool]]:
    """The condition that leaves these documents out of a query over invoices (none when
    there are none: central's queries stay as they were)."""
    return [invoice_c.number.not_in(list(numbers))] if numbers else []


def named_in(
    conn: Connection,
    numbers: Sequence[str],
    source: sa.FromClause,
    where: Sequence[sa.ColumnElement[bool]],
) -> tuple[str, ...]:
    """Those of ``numbers`` a report's filter (``source`` and ``where``) would have shown,
    sorted: what its note names."""
    if not numbers:
        return ()
    q = (
        sa.select(invoice_c.number)
        .distinct()
        .select_from(source)
        .where(*where, invoice_c.number.in_(list(numbers)))
        .order_by(invoice_c.number)
    )
    return tuple(str(n) for n in conn.execute(q).scalars())


def in_shift(conn: Connection, shift_id: int) -> tuple[NotTakenSale, ...]:
    """The documents central did not take whose payments moved in till shift ``shift_id``,
    each with the net they moved there (payments less change and refunds), by number: what
    the X and Z reports list apart (services/shifts.py). Empty on central."""
    numbers = documents(conn)
    if not numbers:
        return ()
    p = orepo.payment_t.c
    found: list[NotTakenSale] = []
    for start in range(0, len(numbers), _CHUNK):
        chunk = list(numbers[start : start + _CHUNK])
        q = (
            sa.select(invoice_c.number, sa.func.sum(p.amount), invoice_c.kind)
            .select_from(orepo.payment_t.join(orepo.invoice_t, invoice_c.id == p.invoice_id))
            .where(p.shift_id == shift_id, invoice_c.number.in_(chunk))
            .group_by(invoice_c.number, invoice_c.kind)
        )
        found += [
            NotTakenSale(str(r[0]), orepo.money(r[1]), refund_note=r[2] == REFUND)
            for r in conn.execute(q)
        ]
    return tuple(sorted(found, key=lambda n: n.document))


def refund_notes_among(conn: Connection, numbers: Sequence[str]) -> frozenset[str]:
    """Those of document ``numbers`` that are refund notes (the rest are invoices): a note
    names each by what it is."""
    found: set[str] = set()
    for start in range(0, len(numbers), _CHUNK):
        chunk = list(numbers[start : start + _CHUNK])
        q = sa.select(invoice_c.number).where(invoice_c.number.in_(chunk), invoice_c.kind == REFUND)
        found.update(str(n) for n in conn.execute(q).scalars())
    return frozenset(found)


def _named(numbers: Sequence[str], counted: str, refund_notes: Collection[str]) -> str:
    """The words of a note naming ``numbers``, each counted as what it is: a refund note
    central did not take is money paid out, and the X report called it a "sale"."""
    n = len(numbers)
    shown = ", ".join(numbers[:NAMED]) + (f" and {n - NAMED} more" if n > NAMED else "")
    notes = sum(1 for x in numbers if x in refund_notes)
    sales = n - notes
    kinds = [
        f"{count} {word if count == 1 else word + 's'}"
        for count, word in ((sales, "sale"), (notes, "refund note"))
        if count
    ]
    are = "is" if n == 1 else "are"
    return (
        f"{' and '.join(kinds)} central did not take {are} {counted} ({shown}): "
        "serialpos conflicts list / serialpos terminal refused"
    )


def note(numbers: Sequence[str], refund_notes: Collection[str] = ()) -> str | None:
    """The report's note, ``2 sales central did not take are not counted (INV-…, INV-…):
    serialpos conflicts list / serialpos terminal refused`` (``1 sale and 1 refund note …``
    when ``refund_notes`` names some of them); None when there are none."""
    return _named(numbers, "not counted", refund_notes) if numbers else None


def shift_note(numbers: Sequence[str], refund_notes: Collection[str] = ()) -> str | None:
    """The X or Z report's note: the same documents, which stay in its drawer figures (the
    money was taken, or paid out) and are listed apart; None when there are none."""
    words = "in the drawer figures, listed apart"
    return _named(numbers, words, refund_notes) if numbers else None


def verdict_of(conn: Connection, number: str) -> str | None:
    """``"refused"``, ``"conflict #N"`` (or ``"conflict"``) when the latest journal entry
    naming document ``number`` was not taken by central; None when it was, or is still
    waiting, or no entry names it (central, a document made elsewhere)."""
    entry = journal.last_naming(conn, number)
    if entry is None or entry.state not in ("conflict", "refused") or recorded(entry.answer):
        return None
    if entry.state == "refused":
        return "refused"
    conflict = json.loads(entry.answer or "{}").get("conflict") or {}
    found = conflict.get("id")
    return f"conflict #{found}" if found is not None else "conflict"


def require_taken(conn: Connection, order: str) -> None:
    """Refuse to take back units of ``order`` when central did not take its sale."""
    verdict = verdict_of(conn, order)
    if verdict is None:
        return
    what = (
        f"see serialpos conflicts show {verdict.removeprefix('conflict #')}"
        if verdict.startswith("conflict #")
        else "see serialpos terminal refused"
    )
    raise NotTaken(
        f"order {clip(order)} was not taken by central ({verdict}): central holds no such "
        f"sale, so there is nothing to return here; the unit is as central has it ({what})"
    )
